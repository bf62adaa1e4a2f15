"""Settings: shows the stored settings, saves through SettingsStore, writes the autostart entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizcal_desktop.sync.scheduler import IMPORT
from bizcal_desktop.ui.autostart import Autostart
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.settings_window import SettingsWindow
from tests.ui.conftest import run_async


@pytest.fixture
def window(qloop, qtbot, services, tmp_path: Path):  # type: ignore[no-untyped-def]
    controller = DesktopController(services)
    w = SettingsWindow(
        controller, autostart=Autostart(platform="linux", home=tmp_path, xdg_config_home=tmp_path / "cfg")
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())
    return w


def test_shows_the_defaults(window: SettingsWindow) -> None:
    assert window.day_open["mon"].isChecked() and window.day_hours["mon"].text() == "09:00-17:00"
    assert not window.day_open["sun"].isChecked() and not window.day_hours["sun"].isEnabled()
    assert window.import_interval.value() == 15  # the periodic import runs every 15 minutes by default


def test_save_updates_settings_autostart_and_the_import_timer(
    window: SettingsWindow, qtbot, services
) -> None:  # type: ignore[no-untyped-def]
    window.timezone.setCurrentText("Europe/Berlin")
    window.day_open["sat"].setChecked(True)
    window.day_hours["sat"].setText("10:00-12:00, 13:00 - 15:00")
    window.buffer_after.setValue(10)
    window.import_interval.setValue(30)
    window.start_at_login.setChecked(True)
    run_async(qtbot, window.save())
    saved = services.settings.get()
    assert saved.timezone == "Europe/Berlin"
    assert saved.working_hours["sat"] == ["10:00-12:00", "13:00-15:00"]
    assert saved.buffer_after_minutes == 10 and saved.import_interval_minutes == 30
    assert saved.start_at_login and window.autostart.is_enabled()
    assert window.controller.scheduler._timers[IMPORT].interval == 30 * 60
    window.start_at_login.setChecked(False)
    run_async(qtbot, window.save())
    assert not window.autostart.is_enabled()


def test_a_refused_value_is_explained_and_nothing_is_saved(window: SettingsWindow, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    window.day_hours["mon"].setText("17:00-09:00")
    task = window.run(window.save())
    qtbot.waitUntil(task.done)
    assert window.status_label.text().startswith("Working hours")
    assert services.settings.get().working_hours["mon"] == ["09:00-17:00"]
