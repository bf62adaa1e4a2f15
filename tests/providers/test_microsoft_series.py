"""Recurring Outlook series in the busy import (#14 item 4, "Graph's sparse occurrences").

``calendarView/delta`` gives the plain occurrences of a series with only id, seriesMasterId, type,
start and end (microsoftgraph/microsoft-graph-docs #1716, #22197), so the provider must read the
series master to know whether they block time. First the fake is held to that contract, then the
provider is run against it: free, busy, tentative, declined and all-day series, an exception inside
a free series, a master that is gone, and how often masters are read (``events.get`` in the fake's
request counts) across full and incremental imports.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from bizcal_desktop.config import MicrosoftEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import BusyInterval, EventSpec, booking_uid
from bizcal_desktop.providers.cursor import WindowCursor
from bizcal_desktop.providers.microsoft import MicrosoftProvider
from bizcal_desktop.providers.microsoft.events import MARKER_PROPERTY_ID
from bizcal_desktop.providers.microsoft.series import SeriesCache, SeriesFacts
from tests.fakes.microsoft import MicrosoftFake

ZONE = "Europe/Berlin"
WINDOW = TimeRange(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 30, tzinfo=UTC))
#: The Tuesdays of WINDOW (2024-03-05 is a Tuesday; 2024-04-30 starts after the window's end).
TUESDAYS = [date(2024, 3, 5) + timedelta(weeks=n) for n in range(8)]
SPARSE = {"@odata.type", "@odata.etag", "id", "seriesMasterId", "type", "start", "end"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekly(subject: str, **extra: Any) -> dict[str, Any]:
    """Every Tuesday 12:00-13:00 Berlin time from 2024-03-05, no end."""
    return {"subject": subject, "start": {"dateTime": "2024-03-05T12:00:00", "timeZone": ZONE},
            "end": {"dateTime": "2024-03-05T13:00:00", "timeZone": ZONE},
            "recurrence": {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                                       "firstDayOfWeek": "monday"},
                           "range": {"type": "noEnd", "startDate": "2024-03-05", "recurrenceTimeZone": ZONE}},
            **extra}


def yearly_all_day(subject: str, first: date, **extra: Any) -> dict[str, Any]:
    """An all-day event every year on ``first``'s day, as Outlook keeps birthdays."""
    return {"subject": subject, "isAllDay": True,
            "start": {"dateTime": f"{first.isoformat()}T00:00:00", "timeZone": ZONE},
            "end": {"dateTime": f"{(first + timedelta(days=1)).isoformat()}T00:00:00", "timeZone": ZONE},
            "recurrence": {"pattern": {"type": "absoluteYearly", "interval": 1, "month": first.month,
                                       "dayOfMonth": first.day},
                           "range": {"type": "noEnd", "startDate": first.isoformat()}},
            **extra}


def lunch_block(day: date) -> BusyInterval:
    """12:00-13:00 Berlin on ``day`` in UTC (CET before 2024-03-31, CEST after)."""
    offset = 1 if day < date(2024, 3, 31) else 2
    start = datetime(day.year, day.month, day.day, 12 - offset, tzinfo=UTC)
    return BusyInterval(start, start + timedelta(hours=1))


def blocks(upserts: dict[str, list[BusyInterval]]) -> list[BusyInterval]:
    return sorted((i for intervals in upserts.values() for i in intervals), key=lambda i: i.start)


@pytest.fixture
async def provider(ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints,
                   ms_cache_json: str) -> AsyncIterator[MicrosoftProvider]:
    async with MicrosoftProvider(ms_cache_json, ms_fake.primary.id, ms_endpoints, ZONE, timeout=5.0) as built:
        yield built


# ------------------------------------------------------------------------------------------ the fake


