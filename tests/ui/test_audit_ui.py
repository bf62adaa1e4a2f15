"""The Audit window (from the tray menu: filter, details, CSV export) and changes made in windows,
audited through the desktop door."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from bizcal_desktop.ui.audit_window import AuditWindow
from bizcal_desktop.ui.bookings_window import BookingsWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.ui.tray import Tray
from bizcal_desktop.ui.window_manager import WindowManager
from tests.support.connections import seed_connection
from tests.ui.conftest import run_async


@pytest.fixture
def controller(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    c = DesktopController(services)
    c.scheduler.pause()
    yield c


def shown(window, qtbot):  # type: ignore[no-untyped-def]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    return window


def test_window_changes_come_through_the_desktop_door(controller, qtbot, services, sample) -> None:  # type: ignore[no-untyped-def]
    staff, _service, booking = sample
    first = seed_connection(services, staff=staff.id, provider="caldav", display_name="Work", secret="x",
                            calendar_id="work", calendar_href="work", calendar_name="Work")
    second = seed_connection(services, staff=staff.id, provider="caldav", display_name="Home", secret="x",
                             calendar_id="home", calendar_href="home", calendar_name="Home")
    integrations = shown(IntegrationsWindow(controller), qtbot)
    integrations.select_connection(second.id)
    run_async(qtbot, integrations.set_default())
    run_async(qtbot, integrations.repair.toggle_pause())
    bookings = BookingsWindow(controller)
    run_async(qtbot, bookings.cancel_booking(booking.id))
    qtbot.addWidget(bookings)

    newest = services.audit.entries(limit=3)
    assert [(e.kind, e.action, e.door) for e in newest] == [("booking", "cancel", "desktop"),
                                                            ("connection", "pause", "desktop"),
                                                            ("connection", "set_default", "desktop")]
    assert first.id != second.id and newest[1].connection_id == second.id


def test_the_tray_opens_it_and_it_filters_and_shows_before_and_after(controller, qtbot, services, sample) -> None:  # type: ignore[no-untyped-def]
    _staff, _service, booking = sample  # made without a door: "unknown"
    services.bookings.move(booking.id, booking.start + timedelta(hours=2), door="cli")
    services.settings.update(door="desktop", slot_step_minutes=30)
    tray = Tray(controller)
    manager = WindowManager(controller)
    tray.open_requested.connect(manager.open)
    tray.actions["audit"].trigger()
    window = manager.windows["audit"]
    assert isinstance(window, AuditWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    assert [r.action for r in window.model.rows()] == ["update", "move", "create"]

    window.table.selectRow(1)
    details = window.details.toPlainText()
    assert "Door: Command line" in details and "Before:" in details and "After:" in details
    assert '"customer": "Carla Customer"' in details

    window.text.setText("carla")
    qtbot.waitUntil(lambda: [r.action for r in window.model.rows()] == ["move", "create"])
    window.text.setText("")
    window.since.setDate(window.since.date().addDays(60))  # in the future: nothing since then
    window.since_on.setChecked(True)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert window.status_label.text() == "No changes match these filters." and not window.export_button.isEnabled()


def test_export_writes_the_rows_shown_as_csv(controller, qtbot, services, sample, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.settings.update(door="desktop", slot_step_minutes=30)
    window = shown(AuditWindow(controller), qtbot)
    window.text.setText("slot")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)

    dialog = window.ask_export()
    qtbot.addWidget(dialog)
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert dialog.selectedFiles()[0].endswith(f"bizcal-audit-{datetime.now(UTC).date().isoformat()}.csv")
    target = tmp_path / "audit.csv"
    dialog.fileSelected.emit(str(target))  # what choosing a file and Save does
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Exported 1 change to"))
    dialog.reject()
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["kind"], r["door"], r["after"]) for r in rows] == [("setting", "desktop", '{"slot_step_minutes": 30}')]
