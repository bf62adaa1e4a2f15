"""The stylist's open Bookings window and tray show a booking made at the front desk as it is committed.

Two devices on one real PostgreSQL database; the laptop runs the tray app (its controller, tray and
Bookings window) with syncing paused, so no drain refreshes anything: only the notification can.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.config import Config
from bizcal_desktop.ui.bookings_window import BookingsWindow
from bizcal_desktop.wiring import Services, build_services
from tests.ui.conftest import run_async

DAY = date(2026, 12, 14)


def device(folder: Path, url: str) -> Services:
    return build_services(Config(data_dir=folder, keyring_service=f"bizcal-test-{folder.name}", database_url=url))


@pytest.fixture
def devices(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Services, Services]]:
    desk, laptop = device(tmp_path / "desk", postgres_url), device(tmp_path / "laptop", postgres_url)
    desk.directory.add_staff("Sarah", "Europe/Berlin")
    desk.directory.add_service("Cut", 60)
    yield desk, laptop
    desk.close()
    laptop.close()


@pytest.fixture
def laptop_app(qloop, qtbot, devices):  # type: ignore[no-untyped-def]
    app = DesktopApp(devices[1])
    app.controller.scheduler.pause()  # nothing drains: a refresh can only come from a notification
    app.start()
    yield app
    assert app.controller.team_changes is not None
    run_async(qtbot, app.controller.team_changes.stop())
    run_async(qtbot, app.controller.scheduler.stop(grace=10))
    app.windows.close_all()


def test_the_bookings_window_and_tray_show_a_booking_made_on_another_device(laptop_app, qtbot, devices) -> None:  # type: ignore[no-untyped-def]
    desk, _laptop = devices
    controller = laptop_app.controller
    watch = controller.team_changes
    assert watch is not None
    window = BookingsWindow(controller)
    qtbot.addWidget(window)
    window.set_day(DAY)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done()
                    and watch.feed.backend_pid is not None, timeout=20000)
    assert window.model.rowCount() == 0
    qtbot.waitUntil(lambda: controller.status is not None, timeout=20000)
    tooltip_before = laptop_app.tray.icon.toolTip()
    assert controller.status.pending_jobs == 0

    desk.bookings.add("Sarah", "Cut", "Front-desk walk-in", f"{DAY.isoformat()}T10:00")

    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=20000)
    assert window.model.rows()[0].customer_name == "Front-desk walk-in"
    qtbot.waitUntil(lambda: controller.status is not None and controller.status.pending_jobs == 1, timeout=20000)
    assert laptop_app.tray.icon.toolTip() != tooltip_before
    assert watch.batches >= 1 and not controller.scheduler.is_running()