async def test_the_fake_gives_sparse_occurrences_in_a_delta_and_serves_the_master(ms_fake: MicrosoftFake) -> None:
    cal = ms_fake.primary
    master = cal.add_event(weekly("Lunch", showAs="free"))
    token = str(ms_fake.identity.mint(ms_fake.base_url, ["Calendars.ReadWrite"])["access_token"])
    window = {"startDateTime": "2024-03-01T00:00:00Z", "endDateTime": "2024-04-30T00:00:00Z"}
    verify = ssl.create_default_context(cafile=ms_fake.tls.cert)
    async with httpx.AsyncClient(base_url=f"{ms_fake.base_url}/v1.0", verify=verify, headers={
            "Authorization": f"Bearer {token}", "Prefer": "odata.maxpagesize=50"}) as c:
        view = (await c.get(f"me/calendars/{cal.id}/calendarView", params={**window, "$top": "50"})).json()
        delta = (await c.get(f"me/calendars/{cal.id}/calendarView/delta", params=window)).json()
        got = (await c.get(f"me/events/{master['id']}", params={"$select": "showAs,isAllDay"})).json()
        one = (await c.get(f"me/events/{delta['value'][0]['id']}")).json()
    assert [o["type"] for o in view["value"]] == ["occurrence"] * 8  # the view lists no master
    assert {o["showAs"] for o in view["value"]} == {"free"} and view["value"][0]["subject"] == "Lunch"
    assert len(delta["value"]) == 8 and all(set(o) == SPARSE for o in delta["value"])
    assert {o["seriesMasterId"] for o in delta["value"]} == {master["id"]}
    assert delta["value"][0]["start"] == {"dateTime": "2024-03-05T11:00:00.0000000", "timeZone": "UTC"}
    assert set(got) == {"id", "@odata.etag", "showAs", "isAllDay"} and got["showAs"] == "free"
    assert got["@odata.etag"] == delta["value"][0]["@odata.etag"]  # an occurrence is a view of its master
    assert one["type"] == "occurrence" and one["showAs"] == "free" and one["id"] != master["id"]


# ------------------------------------------------------------------------------------------ the provider


