"""Events the parser refuses, imported from a real Radicale server: their first instance stays busy,
and the import's sync-log row says how many were skipped and why.

The events are written behind the application's back with plain HTTP PUTs (Radicale checks only
the syntax, so it stores rules BizCal will not expand); the import runs as the timer runs it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav.busy_import import BusyReader, _Findings
from tests.sync.test_import_shapes_caldav import (
    BERLIN,
    EVERY_DAY,
    connect,
    event,
    ics,
    import_once,
    put,
    set_cursor,
    slots,
    without,
)

TUESDAY = date(2026, 3, 24)


@pytest.fixture
async def shop(services, caldav_calendar):  # type: ignore[no-untyped-def]
    """Mark (Europe/Berlin), 09:00-17:00 every day, one 60-minute service, titles not kept."""
    services.directory.add_service("Massage", 60)
    services.settings.update(
        working_hours={day: ["09:00-17:00"] for day in EVERY_DAY}, slot_step_minutes=60,
        min_notice_minutes=0, booking_window_days=60, buffer_before_minutes=0, buffer_after_minutes=0,
    )
    await connect(services, "Mark", "Europe/Berlin", caldav_calendar)
    return services


def import_message(services) -> str:  # type: ignore[no-untyped-def]
    """The newest import's sync-log row, as the Sync Log window and ``bizcal log`` show it."""
    return next(e.message for e in services.sync_log.entries(limit=5) if e.action == "import")


def standup(rrule: dict[str, object]) -> str:
    """'Standup', Tuesday 09:00-09:15 Berlin, repeating by ``rrule``."""
    ev = event("standup", datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN), datetime(2026, 3, 24, 9, 15, tzinfo=BERLIN),
               rrule=rrule)
    ev["SUMMARY"] = icalendar.vText("Standup")
    return ics(ev)


async def test_secondly_rule_blocks_its_first_instance_and_the_log_says_why(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    reader = caldav_calendar.reader()
    put(reader, "standup.ics", standup({"FREQ": "SECONDLY"}))
    put(reader, "good.ics", ics(event("good", datetime(2026, 3, 24, 11, 0, tzinfo=BERLIN),
                                      datetime(2026, 3, 24, 12, 0, tzinfo=BERLIN))))

    result = await import_once(shop)
    assert result.skipped == [("an event has a recurrence rule BizCal cannot expand (FREQ=SECONDLY); only its "
                               "first occurrence is blocked")]
    assert slots(shop, TUESDAY) == without("09:00", "11:00")  # its first instance is not offered as free
    message = import_message(shop)
    assert message.endswith("; 1 skipped: an event has a recurrence rule BizCal cannot expand "
                            "(FREQ=SECONDLY); only its first occurrence is blocked")
    assert "Standup" not in message  # titles are not kept: the event is "an event"

    # With titles kept, the next full read names it.
    shop.settings.update(keep_busy_titles=True)
    set_cursor(shop, None)
    await import_once(shop)
    assert "1 skipped: 'Standup' has a recurrence rule BizCal cannot expand (FREQ=SECONDLY)" in import_message(shop)


async def test_broken_rule_changed_in_an_incremental_read_is_reported_and_still_blocks(  # type: ignore[no-untyped-def]
    shop, caldav_calendar
) -> None:
    reader = caldav_calendar.reader()
    put(reader, "weekly.ics", ics(event("weekly", datetime(2026, 3, 24, 14, 0, tzinfo=BERLIN),
                                        datetime(2026, 3, 24, 15, 0, tzinfo=BERLIN),
                                        rrule={"FREQ": "WEEKLY", "COUNT": 3})))
    first = await import_once(shop)
    assert first.skipped == []
    assert "skipped" not in import_message(shop)

    put(reader, "weekly.ics", ics(event("weekly", datetime(2026, 3, 24, 14, 0, tzinfo=BERLIN),
                                        datetime(2026, 3, 24, 15, 0, tzinfo=BERLIN),
                                        rrule={"FREQ": "WEEKLY", "INTERVAL": 0})))
    second = await import_once(shop)
    assert not second.full
    assert second.skipped == [
        "an event has a recurrence rule BizCal cannot expand (INTERVAL=0); only its first occurrence is blocked"
    ]
    assert slots(shop, TUESDAY) == without("14:00")
    assert slots(shop, date(2026, 3, 31)) == without()  # the later weeks are unknown now
    assert "1 skipped: an event has a recurrence rule BizCal cannot expand (INTERVAL=0)" in import_message(shop)


def test_text_that_is_not_icalendar_is_reported_as_skipped() -> None:
    """Radicale refuses such a PUT, other servers store it: the reader reports it, blocks nothing."""
    reader = BusyReader(None, "https://dav.example/cal/", "Europe/Berlin")  # type: ignore[arg-type] # parsing only
    found = _Findings()
    window = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    reader._parse_all([("https://dav.example/cal/x.ics", "not a calendar")], window, found, True)
    assert found.upserts == {"https://dav.example/cal/x.ics": []}
    assert [s.describe(with_title=True) for s in found.skipped] == [
        "an event is not valid iCalendar; it blocks no time"]
