"""The tray menu drives the real services (its status line and alerts: ``test_calm_alerts.py``)."""

from __future__ import annotations

import pytest

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.sync.scheduler import DRAIN
from bizcal_desktop.ui.tray import TrayState
from tests.ui.conftest import connect_radicale, run_async

MENU = [
    "Sync now", "Resync…", "Import availability now", "Bookings…", "Availability…", "Calendar Integrations…",
    "Sync Log…", "Audit…", "Staff && Services…", "Pause syncing", "Settings…", "About BizCal Desktop…", "Quit",
]


@pytest.fixture
def desktop(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    app = DesktopApp(services)
    yield app
    run_async(qtbot, app.controller.scheduler.stop(grace=10))
    app.windows.close_all()


def menu_texts(app: DesktopApp) -> list[str]:
    return [
        a.text() for a in app.tray.menu.actions()
        if a.isVisible() and not a.isSeparator() and a not in app.tray.status_actions
    ]


def test_menu_lists_every_action(desktop: DesktopApp) -> None:
    assert menu_texts(desktop) == MENU
    assert desktop.tray.actions["pause"].isCheckable()
    # The status line comes first, a calm one while nothing is wrong.
    first = desktop.tray.menu.actions()[0]
    assert first is desktop.tray.status_actions[0] and not first.isEnabled()


def test_sync_now_pushes_the_booking_to_the_calendar(
    desktop, qtbot, services, sample, caldav_calendar
) -> None:  # type: ignore[no-untyped-def]
    staff, _service, booking = sample
    connect_radicale(services, staff.id, caldav_calendar)
    desktop.controller.scheduler.pause()  # only the menu action may drain
    desktop.start()
    desktop.tray.actions["sync_now"].trigger()
    qtbot.waitUntil(lambda: services.bookings.get(booking.id).sync_state == "synced", timeout=20000)
    events = caldav_calendar.reader().events()
    assert [str(e["SUMMARY"]) for e in events] == ["Haircut"]  # a new install's privacy: service only
    qtbot.waitUntil(
        lambda: (
            desktop.tray.state == TrayState.IDLE
            and desktop.controller.status is not None
            and desktop.controller.status.synced_mappings == 1
        ),
        timeout=10000,
    )
    assert "1 synced" in desktop.tray.icon.toolTip()
    assert [a.text() for a in desktop.tray.status_actions] == ["Syncing is paused"]
    # Resumed, the status line says it in words, with the time of the last sync (issue 16 item 4).
    desktop.controller.set_paused(False)
    qtbot.waitUntil(lambda: desktop.tray.status_actions[0].text().startswith(
        "All calendars up to date · last sync "), timeout=10000)
    assert desktop.tray.status_actions[0].text() in desktop.tray.icon.toolTip()


def test_the_status_line_says_set_up_is_not_finished(desktop: DesktopApp) -> None:
    desktop.tray.show_setup_needed(True)
    first = desktop.tray.status_actions[0]
    assert first.text() == "Set-up not finished: finish it from this menu" and first.isEnabled()
    assert "Set-up not finished" in desktop.tray.icon.toolTip()
    desktop.tray.show_setup_needed(False)
    assert all("Set-up" not in a.text() for a in desktop.tray.status_actions)


def test_pause_syncing_pauses_the_scheduler(desktop) -> None:  # type: ignore[no-untyped-def]
    desktop.start()
    pause = desktop.tray.actions["pause"]
    pause.trigger()
    assert desktop.controller.scheduler.paused
    pause.trigger()
    assert not desktop.controller.scheduler.paused


def test_window_actions_open_their_windows(desktop, qtbot) -> None:  # type: ignore[no-untyped-def]
    for name in ("bookings", "integrations", "sync_log", "resync", "availability", "staff_services", "settings"):
        desktop.tray.actions[name].trigger()
        window = desktop.windows.windows[name]
        assert window.isVisible()
        # Windows have titles ("BizCal — Bookings") and the app icon (issue 16 item 4).
        assert window.windowTitle().startswith("BizCal — ") and not window.windowIcon().isNull()
        qtbot.waitUntil(lambda w=window: not getattr(w, "refreshing", False))


def test_quit_stops_timers_and_closes(desktop, qtbot) -> None:  # type: ignore[no-untyped-def]
    finished = []
    desktop.quit_finished.connect(lambda: finished.append(True))
    desktop.start()
    desktop.tray.actions["quit"].trigger()
    qtbot.waitUntil(lambda: finished == [True], timeout=20000)
    assert not desktop.controller.scheduler.is_running(DRAIN)


def test_import_availability_now_runs_the_importer(desktop, qtbot, services, sample, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    from bizcal_desktop.sync.scheduler import IMPORT

    connect_radicale(services, sample[0].id, caldav_calendar)
    desktop.controller.scheduler.pause()
    desktop.start()
    timer = desktop.controller.scheduler._timers[IMPORT]
    desktop.tray.actions["import_now"].trigger()
    qtbot.waitUntil(lambda: timer.last_result is not None and not timer.running, timeout=20000)
    assert [c.ok for c in timer.last_result.connections] == [True]
    assert services.connections.list()[0].last_import_at is not None
