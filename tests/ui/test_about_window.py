"""About BizCal Desktop, opened from the tray: version, data folder, log file, bundled licences."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from bizcal_desktop import __version__
from bizcal_desktop.app import DesktopApp
from bizcal_desktop.ui.about_window import AboutWindow
from tests.ui.conftest import run_async


@pytest.fixture
def desktop(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    app = DesktopApp(services)
    yield app
    run_async(qtbot, app.controller.scheduler.stop(grace=10))
    app.windows.close_all()


def _rows(window: AboutWindow) -> dict[str, tuple[str, str]]:
    table = window.table
    return {
        table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
        for r in range(table.rowCount())
    }


def test_the_tray_opens_about_with_version_folders_and_licences(desktop, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    desktop.tray.actions["about"].trigger()
    window = desktop.windows.windows["about"]
    assert isinstance(window, AboutWindow) and window.isVisible()
    qtbot.waitUntil(lambda: window.table.rowCount() > 2, timeout=10000)

    assert __version__ in window.version_label.text()
    assert str(services.config.data_dir) in window.data_label.text()
    assert str(services.config.log_path) in window.log_label.text()
    rows = _rows(window)
    assert rows["Qt 6"][1] == "LGPL-3.0-only"
    assert rows["Python"][1] == "PSF-2.0"
    assert "LGPL-3.0-only" in rows["PySide6_Essentials"][1]
    assert rows["SQLAlchemy"][1] == "MIT"
    assert "bizcal-desktop" not in rows  # the app itself is not a third-party part
    assert "pytest" not in rows  # only what the app runs on, not the test tools
    assert "GNU LGPL v3" in window.licence_note.text()


def test_copy_details_gives_support_what_it_asks_for(desktop, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    window = desktop.windows.open("about")
    window.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert f"BizCal Desktop {__version__}" in copied
    assert str(services.config.data_dir) in copied and str(services.config.log_path) in copied
    qtbot.waitUntil(lambda: window.table.rowCount() > 2, timeout=10000)
