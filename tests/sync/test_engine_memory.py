"""Every branch of the sync engine, driven on the in-memory provider.

The engine, the store and the services are the real ones; only the provider factory is swapped for
one that hands out :class:`MemoryProvider` calendars (one per connection, kept across drains), whose
injected failures reach each ``except`` of ``SyncEngine._execute``: transient (with and without a
server's Retry-After), conflict, permanent, refused credential, unexpected bug, a lost answer, and
the failover when a connection stops working. Backoff is a few milliseconds, so this file runs in
about a second; nothing here waits on a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bizcal_desktop.errors import AuthError, ConflictError, PermanentError, TransientError
from bizcal_desktop.providers.base import ConnectionInfo, booking_uid
from bizcal_desktop.providers.memory import MemoryProvider
from bizcal_desktop.store.models import CalendarEventMapping, CalendarSyncLog, OutboxJob
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.wiring import Services
from tests.support.connections import seed_connection

MAX_ATTEMPTS = 3


class MemoryCalendars:
    """The provider factory the engine is given: one in-memory calendar per connection id.

    The same calendar is handed out on every drain (the engine closes its providers after each
    drain; closing a memory provider keeps its events), so a test can look at it in between.
    """

    def __init__(self) -> None:
        self._calendars: dict[int, MemoryProvider] = {}

    def build(self, info: ConnectionInfo) -> MemoryProvider:
        return self[info.id]

    def __getitem__(self, connection_id: int) -> MemoryProvider:
        return self._calendars.setdefault(connection_id, MemoryProvider(calendar_id=f"memory-{connection_id}"))


@dataclass(frozen=True)
class RecordingBackoff(BackoffPolicy):
    """The real policy, remembering each (attempt, Retry-After) it was asked to wait for.

    A wait is never longer than ``cap``, so a policy bug shows as a failed assertion on ``waits``,
    not as a test that sleeps for the hour a server asked for.
    """

    waits: list[tuple[int, float | None]] = field(default_factory=list)

    def delay(self, attempt: int, retry_after: float | None = None, rng: object = None) -> float:
        self.waits.append((attempt, retry_after))
        return min(super().delay(attempt, retry_after), self.cap)


@dataclass
class World:
    services: Services
    calendars: MemoryCalendars
    engine: SyncEngine
    backoff: RecordingBackoff
    first: int = 0  #: Mark's default connection

    def connect(self, name: str) -> int:
        """Save a working connection for Mark (the first one is his default).

        The row says "caldav" because the store knows only real providers; the factory here hands
        out a memory calendar for any connection, so no server or password is ever involved.
        """
        return seed_connection(self.services, staff="Mark", provider="caldav", display_name=name,
                               secret="unused", calendar_id=name, calendar_href=name, calendar_name=name).id

    def book(self, customer: str, start: str = "2026-12-01T10:00"):  # type: ignore[no-untyped-def]
        return self.services.bookings.add("Mark", "Massage", customer, start)


@pytest.fixture
def world(services) -> World:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.settings.update(event_privacy="full")  # events name their customer: tests tell them apart
    calendars = MemoryCalendars()
    backoff = RecordingBackoff(base=0.001, cap=0.01, max_attempts=MAX_ATTEMPTS)
    engine = SyncEngine(services.db, calendars, backoff)  # type: ignore[arg-type]
    built = World(services, calendars, engine, backoff)
    built.first = built.connect("Calendar A")
    return built


@dataclass(frozen=True)
class MappingRow:
    connection_id: int
    state: str
    external_id: str | None
    etag: str | None
    attempts: int
    last_error: str | None
    deleted: bool


def mappings(world: World, booking_id: int) -> list[MappingRow]:
    with world.services.db.session() as s:
        rows = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id)
                         .order_by(CalendarEventMapping.id))
        return [MappingRow(m.connection_id, m.state, m.external_id, m.etag, m.attempts, m.last_error, m.deleted)
                for m in rows]


def log(world: World, booking_id: int) -> list[tuple[str, str, str]]:
    with world.services.db.session() as s:
        rows = s.scalars(select(CalendarSyncLog).where(CalendarSyncLog.booking_id == booking_id)
                         .order_by(CalendarSyncLog.id))
        return [(r.action, r.outcome, r.message) for r in rows]


def job_states(world: World, booking_id: int) -> list[str]:
    with world.services.db.session() as s:
        return list(s.scalars(select(OutboxJob.status).where(OutboxJob.booking_id == booking_id)
                              .order_by(OutboxJob.id)))


def upserts_of(calendar: MemoryProvider, public_id: str) -> int:
    return sum(1 for c in calendar.calls if c.operation == "upsert" and c.booking_public_id == public_id)


def status(world: World, connection_id: int) -> str:
    return str(world.services.connections.get(connection_id).status)


# ------------------------------------------------------------------------------------------ success


async def test_a_booking_reaches_its_calendar_and_follows_every_change(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")

    report = await world.engine.drain()
    assert (report.bookings, report.synced, report.failed) == (1, 1, 0)
    event = calendar.event_of(booking.public_id)
    assert event is not None and event.summary == "Massage – Emma"
    assert (event.start, event.end) == (datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 10, tzinfo=UTC))
    [mapping] = mappings(world, booking.id)
    assert (mapping.state, mapping.external_id, mapping.etag) == ("synced", booking_uid(booking.public_id), event.etag)

    world.services.bookings.move(booking.id, "2026-12-01T14:00")
    await world.engine.drain()
    moved = calendar.event_of(booking.public_id)
    assert moved is not None and moved.start == datetime(2026, 12, 1, 13, tzinfo=UTC)
    assert mappings(world, booking.id)[0].etag == moved.etag != event.etag

    world.services.bookings.cancel(booking.id)
    await world.engine.drain()
    assert calendar.events() == []
    [mapping] = mappings(world, booking.id)
    assert mapping.deleted and mapping.state == "synced"
    assert [(a, o) for a, o, _ in log(world, booking.id)] == [
        ("create", "success"), ("update", "success"), ("delete", "success")]
    assert set(job_states(world, booking.id)) == {"done"}


# ------------------------------------------------------------------------------------------ transient


async def test_transient_failures_are_retried_with_backoff_then_synced(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    calendar.fail_next("upsert", TransientError("The server is busy.", retry_after=0.002), times=2)

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert upserts_of(calendar, booking.public_id) == 3
    assert world.backoff.waits == [(1, 0.002), (2, 0.002)]  # the server's Retry-After reached the backoff
    [mapping] = mappings(world, booking.id)
    assert (mapping.state, mapping.attempts, mapping.last_error) == ("synced", 3, None)
    assert [(a, o) for a, o, _ in log(world, booking.id)] == [("create", "success")]
    assert len(calendar.events()) == 1


async def test_a_server_asking_for_a_longer_pause_than_the_cap_defers_until_then_and_retry_recovers(
    world: World,
) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    calendar.fail_next("upsert", TransientError("Slow down.", retry_after=3600))

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert upserts_of(calendar, booking.public_id) == 1 and world.backoff.waits == []  # no worker held for an hour
    [mapping] = mappings(world, booking.id)
    assert mapping.state == "failed" and "tried 1 time; will be tried again in 60 min" in (mapping.last_error or "")
    assert job_states(world, booking.id) == ["pending"]  # deferred until the server's hour is up
    assert status(world, world.first) == "active"

    assert world.services.recovery.retry_failed() == [booking.id]
    await world.engine.drain()
    assert mappings(world, booking.id)[0].state == "synced" and len(calendar.events()) == 1


async def test_retries_exhausted_fail_the_mapping_and_log_it(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    calendar.fail_always("upsert", TransientError("Could not reach the calendar server."))

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert upserts_of(calendar, booking.public_id) == MAX_ATTEMPTS
    [mapping] = mappings(world, booking.id)
    assert (mapping.state, mapping.attempts) == ("failed", MAX_ATTEMPTS)
    assert re.fullmatch(rf"Could not reach the calendar server\. \(tried {MAX_ATTEMPTS} times; will be tried again "
                        r"in 2 min, at \d\d:\d\d\)", mapping.last_error or "")
    [(action, outcome, message)] = log(world, booking.id)
    assert (action, outcome) == ("create", "failure") and "Could not reach the calendar server" in message
    assert job_states(world, booking.id) == ["pending"]  # deferred, not failed: see test_retry_later.py
    assert status(world, world.first) == "active"  # the network failed, not the credential
    assert world.services.connections.get(world.first).last_error
    assert calendar.events() == []

    calendar.clear_failures()
    world.services.recovery.retry_failed()
    await world.engine.drain()
    assert mappings(world, booking.id)[0].state == "synced" and len(calendar.events()) == 1
    assert job_states(world, booking.id) == ["done", "done"]  # the successful retry closed the failed job


async def test_a_lost_answer_is_retried_and_the_event_adopted_not_duplicated(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    calendar.lose_response_of_next_write()  # the event is written, the engine hears a timeout

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert upserts_of(calendar, booking.public_id) == 2
    [event] = calendar.events()
    [mapping] = mappings(world, booking.id)
    assert (mapping.state, mapping.attempts, mapping.etag) == ("synced", 2, event.etag)


# ------------------------------------------------------------------------------------------ conflicts


async def test_an_event_edited_in_the_calendar_is_reconciled_on_the_next_update(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    await world.engine.drain()
    stale = mappings(world, booking.id)[0].etag
    calendar.edit_event(booking_uid(booking.public_id), summary="Renamed by the assistant")  # new ETag

    world.services.bookings.move(booking.id, "2026-12-01T15:00")
    report = await world.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert calendar.reconciled == 1  # the stale ETag lost, the provider re-read and wrote again
    event = calendar.event_of(booking.public_id)
    assert event is not None and event.summary == "Massage – Emma" and event.start.hour == 14
    [mapping] = mappings(world, booking.id)
    assert mapping.state == "synced" and mapping.etag == event.etag != stale


async def test_a_conflict_the_provider_could_not_settle_is_retried(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")
    calendar.fail_next("upsert", ConflictError("The event kept changing while it was being saved."))

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert upserts_of(calendar, booking.public_id) == 2 and world.backoff.waits == [(1, None)]
    assert mappings(world, booking.id)[0].state == "synced" and len(calendar.events()) == 1


@dataclass(frozen=True)
class MovingBackoff(RecordingBackoff):
    """Moves the booking during the pause after a conflict, as a person in the app might."""

    move: list = field(default_factory=list)  # type: ignore[type-arg]

    def delay(self, attempt: int, retry_after: float | None = None, rng: object = None) -> float:
        while self.move:
            self.move.pop()()
        return super().delay(attempt, retry_after, rng)


async def test_a_conflict_replans_from_the_booking_as_it_is_now(world: World) -> None:
    calendar = world.calendars[world.first]
    booking = world.book("Emma")  # 10:00 Berlin, version 1
    calendar.fail_next("upsert", ConflictError("The event changed while it was being saved."))
    written: list[int] = []
    upsert = calendar.upsert_event

    async def recording_upsert(spec, known):  # type: ignore[no-untyped-def]
        written.append(spec.sequence)
        return await upsert(spec, known)

    calendar.upsert_event = recording_upsert  # type: ignore[method-assign]
    backoff = MovingBackoff(base=0.001, cap=0.01, max_attempts=MAX_ATTEMPTS)
    backoff.move.append(lambda: world.services.bookings.move(booking.id, "2026-12-01T15:00"))
    engine = SyncEngine(world.services.db, world.calendars, backoff)  # type: ignore[arg-type]

    await engine.drain()

    assert written[:2] == [1, 2], "after the conflict the engine must write the booking as it is now"
    event = calendar.event_of(booking.public_id)
    assert event is not None and event.start.hour == 14  # 15:00 Berlin
    assert mappings(world, booking.id)[0].state == "synced"


# ------------------------------------------------------------------------------------------ permanent


async def test_a_permanent_failure_fails_only_its_own_booking(world: World) -> None:
    calendar = world.calendars[world.first]
    doomed = world.book("Doomed", "2026-12-01T09:00")
    others = [world.book(f"Customer {i}", f"2026-12-0{i + 2}T09:00") for i in range(3)]
    calendar.fail_always("upsert", PermanentError("The server refused the event data."),
                         booking_public_id=doomed.public_id)

    report = await world.engine.drain()

    assert (report.bookings, report.synced, report.failed) == (4, 3, 1)
    assert upserts_of(calendar, doomed.public_id) == 1  # never retried
    [mapping] = mappings(world, doomed.id)
    assert (mapping.state, mapping.attempts, mapping.last_error) == (
        "failed", 1, "The server refused the event data.")
    assert [(a, o) for a, o, _ in log(world, doomed.id)] == [("create", "failure")]
    assert job_states(world, doomed.id) == ["failed"]
    assert {e.key for e in calendar.events()} == {booking_uid(b.public_id) for b in others}
    assert all(mappings(world, b.id)[0].state == "synced" for b in others)
    assert status(world, world.first) == "active"


async def test_an_unexpected_error_fails_only_its_own_booking(world: World) -> None:
    calendar = world.calendars[world.first]
    doomed, fine = world.book("Doomed"), world.book("Fine", "2026-12-02T10:00")
    calendar.fail_next("upsert", RuntimeError("a bug"), booking_public_id=doomed.public_id)

    report = await world.engine.drain()

    assert (report.synced, report.failed) == (1, 1)
    error = mappings(world, doomed.id)[0].last_error or ""
    assert "internal error (RuntimeError)" in error and "a bug" not in error  # the text may quote a name
    assert mappings(world, fine.id)[0].state == "synced"


async def test_cancel_deletes_an_event_already_gone_and_retries_a_transient_delete(world: World) -> None:
    calendar = world.calendars[world.first]
    gone, kept = world.book("Gone"), world.book("Kept", "2026-12-02T10:00")
    await world.engine.drain()
    calendar.remove_event(booking_uid(gone.public_id))  # deleted in the calendar app
    calendar.fail_next("delete", TransientError("Timeout."), booking_public_id=kept.public_id)

    world.services.bookings.cancel(gone.id)
    world.services.bookings.cancel(kept.id)
    report = await world.engine.drain()

    assert (report.synced, report.failed) == (2, 0)
    assert calendar.events() == []
    assert [(m.state, m.deleted) for b in (gone, kept) for m in mappings(world, b.id)] == [
        ("synced", True), ("synced", True)]
    assert mappings(world, kept.id)[0].attempts == 1 + 2  # the create, then the delete's two attempts


# ------------------------------------------------------------------------------------------ credentials


async def test_a_refused_credential_marks_the_connection_and_the_booking_fails_over(world: World) -> None:
    first, second = world.calendars[world.first], world.calendars[world.connect("Calendar B")]
    booking = world.book("Emma")
    await world.engine.drain()
    assert first.event_of(booking.public_id) is not None
    first.fail_always("upsert", AuthError("The calendar refused the password; connect it again."))

    world.services.bookings.move(booking.id, "2026-12-01T16:00")
    report = await world.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert status(world, world.first) == "needs_reconnect"
    assert upserts_of(first, booking.public_id) == 2  # the create, then one refused update: no retries
    [mapping] = mappings(world, booking.id)
    assert mapping.state == "failed" and "connect it again" in (mapping.last_error or "")

    # Retrying moves the booking's event to the staff member's next usable connection.
    world.services.recovery.retry_failed()
    report = await world.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    old, new = mappings(world, booking.id)
    assert (old.connection_id, old.state) == (world.first, "superseded")
    moved = second.event_of(booking.public_id)
    assert moved is not None and moved.start == datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert (new.state, new.etag) == ("synced", moved.etag)

    later = world.book("Noah", "2026-12-03T10:00")  # new bookings go straight to the working one
    await world.engine.drain()
    assert [m.connection_id for m in mappings(world, later.id)] == [new.connection_id]
    assert upserts_of(first, later.public_id) == 0


async def test_with_no_usable_connection_left_bookings_wait_with_a_reason(world: World) -> None:
    calendar = world.calendars[world.first]
    synced = world.book("Synced")
    await world.engine.drain()
    calendar.fail_always("upsert", AuthError("The token was revoked; reconnect."))
    doomed = world.book("Doomed", "2026-12-02T10:00")
    await world.engine.drain()
    assert status(world, world.first) == "needs_reconnect"

    waiting = world.book("Waiting", "2026-12-03T10:00")
    world.services.bookings.cancel(synced.id)
    world.services.recovery.retry_failed()
    report = await world.engine.drain()

    assert (report.bookings, report.skipped, report.synced, report.failed) == (3, 3, 0, 0)
    assert mappings(world, waiting.id) == []  # no connection to map it to
    assert "has no active calendar connection" in log(world, waiting.id)[-1][2]
    assert log(world, waiting.id)[-1][1] == "skipped"
    assert "needs attention" in log(world, synced.id)[-1][2]
    assert "has no active calendar connection" in log(world, doomed.id)[-1][2]
    assert mappings(world, doomed.id)[0].state == "failed"  # kept for the user to see, nothing superseded it
    assert calendar.event_of(synced.public_id) is not None  # unreachable until reconnected
    assert not any(c.operation == "delete" for c in calendar.calls)
