"""Resync…: queues the bookings from a day whose events are missing and shows progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.resync_dialog import ResyncDialog
from tests.ui.conftest import connect_radicale, run_async


def test_resync_backfills_and_reports_progress(qloop, qtbot, services, sample, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    staff, service, _booking = sample
    day = (datetime.now(UTC) + timedelta(days=4)).date()
    for hour in (9, 10, 11):
        services.bookings.add(staff.id, service.id, f"C{hour}", f"{day.isoformat()}T{hour:02d}:00")
    controller = DesktopController(services)
    controller.scheduler.pause()
    controller.start()
    connect_radicale(services, staff.id, caldav_calendar)  # connected after booking: nothing synced yet
    dialog = ResyncDialog(controller)
    qtbot.addWidget(dialog)
    dialog.set_from_day(datetime.now(UTC).date())
    seen: list[tuple[int, int]] = []
    controller.resync_progress.connect(lambda done, total: seen.append((done, total)))
    run_async(qtbot, dialog.start_resync())
    assert dialog.progress.value() == dialog.progress.maximum() == 4
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert len(caldav_calendar.reader().events()) == 4
    assert "4 calendar events written" in dialog.status_label.text()
    run_async(qtbot, controller.scheduler.stop(grace=10))
