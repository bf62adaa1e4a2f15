"""Pause per connection (issue 15 item 6), on the in-memory provider: bookings wait, then drain on resume.

A pause is the user's choice: a paused connection's bookings neither fail nor move to the staff
member's other connection; their jobs stay pending (the status counts them as waiting) and are not
claimed again until Resume. Its busy times are kept but not read again; the token guardian still
renews its access (harmless, and it keeps a grant alive that would otherwise expire unused).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import BusyBlock, OutboxJob
from bizcal_desktop.store.pauses import HELD_UNTIL
from bizcal_desktop.sync.engine import SyncEngine
from tests.sync.test_engine_memory import (
    MAX_ATTEMPTS,
    MemoryCalendars,
    RecordingBackoff,
    World,
    job_states,
    log,
    mappings,
    upserts_of,
)


@pytest.fixture
def world(services) -> World:  # type: ignore[no-untyped-def]
    """Mark, a service, and his first connection ("Calendar A", his default), on memory calendars."""
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    calendars = MemoryCalendars()
    backoff = RecordingBackoff(base=0.001, cap=0.01, max_attempts=MAX_ATTEMPTS)
    built = World(services, calendars, SyncEngine(services.db, calendars, backoff), backoff)  # type: ignore[arg-type]
    built.first = built.connect("Calendar A")
    return built


def not_before(world: World, booking_id: int) -> list[datetime | None]:
    with world.services.db.session() as s:
        return list(s.scalars(select(OutboxJob.not_before).where(OutboxJob.booking_id == booking_id)
                              .order_by(OutboxJob.id)))


async def test_a_paused_connection_holds_its_bookings_without_failing_or_moving_them(world: World) -> None:
    first, second = world.calendars[world.first], world.calendars[world.connect("Calendar B")]
    synced = world.book("Synced")
    await world.engine.drain()
    assert first.event_of(synced.public_id) is not None

    view = world.services.connections.set_paused(world.first, True)
    assert view.paused and view.status == "active" and view.is_default
    new = world.book("New", "2026-12-02T10:00")
    world.services.bookings.move(synced.id, "2026-12-01T15:00")
    report = await world.engine.drain()

    assert (report.synced, report.failed, report.held) == (0, 0, 2)
    assert first.calls == [c for c in first.calls if c.operation == "upsert"][:1]  # only the first create
    assert second.events() == []  # nothing failed over to the other connection
    assert job_states(world, new.id) == ["pending"] and not_before(world, new.id) == [HELD_UNTIL]
    assert mappings(world, new.id) == []
    assert log(world, new.id)[-1][1:] == (
        "skipped", f"Booking {new.id} waits: Calendar A is paused; it is written when resumed")
    summary = world.services.connections.get(world.first)
    assert summary.status == "active" and summary.last_error is None  # a pause is no problem to report

    again = await world.engine.drain()  # held jobs are not claimed again: no churn while paused
    assert (again.bookings, again.held) == (0, 0)

    world.services.connections.set_paused(world.first, False)
    report = await world.engine.drain()
    assert (report.synced, report.failed, report.held) == (2, 0, 0)
    assert first.event_of(new.public_id) is not None
    moved = first.event_of(synced.public_id)
    assert moved is not None and moved.start == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert second.events() == []
    assert job_states(world, new.id) == ["done"]


async def test_a_cancel_waits_for_a_paused_connection_too(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    await world.engine.drain()
    world.services.connections.set_paused(world.first, True)
    world.services.bookings.cancel(booking.id)

    assert (await world.engine.drain()).held == 1
    assert calendar.event_of(booking.public_id) is not None

    world.services.connections.set_paused(world.first, False)
    assert (await world.engine.drain()).synced == 1
    assert calendar.event_of(booking.public_id) is None


async def test_a_paused_connection_that_is_not_the_default_does_not_hold_new_bookings(world: World) -> None:
    other = world.connect("Calendar B")
    world.services.connections.set_paused(other, True)
    booking = world.book("Emma")
    report = await world.engine.drain()
    assert (report.synced, report.held) == (1, 0)
    assert world.calendars[world.first].event_of(booking.public_id) is not None
    assert upserts_of(world.calendars[other], booking.public_id) == 0


async def test_disconnecting_a_paused_connection_lets_its_bookings_move_on(world: World) -> None:
    second = world.connect("Calendar B")
    world.services.connections.set_paused(world.first, True)
    booking = world.book("Emma")
    assert (await world.engine.drain()).held == 1

    world.services.connections.disconnect(world.first)
    report = await world.engine.drain()
    assert report.synced == 1
    assert world.calendars[second].event_of(booking.public_id) is not None


async def test_the_importer_keeps_but_does_not_read_a_paused_connections_busy_times(world: World) -> None:
    calendar = world.calendars[world.first]
    calendar.add_busy(datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC), key="dentist")
    importer = world.services.importer
    importer._factory = world.calendars  # the importer reads the same memory calendars
    await importer.import_all(now=datetime(2026, 11, 30, 12, tzinfo=UTC))
    assert busy_keys(world) == ["dentist"]

    world.services.connections.set_paused(world.first, True)
    calendar.remove_event("dentist")
    report = await importer.import_all(now=datetime(2026, 11, 30, 12, 30, tzinfo=UTC))
    assert report.connections == []  # not read
    assert busy_keys(world) == ["dentist"]  # kept, and still counted

    world.services.connections.set_paused(world.first, False)
    await importer.import_all(now=datetime(2026, 11, 30, 13, tzinfo=UTC))
    assert busy_keys(world) == []


def busy_keys(world: World) -> list[str]:
    with world.services.db.session() as s:
        return list(s.scalars(select(BusyBlock.source_key)))
