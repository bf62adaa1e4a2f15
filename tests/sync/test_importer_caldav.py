"""Availability import against a real Radicale server: blocks follow the calendar, our own events
are not counted twice, a double booking is reported once, a broken connection does not stop others."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import BusyBlock, CalendarSyncLog

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def vevent(uid: str, start: datetime, end: datetime, summary: str = "Dentist", transparent: bool = False) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("dtstamp", datetime(2026, 11, 1, tzinfo=UTC))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    if transparent:
        ev.add("transp", "TRANSPARENT")
    cal.add_component(ev)
    return cal.to_ical().decode()


@pytest.fixture
async def mark(services, caldav_calendar):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.settings.update(working_hours={"tue": ["09:00-13:00"]}, slot_step_minutes=60,
                             min_notice_minutes=0, booking_window_days=30)
    server = caldav_calendar.server
    await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=caldav_calendar.url,
    )
    return services


def blocks(services) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return [(b.start_utc, b.end_utc) for b in s.scalars(select(BusyBlock).order_by(BusyBlock.start_utc))]


def starts(services) -> list[str]:  # type: ignore[no-untyped-def]
    slots = services.availability.slots("Mark", "Massage", date(2026, 12, 1), now=NOW)
    return [f"{s.start.astimezone(BERLIN):%H:%M}" for s in slots]


async def test_import_follows_the_calendar_and_slots_avoid_busy_time(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    reader = caldav_calendar.reader()
    base = caldav_calendar.url
    reader.put(f"{base}dentist.ics", vevent("dentist", datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN),
                                            datetime(2026, 12, 1, 10, 30, tzinfo=BERLIN)))
    reader.put(f"{base}free.ics", vevent("free", datetime(2026, 12, 1, 12, 0, tzinfo=BERLIN),
                                         datetime(2026, 12, 1, 13, 0, tzinfo=BERLIN), transparent=True))
    booking = services.bookings.add("Mark", "Massage", "Emma", "2026-12-01T09:00")
    await services.engine.drain()  # our own event is now in the same calendar

    report = await services.importer.import_all(now=NOW)
    assert [(c.ok, c.added) for c in report.connections] == [(True, 1)]
    assert blocks(services) == [(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 30, tzinfo=UTC))]
    assert report.conflicts == []  # the booking's own event is not a conflict with itself
    assert starts(services) == ["11:00", "12:00"]

    # Moved externally, then a second event appears over the booking: both flow in on the next import.
    reader.put(f"{base}dentist.ics", vevent("dentist", datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN),
                                            datetime(2026, 12, 1, 11, 30, tzinfo=BERLIN)))
    reader.put(f"{base}school.ics", vevent("school", datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN),
                                           datetime(2026, 12, 1, 9, 45, tzinfo=BERLIN), "Recital"))
    conflicts_told = []
    services.importer.listeners.add(conflicts_told.append)
    report = await services.importer.import_all(now=NOW)
    assert (report.connections[0].added, report.connections[0].changed) == (1, 1)
    assert starts(services) == ["10:00", "12:00"]
    assert [c.booking_id for c in conflicts_told] == [booking.id]
    assert "Double-booked" in conflicts_told[0].message

    # Deleted externally: its block goes; the conflict is not announced twice.
    reader.delete(f"{base}dentist.ics")
    report = await services.importer.import_all(now=NOW)
    assert report.connections[0].removed == 1 and report.conflicts == []
    assert starts(services) == ["10:00", "11:00", "12:00"]
    assert len(conflicts_told) == 1

    with services.db.session() as s:
        actions = [r.action for r in s.scalars(select(CalendarSyncLog).where(CalendarSyncLog.action.in_(
            ["import", "conflict"])))]
    assert actions.count("import") == 3 and actions.count("conflict") == 1


async def test_one_failing_connection_does_not_stop_the_others(mark, fresh_radicale, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    other = fresh_radicale.make_calendar()
    await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=fresh_radicale.url, username=fresh_radicale.username,
        password=fresh_radicale.password, calendar=other,
    )
    caldav_calendar.reader().put(
        f"{caldav_calendar.url}a.ics",
        vevent("a", datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN), datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)),
    )
    await services.importer.import_all(now=NOW)
    fresh_radicale.stop()
    report = await services.importer.import_all(now=NOW)
    assert sorted(c.ok for c in report.connections) == [False, True]
    assert len(blocks(services)) == 1  # kept: stale data is safer than treating the calendar as free
    assert services.sync_log.entries(failed_only=True)[0].action == "import"
