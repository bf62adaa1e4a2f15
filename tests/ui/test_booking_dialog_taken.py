"""The booking dialog, when another device booked the picked time a moment earlier (issue 19 item 4).

The other device is a second :class:`Database` on the same file, as a CLI or another app would be:
the dialog still offers the time it read before, Save meets the database's refusal, shows its one
sentence, books nothing and offers the times that are still free.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.services.bookings import BookingService
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store.database import Database
from bizcal_desktop.ui.booking_dialog import BookingDialog
from bizcal_desktop.ui.controller import DesktopController
from tests.ui.conftest import run_async

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def controller(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    c = DesktopController(services)
    c.scheduler.pause()
    c.start()
    yield c
    run_async(qtbot, c.scheduler.stop(grace=10))


def _next_monday() -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=3)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(), BERLIN)


def _times(dialog: BookingDialog) -> list[str]:
    return [dialog.slots.item(i).text() for i in range(dialog.slots.count())]


def test_a_time_another_device_just_booked_is_refused_with_one_sentence(  # type: ignore[no-untyped-def]
    controller, qtbot, services
) -> None:
    alice = services.directory.add_staff("Alice Example", "Europe/Berlin")
    services.directory.add_service("Haircut", 45)
    monday = _next_monday()
    dialog = BookingDialog(controller, monday.date())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_task is not None and dialog.check_task.done() and not dialog.loading)
    dialog.customer.setText("Eve New")
    dialog.select_slot(_times(dialog).index("10:00"))

    other_device = Database(services.db.path)
    try:
        BookingService(other_device, DirectoryService(other_device)).add(
            alice.id, "Haircut", "Front desk customer", monday.replace(hour=10, minute=15))
    finally:
        other_device.dispose()
    run_async(qtbot, dialog.save())

    assert dialog.result_booking is None and dialog.isVisible()
    assert dialog.error.text() == "" and dialog.notice.warning.isVisible()
    assert dialog.notice.warning.text() == (
        f"That time was just taken: Alice Example already has a booking from 10:15 to 11:00 on "
        f"{monday:%a} {monday.day} {monday:%b}. Pick another time.")
    assert "Front desk" not in dialog.notice.warning.text()
    assert not {"10:00", "10:15", "10:30"} & set(_times(dialog)) and "11:00" in _times(dialog)
    assert [b.customer_name for b in services.bookings.list()] == ["Front desk customer"]
