"""Resync compares with the calendar itself, driven on the in-memory provider (issue 14, item 2).

The mappings only say what we wrote; these tests change the calendar behind the app's back (an
event deleted or edited by hand, the whole calendar deleted, or deleted and made again) and check
that resync restores exactly what is missing, rewrites what was edited, never duplicates, and takes
a gone calendar's connection out of use so its bookings move to the staff member's other calendar.
The engine, store and services are the real ones; only the provider factory hands out memory calendars.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bizcal_desktop.errors import TransientError
from bizcal_desktop.store.models import CalendarSyncLog
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.sync.recovery import RecoveryService
from bizcal_desktop.wiring import Services
from tests.support.connections import seed_connection
from tests.sync.test_engine_memory import MemoryCalendars, mappings, status, upserts_of

FROM = date(2026, 12, 1)


class Shop:
    """Mark, his calendars (memory, per connection) and the real engine and recovery on top."""

    def __init__(self, services: Services) -> None:
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.directory.add_service("Massage", 60)
        services.settings.update(event_privacy="full")  # events name their customer: tests tell them apart
        self.services = services
        self.calendars = MemoryCalendars()
        self.engine = SyncEngine(services.db, self.calendars, BackoffPolicy(base=0.001, cap=0.01, max_attempts=3))  # type: ignore[arg-type]
        self.recovery = RecoveryService(services.db, self.calendars)  # type: ignore[arg-type]
        self.first = self.connect("Work")

    def connect(self, name: str) -> int:
        return seed_connection(self.services, staff="Mark", provider="caldav", display_name=name, secret="unused",
                               calendar_id=name, calendar_href=name, calendar_name=name).id

    def book(self, customer: str, start: str):  # type: ignore[no-untyped-def]
        return self.services.bookings.add("Mark", "Massage", customer, start)

    def last_log(self) -> CalendarSyncLog:
        with self.services.db.session() as s:
            row = s.scalars(select(CalendarSyncLog).order_by(CalendarSyncLog.id.desc())).first()
            assert row is not None
            s.expunge(row)
            return row


@pytest.fixture
def shop(services: Services) -> Shop:
    return Shop(services)


async def synced_bookings(shop: Shop, count: int = 3):  # type: ignore[no-untyped-def]
    bookings = [shop.book(f"C{i}", f"2026-12-0{i + 1}T10:00") for i in range(count)]
    report = await shop.engine.drain()
    assert report.synced == count
    return bookings


async def test_an_event_deleted_by_hand_is_restored_and_nothing_else_is_written(shop: Shop) -> None:
    calendar = shop.calendars[shop.first]
    kept, lost, other = await synced_bookings(shop)
    calendar.remove_event(lost.public_id)
    calls_before = len(calendar.calls)

    queued = await shop.recovery.resync(FROM)

    assert queued == [lost.id]
    assert [c.operation for c in calendar.calls[calls_before:]] == ["list_own_events"]  # one listing
    assert "1 event missing in 'Work' restored" in shop.last_log().message
    report = await shop.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    restored = calendar.event_of(lost.public_id)
    assert restored is not None and restored.summary == "Massage – C1"
    assert len(calendar.own_events()) == 3  # no duplicate, nothing lost
    assert [upserts_of(calendar, b.public_id) for b in (kept, lost, other)] == [1, 2, 1]
    [mapping] = mappings(shop, lost.id)  # type: ignore[arg-type]
    assert (mapping.state, mapping.etag) == ("synced", restored.etag)
    assert await shop.recovery.resync(FROM) == []  # the calendar matches again


async def test_an_event_edited_by_hand_is_rewritten(shop: Shop) -> None:
    calendar = shop.calendars[shop.first]
    edited, untouched = await synced_bookings(shop, 2)
    calendar.edit_event(edited.public_id, summary="Renamed in the calendar app")

    queued = await shop.recovery.resync(FROM)

    assert queued == [edited.id]
    assert "1 event changed in 'Work' rewritten" in shop.last_log().message
    await shop.engine.drain()
    event = calendar.event_of(edited.public_id)
    assert event is not None and event.summary == "Massage – C0"
    assert calendar.reconciled == 1  # the stale ETag was re-read, then our booking written over it
    assert upserts_of(calendar, untouched.public_id) == 1
    assert await shop.recovery.resync(FROM) == []


async def test_a_calendar_deleted_and_made_again_gets_every_event_back_once(shop: Shop) -> None:
    calendar = shop.calendars[shop.first]
    bookings = await synced_bookings(shop)
    before = shop.book("Before", "2026-11-20T10:00")  # before --from: not resync's business
    await shop.engine.drain()
    calendar.delete_calendar()
    calendar.recreate_calendar()

    queued = await shop.recovery.resync(FROM)

    assert sorted(queued) == sorted(b.id for b in bookings)
    assert "3 events missing in 'Work' restored" in shop.last_log().message
    report = await shop.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    assert sorted(e.key.split("@")[0] for e in calendar.own_events()) == sorted(b.public_id for b in bookings)
    assert calendar.event_of(before.public_id) is None
    assert status(shop, shop.first) == "active"  # type: ignore[arg-type]


async def test_a_deleted_calendar_needs_attention_and_resync_moves_its_bookings(shop: Shop) -> None:
    first = shop.calendars[shop.first]
    bookings = await synced_bookings(shop, 2)
    second_id = shop.connect("Home")
    second = shop.calendars[second_id]
    first.delete_calendar()
    writes_before = sum(1 for c in first.calls if c.operation == "upsert")

    queued = await shop.recovery.resync(FROM)

    assert sorted(queued) == sorted(b.id for b in bookings)
    assert status(shop, shop.first) == "calendar_missing"  # type: ignore[arg-type]
    problem = shop.services.connections.get(shop.first).last_error or ""
    assert "no longer exists" in problem and "choose an existing calendar" in problem
    row = shop.last_log()
    assert row.outcome == "failure" and "the calendar 'Work' is gone" in row.message
    report = await shop.engine.drain()
    assert (report.synced, report.failed) == (2, 0)
    assert sorted(e.key.split("@")[0] for e in second.own_events()) == sorted(b.public_id for b in bookings)
    for booking in bookings:
        old, new = mappings(shop, booking.id)  # type: ignore[arg-type]
        assert (old.connection_id, old.state) == (shop.first, "superseded")
        assert (new.connection_id, new.state) == (second_id, "synced")
    assert sum(1 for c in first.calls if c.operation == "upsert") == writes_before  # nothing sent to the gone one


async def test_a_write_to_a_deleted_calendar_marks_the_connection_and_the_retry_fails_over(shop: Shop) -> None:
    first = shop.calendars[shop.first]
    [booking] = await synced_bookings(shop, 1)
    second = shop.calendars[shop.connect("Home")]
    first.delete_calendar()

    shop.services.bookings.move(booking.id, "2026-12-01T15:00")
    report = await shop.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert upserts_of(first, booking.public_id) == 2  # the create, then one refused update: no retries
    assert status(shop, shop.first) == "calendar_missing"  # type: ignore[arg-type]
    shop.recovery.retry_failed()
    report = await shop.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    assert second.event_of(booking.public_id) is not None


async def test_a_calendar_that_cannot_be_read_leaves_resync_to_the_local_records(shop: Shop) -> None:
    calendar = shop.calendars[shop.first]
    lost, = await synced_bookings(shop, 1)
    calendar.remove_event(lost.public_id)
    calendar.fail_next("list_own_events", TransientError("The server did not answer in time."))

    assert await shop.recovery.resync(FROM) == []  # nothing known to be wrong, nothing queued

    row = shop.last_log()
    assert row.outcome == "failure" and "'Work' could not be read" in row.message
    assert status(shop, shop.first) == "active"  # type: ignore[arg-type]
    assert await shop.recovery.resync(FROM) == [lost.id]  # next time it can be read
