"""Busy import of real-world calendar shapes from a real Radicale server, checked end to end.

Each test writes events behind the application's back (plain HTTP PUT/DELETE through the
fixture's CalendarReader, as a phone or another calendar app would), runs the importer exactly as
the timer does (``services.importer.import_all``), then asks the slot service what a customer
would be offered. Times are checked in the staff member's local zone, because "10:00 in Berlin"
is what a practitioner sees; the UTC blocks are checked where DST makes the offset the point.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import BusyBlock, CalendarConnection
from tests.fixtures.radicale import CalendarFixture, CalendarReader

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
#: Monday of the week in which Berlin leaves winter time (Sunday 2026-03-29, 02:00 -> 03:00).
NOW = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
#: Monday of the week in which New York goes back to winter time (Sunday 2026-11-01).
NOW_NY = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
ALL_DAY_HOURS = [f"{h:02d}:00" for h in range(9, 17)]  # 09:00-17:00, 60-minute slots every hour
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ----------------------------------------------------------------------------- building events


def event(uid: str, start: datetime | date, end: datetime | date, **props: object) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", f"private {uid}")
    for name, value in props.items():
        ev.add(name.replace("_", "-"), value)
    return ev


def ics(*events: icalendar.Event) -> str:
    """A VCALENDAR as calendar apps write it, with a VTIMEZONE for every zone used."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test phone//EN")
    cal.add("version", "2.0")
    for ev in events:
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def put(reader: CalendarReader, name: str, text: str) -> None:
    response = reader.put(name, text)
    assert response.status_code in (201, 204), response.text


# ----------------------------------------------------------------------------- fixtures and probes


async def connect(services, staff: str, zone: str, calendar: CalendarFixture) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff(staff, zone)
    server = calendar.server
    await services.connections.connect_caldav(
        staff=staff, provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar.url,
    )


@pytest.fixture
async def shop(services, caldav_calendar):  # type: ignore[no-untyped-def]
    """Mark (Europe/Berlin), working 09:00-17:00 every day, one 60-minute service, no buffers."""
    services.directory.add_service("Massage", 60)
    services.settings.update(
        working_hours={day: ["09:00-17:00"] for day in EVERY_DAY}, slot_step_minutes=60,
        min_notice_minutes=0, booking_window_days=60, buffer_before_minutes=0, buffer_after_minutes=0,
    )
    await connect(services, "Mark", "Europe/Berlin", caldav_calendar)
    return services


def blocks(services, zone: ZoneInfo = BERLIN) -> list[str]:  # type: ignore[no-untyped-def]
    """Every busy block as 'YYYY-MM-DD HH:MM–HH:MM' in ``zone`` (all-day ones marked)."""
    with services.db.session() as s:
        rows = s.scalars(select(BusyBlock).order_by(BusyBlock.start_utc, BusyBlock.end_utc)).all()
        return [
            f"{b.start_utc.astimezone(zone):%Y-%m-%d %H:%M}–{b.end_utc.astimezone(zone):%H:%M}"
            + (" all-day" if b.all_day else "")
            for b in rows
        ]


def utc_blocks(services) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return [(b.start_utc, b.end_utc) for b in s.scalars(select(BusyBlock).order_by(BusyBlock.start_utc))]


def slots(services, day: date, staff: str = "Mark", zone: ZoneInfo = BERLIN,  # type: ignore[no-untyped-def]
          now: datetime = NOW) -> list[str]:
    found = services.availability.slots(staff, "Massage", day, now=now)
    return [f"{s.start.astimezone(zone):%H:%M}" for s in found]


def without(*hours: str) -> list[str]:
    return [h for h in ALL_DAY_HOURS if h not in hours]


async def import_once(services, now: datetime = NOW):  # type: ignore[no-untyped-def]
    report = await services.importer.import_all(now=now)
    (result,) = report.connections
    assert result.ok, result.message
    return result


def set_cursor(services, value: str | None) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        (connection,) = s.scalars(select(CalendarConnection)).all()
        connection.sync_cursor = value


def cursor(services) -> str | None:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        (connection,) = s.scalars(select(CalendarConnection)).all()
        return connection.sync_cursor


# ----------------------------------------------------------------------------- shapes


