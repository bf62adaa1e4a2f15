"""Slots from the store: bookings and imported busy blocks removed, with the buffer policy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store.models import BusyBlock, CalendarConnection

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.fixture
def shop(services):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60, buffer_after=0)
    services.settings.update(
        working_hours={"tue": ["09:00-12:00"]}, slot_step_minutes=60, min_notice_minutes=0,
        buffer_before_minutes=0, buffer_after_minutes=30,
    )
    return services


def local_starts(slots) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{s.start.astimezone(BERLIN):%H:%M}" for s in slots]


def test_bookings_and_busy_blocks_remove_slots_with_buffers(shop) -> None:  # type: ignore[no-untyped-def]
    day = date(2026, 12, 1)  # a Tuesday
    assert local_starts(shop.availability.slots("Mark", "Massage", day, now=NOW)) == ["09:00", "10:00", "11:00"]

    booking = shop.bookings.add("Mark", "Massage", "Emma", "2026-12-01T09:00")
    # 09:00-10:00 plus the 30-minute business buffer after it also takes 10:00.
    assert local_starts(shop.availability.slots("Mark", "Massage", day, now=NOW)) == ["11:00"]

    with shop.db.session() as s:
        conn = CalendarConnection(staff_id=1, provider="caldav", display_name="iCloud – Mark")
        s.add(conn)
        s.flush()
        s.add(BusyBlock(connection_id=conn.id, source_key="drive.ics",
                        start_utc=datetime(2026, 12, 1, 11, 30, tzinfo=BERLIN),
                        end_utc=datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN)))
    assert local_starts(shop.availability.slots("Mark", "Massage", day, now=NOW)) == []
    why = shop.availability.explain("Mark", "Massage", datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN), now=NOW)
    assert not why.offered
    assert any("iCloud – Mark" in r.message for r in why.reasons)

    shop.bookings.cancel(booking.id)  # cancelling reopens the slot
    assert local_starts(shop.availability.slots("Mark", "Massage", day, now=NOW)) == ["09:00", "10:00"]


def test_staff_hours_override_and_validation(shop) -> None:  # type: ignore[no-untyped-def]
    shop.settings.set_staff_hours(1, {"tue": ["14:00-16:00"]})
    slots = shop.availability.slots("Mark", "Massage", date(2026, 12, 1), now=NOW)
    assert local_starts(slots) == ["14:00", "15:00"]
    with pytest.raises(UserInputError):
        shop.settings.update(working_hours={"tue": ["17:00-09:00"]})
    with pytest.raises(UserInputError):
        shop.settings.update(booking_window_days=0)
    with pytest.raises(UserInputError):
        shop.settings.update(colour="pink")
    assert shop.settings.get().slot_step_minutes == 60  # nothing half-saved
