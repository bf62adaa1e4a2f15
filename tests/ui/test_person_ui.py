"""'Who uses this computer?' (issue 19 item 6): asked once on a team database, changed in Settings →
Team database, and shown in the Audit window; never asked on a solo SQLite file.

On a real PostgreSQL: the desktop asks at start, the answer goes to this computer's data folder (not
the shared database), changes made then carry the person, and the Audit window's *Who* column and
details show them — with the words that this identifies, it does not sign in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.config import Config
from bizcal_desktop.ui.audit_window import AuditWindow
from bizcal_desktop.ui.autostart import Autostart
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.settings_window import SettingsWindow
from bizcal_desktop.wiring import Services, build_services
from tests.ui.conftest import run_async


@pytest.fixture
def team(tmp_path: Path, postgres_url: str) -> Iterator[Services]:
    built = build_services(Config.load(tmp_path / "data", postgres_url))
    built.directory.add_staff("Sarah", "Europe/Berlin")
    built.directory.add_staff("Jo", "Europe/Berlin")
    built.directory.add_service("Cut", 60)
    yield built
    built.close()


def _desktop(services: Services, qtbot) -> DesktopApp:  # type: ignore[no-untyped-def]
    app = DesktopApp(services)
    app.controller.scheduler.pause()
    return app


def _settings(services: Services, qtbot, tmp_path: Path) -> SettingsWindow:  # type: ignore[no-untyped-def]
    window = SettingsWindow(DesktopController(services),
                            autostart=Autostart(platform="linux", home=tmp_path, xdg_config_home=tmp_path / "cfg"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    return window


def test_a_team_computer_asks_once_and_the_audit_window_names_the_person(  # type: ignore[no-untyped-def]
    qloop, qtbot, team, tmp_path: Path
) -> None:
    app = _desktop(team, qtbot)
    try:
        run_async(qtbot, app.check_setup(first_start=True))
        dialog = app.person_dialog
        assert dialog is not None and dialog.isVisible()
        qtbot.addWidget(dialog)
        qtbot.waitUntil(dialog.load_task.done)
        picker = dialog.picker
        assert [picker.itemText(i) for i in range(picker.count())] == ["Jo", "Sarah", "Several people use this computer"]
        assert "it does not sign anyone in" in dialog.explanation.text()
        picker.setCurrentIndex(picker.findText("Sarah"))
        run_async(qtbot, dialog.save())
        assert dialog.result() == QDialog.DialogCode.Accepted

        saved = json.loads((tmp_path / "data" / "person.json").read_text(encoding="utf-8"))
        assert saved["name"] == "Sarah"  # this computer's answer, in its data folder
        team.bookings.add("Sarah", "Cut", "Ana", "2027-12-07T10:00", door="desktop")

        app.person_dialog = None
        run_async(qtbot, app.check_setup(first_start=True))
        assert app.person_dialog is None  # asked once: the next start does not ask again
    finally:
        app.windows.close_all()

    audit = AuditWindow(DesktopController(team))
    qtbot.addWidget(audit)
    audit.show()
    qtbot.waitUntil(lambda: audit.last_refresh is not None and audit.last_refresh.done())
    [made] = [r for r in audit.model.rows() if r.kind == "booking"]
    assert made.person == "Sarah" and made.who.startswith("Sarah (")
    row = audit.model.rows().index(made)
    assert audit.model.index(row, 1).data().startswith("Sarah (")
    audit.table.selectRow(row)
    assert "Person: Sarah (as said on that computer; not a sign-in)" in audit.details.toPlainText()


def test_settings_changes_who_uses_this_computer(qloop, qtbot, team, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    team.person.choose("Jo")
    window = _settings(team, qtbot, tmp_path)
    row = window.team_database.person_row
    assert row is not None and row.picker.currentText() == "Jo"
    row.picker.setCurrentIndex(row.picker.findText("Several people use this computer"))
    run_async(qtbot, row.save())
    assert row.result.text() == "Changes from this computer are recorded without a person."
    team.bookings.add("Jo", "Cut", "Ana", "2027-12-07T10:00", door="desktop")
    assert team.audit.entries(limit=1)[0].person is None
    assert not team.person.needs_asking()  # "several people" is an answer too


def test_a_solo_file_never_asks(qloop, qtbot, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    app = _desktop(services, qtbot)
    try:
        run_async(qtbot, app.check_setup(first_start=True))
        assert app.person_dialog is None
    finally:
        app.windows.close_all()
    assert _settings(services, qtbot, tmp_path).team_database.person_row is None


def test_the_set_up_wizard_answers_who_uses_the_first_team_computer(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, postgres_url: str
) -> None:
    """The first computer on a new team database: "You" in the wizard is who uses it; not asked again."""
    from tests.ui.test_setup_wizard import answer_questions, open_wizard, to_connect_page

    services = build_services(Config.load(tmp_path / "data", postgres_url))
    try:
        wizard = open_wizard(qtbot, DesktopController(services))
        answer_questions(qtbot, wizard)
        to_connect_page(qtbot, wizard)
        assert services.person.current is not None and services.person.current.name == "Mark Weber"
        assert not services.person.needs_asking()
        wizard.close()
    finally:
        services.close()