async def test_a_free_weekly_lunch_blocks_nothing_and_our_own_events_stay_ours(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    ms_fake.primary.add_event(weekly("Lunch", showAs="free"))
    start = utc(2024, 3, 14, 9)
    booking = EventSpec(uuid.uuid4().hex, "Massage – Emma", "Booked in BizCal", start,
                        start + timedelta(hours=1), ZONE)
    ref = await provider.upsert_event(booking, None)

    changes = await provider.fetch_busy(WINDOW, None)
    assert changes.full and changes.upserts == {}
    assert changes.own_events == {ref.external_id: booking_uid(booking.booking_public_id)}
    assert changes.own_times == {ref.external_id: (booking.start, booking.end)}
    assert ms_fake.counts["events.get"] == 1  # one master read for eight occurrences
    master_get = next(q for route, q, _ in ms_fake.request_log if route == "events.get")
    assert set(master_get["$select"].split(",")) >= {"showAs", "isCancelled", "responseStatus", "isAllDay"}


async def test_busy_and_tentative_series_block_every_occurrence(provider: MicrosoftProvider,
                                                                ms_fake: MicrosoftFake) -> None:
    busy = ms_fake.primary.add_event(weekly("Team meeting"))
    tentative = ms_fake.primary.add_event({**weekly("Maybe yoga", showAs="tentative"),
                                           "start": {"dateTime": "2024-03-05T18:00:00", "timeZone": ZONE},
                                           "end": {"dateTime": "2024-03-05T19:00:00", "timeZone": ZONE}})
    changes = await provider.fetch_busy(WINDOW, None)
    assert blocks(changes.upserts)[:2] == [lunch_block(TUESDAYS[0]),
                                           BusyInterval(utc(2024, 3, 5, 17), utc(2024, 3, 5, 18))]
    busy_blocks = [i for i in blocks(changes.upserts) if i.start.hour in (10, 11)]
    assert busy_blocks == [lunch_block(day) for day in TUESDAYS]  # DST-stable wall clock
    assert len(changes.upserts) == 16 and ms_fake.counts["events.get"] == 2
    assert busy["id"] not in changes.upserts and tentative["id"] not in changes.upserts  # keys are occurrences


async def test_birthdays_and_declined_series_block_nothing_an_all_day_absence_blocks_local_days(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    cal = ms_fake.primary
    cal.add_event(yearly_all_day("Anna's birthday", date(1990, 3, 20), showAs="free"))
    cal.add_event(weekly("Steering committee", showAs="busy",
                         responseStatus={"response": "declined", "time": "2024-03-01T08:00:00Z"}))
    cal.add_event(weekly("Cancelled series", isCancelled=True))
    cal.add_event(yearly_all_day("Works outing", date(2023, 4, 12), showAs="oof"))
    changes = await provider.fetch_busy(WINDOW, None)
    [outing] = blocks(changes.upserts)
    assert outing == BusyInterval(utc(2024, 4, 11, 22), utc(2024, 4, 12, 22), all_day=True)  # a Berlin day
    assert ms_fake.counts["events.get"] == 4


async def test_a_busy_exception_inside_a_free_series_is_blocked(provider: MicrosoftProvider,
                                                                ms_fake: MicrosoftFake) -> None:
    master = ms_fake.primary.add_event(weekly("Lunch", showAs="free"))
    moved = ms_fake.primary.edit_occurrence(master["id"], TUESDAYS[2], {
        "showAs": "busy", "subject": "Lunch with a client",
        "start": {"dateTime": "2024-03-19T13:00:00", "timeZone": ZONE},
        "end": {"dateTime": "2024-03-19T14:30:00", "timeZone": ZONE}})
    changes = await provider.fetch_busy(WINDOW, None)
    assert changes.upserts == {moved["id"]: [BusyInterval(utc(2024, 3, 19, 12), utc(2024, 3, 19, 13, 30))]}


async def test_incremental_reads_follow_a_series_and_read_its_master_only_when_it_changed(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    cal = ms_fake.primary
    master = cal.add_event(weekly("Lunch", showAs="free"))
    first = await provider.fetch_busy(WINDOW, None)
    assert first.upserts == {} and ms_fake.counts["events.get"] == 1

    quiet = await provider.fetch_busy(WINDOW, first.cursor)
    assert not quiet.full and quiet.upserts == {} and ms_fake.counts["events.get"] == 1

    cal.edit_event(master["id"], {"showAs": "busy"})  # the lunch is no longer free
    busy = await provider.fetch_busy(WINDOW, quiet.cursor)
    assert not busy.full and blocks(busy.upserts) == [lunch_block(day) for day in TUESDAYS]
    assert ms_fake.counts["events.get"] == 2  # the changed series' master, once

    cal.add_event({"subject": "Dentist", "start": {"dateTime": "2024-03-20T08:00:00", "timeZone": ZONE},
                   "end": {"dateTime": "2024-03-20T09:00:00", "timeZone": ZONE}})
    other = await provider.fetch_busy(WINDOW, busy.cursor)
    assert len(other.upserts) == 1 and ms_fake.counts["events.get"] == 2  # another event: no master read

    # The next day's window is read in full, and the master it already knows is not read again.
    next_day = TimeRange(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    full = await provider.fetch_busy(next_day, other.cursor)
    assert full.full and len(full.upserts) == 10 and ms_fake.counts["events.get"] == 2  # 9 Tuesdays, the dentist

    cal.edit_event(master["id"], {"showAs": "free"})
    freed = await provider.fetch_busy(next_day, full.cursor)
    assert len(freed.upserts) == 9 and blocks(freed.upserts) == [] and ms_fake.counts["events.get"] == 3


async def test_a_series_whose_master_is_gone_is_dropped_or_removed(provider: MicrosoftProvider,
                                                                   ms_fake: MicrosoftFake) -> None:
    cal = ms_fake.primary
    master = cal.add_event(weekly("Team meeting"))
    ms_fake.inject("events.get", 404)  # deleted between the delta and the read of its master
    first = await provider.fetch_busy(WINDOW, None)
    assert first.full and first.upserts == {}

    again = await provider.fetch_busy(WINDOW, None)
    occurrences = set(again.upserts)
    assert len(occurrences) == 8
    cal.edit_event(master["id"], {"subject": "Team meeting (moved room)"})
    ms_fake.inject("events.get", 404)
    gone = await provider.fetch_busy(WINDOW, again.cursor)
    assert not gone.full and gone.upserts == {} and gone.removed == occurrences

    cal.delete_event(master["id"])  # and a series deleted in Outlook: every occurrence removed
    deleted = await provider.fetch_busy(WINDOW, gone.cursor)
    assert deleted.upserts == {} and deleted.removed == occurrences


async def test_a_series_carrying_our_marker_is_neither_busy_nor_a_booking(provider: MicrosoftProvider,
                                                                          ms_fake: MicrosoftFake) -> None:
    marker = [{"id": MARKER_PROPERTY_ID, "value": uuid.uuid4().hex}]
    ms_fake.primary.add_event(weekly("Massage – Emma", singleValueExtendedProperties=marker))
    changes = await provider.fetch_busy(WINDOW, None)
    assert (changes.upserts, changes.own_events, changes.own_times) == ({}, {}, {})


# ------------------------------------------------------------------------------------------ the cache


def test_the_series_cache_travels_in_the_cursor_and_a_foreign_version_is_ignored() -> None:
    facts = SeriesFacts(etag='W/"abc"', show_as="free", all_day=True)
    state = SeriesCache({"M1": facts}).state()
    cursor = WindowCursor.decode(WindowCursor(WINDOW, {"cal": "link"}, {"series": state}).encode())
    assert cursor is not None and SeriesCache.from_state(cursor.state["series"]).facts("M1") == facts
    plain = WindowCursor.decode(WindowCursor(WINDOW, {"cal": "link"}).encode())
    assert plain is not None and plain.state == {} and "state" not in WindowCursor(WINDOW, {"c": "t"}).encode()
    assert SeriesCache.from_state({**state, "v": 99}).facts("M1") is None
    assert SeriesCache.from_state({"v": 1, "masters": {"M1": ["too", "short"]}}).facts("M1") is None
    assert "subject" not in str(state) and "Lunch" not in str(state)