async def test_weekly_series_with_exdate_and_moved_instance_across_dst(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    """Tuesdays 10:00 Berlin: one week skipped (EXDATE), one moved to 14:00; stays 10:00 local after DST."""
    master = event("weekly", datetime(2026, 3, 24, 10, 0, tzinfo=BERLIN), datetime(2026, 3, 24, 11, 0, tzinfo=BERLIN),
                   rrule={"FREQ": "WEEKLY", "COUNT": 4}, exdate=datetime(2026, 3, 31, 10, 0, tzinfo=BERLIN))
    moved = event("weekly", datetime(2026, 4, 7, 14, 0, tzinfo=BERLIN), datetime(2026, 4, 7, 15, 0, tzinfo=BERLIN),
                  recurrence_id=datetime(2026, 4, 7, 10, 0, tzinfo=BERLIN))
    put(caldav_calendar.reader(), "weekly.ics", ics(master, moved))

    result = await import_once(shop)
    assert result.full and result.added == 3
    assert blocks(shop) == ["2026-03-24 10:00–11:00", "2026-04-07 14:00–15:00", "2026-04-14 10:00–11:00"]
    # 10:00 CET is 09:00 UTC, 10:00 CEST is 08:00 UTC: the series follows local time through DST.
    assert utc_blocks(shop)[0][0] == datetime(2026, 3, 24, 9, 0, tzinfo=UTC)
    assert utc_blocks(shop)[2][0] == datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
    assert slots(shop, date(2026, 3, 24)) == without("10:00")
    assert slots(shop, date(2026, 3, 31)) == ALL_DAY_HOURS  # EXDATE: that week is free
    assert slots(shop, date(2026, 4, 7)) == without("14:00")  # moved instance, the 10:00 is free
    assert slots(shop, date(2026, 4, 14)) == without("10:00")


async def test_all_day_transparent_and_other_zone_events(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    reader = caldav_calendar.reader()
    # All-day on the day Berlin springs forward: the local day is 23 hours long.
    put(reader, "holiday.ics", ics(event("holiday", date(2026, 3, 29), date(2026, 3, 30))))
    put(reader, "free.ics", ics(event("free", datetime(2026, 3, 24, 12, 0, tzinfo=BERLIN),
                                      datetime(2026, 3, 24, 13, 0, tzinfo=BERLIN), transp="TRANSPARENT")))
    # 05:00 in New York on 25 March: New York is already on summer time (UTC-4), Berlin not yet
    # (UTC+1), so it is 10:00 in Berlin - not 11:00 as a fixed 6-hour difference would say.
    put(reader, "call.ics", ics(event("call", datetime(2026, 3, 25, 5, 0, tzinfo=NEW_YORK),
                                      datetime(2026, 3, 25, 6, 0, tzinfo=NEW_YORK))))

    result = await import_once(shop)
    assert result.added == 2  # the transparent event blocks nothing
    assert blocks(shop) == ["2026-03-25 10:00–11:00", "2026-03-29 00:00–00:00 all-day"]
    assert (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)) in utc_blocks(shop)
    assert slots(shop, date(2026, 3, 24)) == ALL_DAY_HOURS
    assert slots(shop, date(2026, 3, 25)) == without("10:00")
    assert slots(shop, date(2026, 3, 28)) == ALL_DAY_HOURS
    assert slots(shop, date(2026, 3, 29)) == []
    assert slots(shop, date(2026, 3, 30)) == ALL_DAY_HOURS


async def test_dst_week_in_berlin(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    daily = event("gym", datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN), datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN),
                  rrule={"FREQ": "DAILY", "COUNT": 5})
    put(caldav_calendar.reader(), "gym.ics", ics(daily))
    await import_once(shop)
    assert [start.hour for start, _end in utc_blocks(shop)] == [8, 8, 7, 7, 7]
    for day in range(27, 32):
        assert slots(shop, date(2026, 3, day)) == without("09:00"), day


async def test_dst_week_in_new_york(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_service("Massage", 60)
    services.settings.update(
        working_hours={day: ["09:00-17:00"] for day in EVERY_DAY}, slot_step_minutes=60,
        min_notice_minutes=0, booking_window_days=30, buffer_before_minutes=0, buffer_after_minutes=0,
    )
    await connect(services, "Nina", "America/New_York", caldav_calendar)
    daily = event("school-run", datetime(2026, 10, 29, 9, 0, tzinfo=NEW_YORK),
                  datetime(2026, 10, 29, 10, 0, tzinfo=NEW_YORK), rrule={"FREQ": "DAILY", "COUNT": 6})
    # Written by a Berlin colleague: Berlin is back on winter time since 25 Oct (UTC+1), New York
    # not until 1 Nov (UTC-4), so 15:00 Berlin on 30 Oct is 10:00 New York, not 09:00.
    meeting = event("meeting", datetime(2026, 10, 30, 15, 0, tzinfo=BERLIN), datetime(2026, 10, 30, 16, 0, tzinfo=BERLIN))
    reader = caldav_calendar.reader()
    put(reader, "school-run.ics", ics(daily))
    put(reader, "meeting.ics", ics(meeting))

    await import_once(services, NOW_NY)
    school = [start.hour for start, end in utc_blocks(services) if (end - start) == timedelta(hours=1)]
    assert school == [13, 13, 14, 13, 14, 14, 14]  # 09:00 EDT = 13:00 UTC, 09:00 EST = 14:00 UTC
    assert blocks(services, NEW_YORK)[2] == "2026-10-30 10:00–11:00"
    for day in (29, 31):
        assert slots(services, date(2026, 10, day), "Nina", NEW_YORK, NOW_NY) == without("09:00"), day
    assert slots(services, date(2026, 10, 30), "Nina", NEW_YORK, NOW_NY) == without("09:00", "10:00")
    # The 25-hour day and the days after it: still 09:00-17:00 local, only the 09:00 taken.
    for day in (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)):
        assert slots(services, day, "Nina", NEW_YORK, NOW_NY) == without("09:00"), day
    assert slots(services, date(2026, 11, 4), "Nina", NEW_YORK, NOW_NY) == ALL_DAY_HOURS


# ----------------------------------------------------------------------------- changes between imports


async def test_deleted_and_moved_events_flow_in_incrementally(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    reader = caldav_calendar.reader()
    tuesday = date(2026, 3, 24)

    def at(hour: int, uid: str) -> str:
        return ics(event(uid, datetime(2026, 3, 24, hour, 0, tzinfo=BERLIN),
                         datetime(2026, 3, 24, hour + 1, 0, tzinfo=BERLIN)))

    for hour, uid in ((9, "a"), (11, "b"), (13, "c")):
        put(reader, f"{uid}.ics", at(hour, uid))
    first = await import_once(shop)
    assert first.full and first.added == 3
    assert slots(shop, tuesday) == without("09:00", "11:00", "13:00")

    unchanged = await import_once(shop)
    assert not unchanged.full
    assert (unchanged.added, unchanged.changed, unchanged.removed) == (0, 0, 0)
    assert unchanged.requests <= 2  # one sync-collection REPORT (+ the auth challenge of a new client)

    reader.delete("a.ics")
    put(reader, "b.ics", at(15, "b"))  # moved in the phone's calendar app
    second = await import_once(shop)
    assert not second.full
    assert (second.added, second.changed, second.removed) == (0, 1, 1)
    assert second.requests <= 3  # sync-collection + one calendar-multiget (+ auth challenge)
    assert blocks(shop) == ["2026-03-24 13:00–14:00", "2026-03-24 15:00–16:00"]
    assert slots(shop, tuesday) == without("13:00", "15:00")

    # The incremental result is exactly what a full read finds: nothing to add, change or remove.
    set_cursor(shop, None)
    check = await import_once(shop)
    assert check.full and (check.added, check.changed, check.removed) == (0, 0, 0)


async def test_next_day_is_a_full_read_that_sees_events_sliding_into_the_window(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    """An untouched event beyond the window is no 'change' to sync-collection; the window in the cursor catches it."""
    # The window is today + 60 days, up to local midnight: 2026-05-23 00:00 Berlin on 23 March.
    put(caldav_calendar.reader(), "far.ics", ics(event("far", datetime(2026, 5, 23, 10, 0, tzinfo=BERLIN),
                                                       datetime(2026, 5, 23, 11, 0, tzinfo=BERLIN))))
    await import_once(shop)
    assert blocks(shop) == []
    same_day = await import_once(shop, NOW + timedelta(hours=5))
    assert not same_day.full and blocks(shop) == []
    next_day = await import_once(shop, NOW + timedelta(days=1))
    assert next_day.full
    assert blocks(shop) == ["2026-05-23 10:00–11:00"]
    assert json.loads(cursor(shop) or "{}")["window_start"] == "2026-03-23T23:00:00+00:00"


async def test_own_booking_event_is_not_counted_twice(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    put(caldav_calendar.reader(), "dentist.ics", ics(event("dentist", datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN),
                                                           datetime(2026, 3, 24, 10, 0, tzinfo=BERLIN))))
    booking = shop.bookings.add("Mark", "Massage", "Emma", "2026-03-24T11:00")
    await shop.engine.drain()
    assert any("@bizcal-desktop" in str(e.get("uid")) for e in caldav_calendar.reader().events())

    report = await shop.importer.import_all(now=NOW)
    assert report.connections[0].added == 1 and report.conflicts == []
    assert blocks(shop) == ["2026-03-24 09:00–10:00"]  # only the dentist; the booking is not a busy block
    assert slots(shop, date(2026, 3, 24)) == without("09:00", "11:00")

    # The booking moves: our event changes in the calendar and comes back through the incremental read.
    shop.bookings.move(booking.id, "2026-03-24T14:00")
    await shop.engine.drain()
    report = await shop.importer.import_all(now=NOW)
    assert not report.connections[0].full
    assert report.conflicts == []
    assert blocks(shop) == ["2026-03-24 09:00–10:00"]
    assert slots(shop, date(2026, 3, 24)) == without("09:00", "14:00")


async def test_malformed_resource_does_not_stop_the_import(shop, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    """Radicale stores an RRULE with INTERVAL=0 (it only checks the syntax); our parser will not expand
    it, so only its first instance blocks time (and the import reports it as skipped)."""
    reader = caldav_calendar.reader()
    broken = ics(event("broken", datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN), datetime(2026, 3, 24, 10, 0, tzinfo=BERLIN),
                       rrule={"FREQ": "DAILY", "INTERVAL": 0}))
    put(reader, "broken.ics", broken)
    put(reader, "good.ics", ics(event("good", datetime(2026, 3, 24, 11, 0, tzinfo=BERLIN),
                                      datetime(2026, 3, 24, 12, 0, tzinfo=BERLIN))))
    first = await import_once(shop)
    assert first.full and len(first.skipped) == 1
    assert blocks(shop) == ["2026-03-24 09:00–10:00", "2026-03-24 11:00–12:00"]

    # A good event broken later in the incremental path: its block becomes its first instance (as a
    # full read would read it) and the other change in the same import still lands.
    put(reader, "good.ics", broken.replace("UID:broken", "UID:good"))
    put(reader, "new.ics", ics(event("new", datetime(2026, 3, 24, 15, 0, tzinfo=BERLIN),
                                     datetime(2026, 3, 24, 16, 0, tzinfo=BERLIN))))
    second = await import_once(shop)
    assert not second.full and len(second.skipped) == 1
    assert blocks(shop) == ["2026-03-24 09:00–10:00", "2026-03-24 09:00–10:00", "2026-03-24 15:00–16:00"]


async def test_refused_sync_token_falls_back_to_a_full_read(shop, caldav_calendar,  # type: ignore[no-untyped-def]
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="bizcal_desktop.sync.importer")
    reader = caldav_calendar.reader()
    put(reader, "a.ics", ics(event("a", datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN), datetime(2026, 3, 24, 10, 0, tzinfo=BERLIN))))
    await import_once(shop)
    reader.delete("a.ics")
    put(reader, "b.ics", ics(event("b", datetime(2026, 3, 24, 12, 0, tzinfo=BERLIN), datetime(2026, 3, 24, 13, 0, tzinfo=BERLIN))))

    # A token of the right shape the server never issued (as after a server reset or a restore).
    stored = json.loads(cursor(shop) or "{}")
    stored["token"] = "http://radicale.org/ns/sync/" + "0" * 64
    set_cursor(shop, json.dumps(stored))
    fallback = await import_once(shop)
    assert fallback.full
    assert any("sync token" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)
    assert blocks(shop) == ["2026-03-24 12:00–13:00"]
    assert json.loads(cursor(shop) or "{}")["token"] != stored["token"]
    assert not (await import_once(shop)).full  # incremental again from the fresh token

    # A cursor that is not ours at all (older format, hand-edited database): a plain full read.
    set_cursor(shop, "not json")
    assert (await import_once(shop)).full
    assert blocks(shop) == ["2026-03-24 12:00–13:00"]
    assert slots(shop, date(2026, 3, 24)) == without("12:00")
