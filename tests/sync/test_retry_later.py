"""Offline is a state, and a failure that may pass is tried again later: the engine on the memory provider.

The network status is a plain :class:`NetworkStatus` the test sets (what a monitor would report), the
engine's clock a :class:`Now` the test moves forward, and the scheduler's timers the real ones with
short periods; waits on them are guarded (``within``), never measured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bizcal_desktop.errors import PermanentError, TransientError
from bizcal_desktop.store.models import CalendarSyncLog, OutboxJob
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.connectivity import ConnectivityWatch, sync_log_note
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.sync.network import NetworkState, NetworkStatus
from bizcal_desktop.sync.scheduler import DRAIN, Scheduler, build_scheduler
from tests.sync.test_engine_memory import MAX_ATTEMPTS, World, job_states, mappings, upserts_of, world  # noqa: F401

UNREACHABLE = TransientError("Could not reach the calendar server; check your network connection.")


class Now:
    """The engine's clock: aware UTC, moved only by the test."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class FindsItOffline(NetworkStatus):
    """Online until asked again after a failure; then, like a probe that gets no answer, offline."""

    async def recheck(self) -> NetworkState:
        self.report(NetworkState.OFFLINE, "no server answered")
        return self.state


async def within(condition: Callable[[], bool] | Callable[[], Awaitable[bool]], guard: float = 30.0) -> None:
    """Wait until ``condition`` holds; ``guard`` only stops a broken test from hanging."""

    async def poll() -> None:
        while True:
            result = condition()
            if isinstance(result, Awaitable):
                result = await result
            if result:
                return
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout=guard)


def jobs(w: World, booking_id: int) -> list[OutboxJob]:
    with w.services.db.session() as s:
        rows = list(s.scalars(select(OutboxJob).where(OutboxJob.booking_id == booking_id).order_by(OutboxJob.id)))
        s.expunge_all()
        return rows


def network_log(w: World) -> list[tuple[str, str]]:
    with w.services.db.session() as s:
        query = select(CalendarSyncLog).where(CalendarSyncLog.actor == "network").order_by(CalendarSyncLog.id)
        return [(r.outcome, r.message) for r in s.scalars(query)]


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def engine(world: World, now: Now) -> SyncEngine:  # noqa: F811
    return SyncEngine(world.services.db, world.calendars, world.backoff, clock=now)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ offline


async def test_offline_spends_no_retries_and_the_jobs_wait(world: World, engine: SyncEngine) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    calendar.fail_always("upsert", UNREACHABLE)  # what the network's absence looks like to a write
    engine.network = NetworkStatus(NetworkState.OFFLINE)
    bookings = [world.book(f"Customer {i}", f"2026-12-0{i + 1}T10:00") for i in range(3)]

    report = await engine.drain()

    assert report.offline and report.pending == 3
    assert (report.bookings, report.failed) == (0, 0)
    assert calendar.calls == []  # not one attempt spent
    for booking in bookings:
        assert job_states(world, booking.id) == ["pending"]
        assert mappings(world, booking.id) == []  # nothing planned, nothing failed


async def test_a_network_error_as_the_status_turns_offline_gives_the_jobs_back(
    world: World, engine: SyncEngine,  # noqa: F811
) -> None:
    calendar = world.calendars[world.first]
    calendar.fail_always("upsert", UNREACHABLE)
    engine.network = FindsItOffline(NetworkState.ONLINE)
    booking = world.book("Emma")

    report = await engine.drain()

    assert (report.failed, report.waiting) == (0, 1)
    assert upserts_of(calendar, booking.public_id) == 1  # the first failure asked the network; no retries
    [mapping] = mappings(world, booking.id)
    assert (mapping.state, mapping.attempts) == ("pending", 0)
    assert (mapping.last_error or "").startswith("Waiting for the network (offline)")
    [job] = jobs(world, booking.id)
    assert (job.status, job.claimed_by, job.not_before) == ("pending", None, None)

    engine.network.report(NetworkState.ONLINE)
    calendar.clear_failures()
    report = await engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    assert calendar.event_of(booking.public_id) is not None and job_states(world, booking.id) == ["done"]


async def test_back_online_drains_at_once(world: World, engine: SyncEngine) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    network = NetworkStatus(NetworkState.OFFLINE)
    engine.network = network
    booking = world.book("Emma")
    drains: list[object] = []
    scheduler = build_scheduler(drain=engine.drain, import_all=_nothing, guardian=_nothing,
                                drain_interval=3600, import_interval=3600)  # only a kick drains here
    scheduler.finished_listeners.append(lambda name, result, _e: drains.append(result) if name == DRAIN else None)
    watch = ConnectivityWatch(scheduler, network, sync_log_note(world.services.db), engine.outbox_view.pending_count)
    watch.start()
    scheduler.start()
    try:
        await within(lambda: network_log(world) != [])
        assert scheduler.held and calendar.calls == [] and drains == []  # held while offline

        network.report(NetworkState.ONLINE, "reachability Online")
        await within(lambda: calendar.event_of(booking.public_id) is not None)
        await within(lambda: len(network_log(world)) == 2)
    finally:
        await watch.stop()
        await scheduler.stop()
    assert network_log(world) == [("skipped", "offline: 1 change waiting"),
                                  ("success", "back online: draining 1 change")]
    assert job_states(world, booking.id) == ["done"]


async def _nothing() -> None:
    return None


# ------------------------------------------------------------------------------------------ later


def test_the_later_schedule_grows_from_minutes_to_a_cap_of_hours() -> None:
    policy = BackoffPolicy()
    longest = [policy.later(n, rng=_Top()) / 60 for n in range(1, 10)]
    assert longest == [2, 4, 8, 16, 32, 64, 120, 120, 120]
    assert policy.later(1, rng=_Bottom()) == pytest.approx(96)  # at most a fifth earlier
    assert policy.later(1, retry_after=3600, rng=_Top()) == 3600  # never before the server asks


class _Top:
    def uniform(self, _low: float, high: float) -> float:
        return high


class _Bottom:
    def uniform(self, low: float, _high: float) -> float:
        return low


async def test_a_transient_failure_while_online_is_retried_later_by_the_scheduler(
    world: World, engine: SyncEngine, now: Now,  # noqa: F811
) -> None:
    calendar = world.calendars[world.first]
    calendar.fail_next("upsert", UNREACHABLE, times=MAX_ATTEMPTS)  # the server is down for one drain
    booking = world.book("Emma")

    await engine.drain()
    [mapping] = mappings(world, booking.id)
    assert mapping.state == "failed" and "will be tried again in 2 min" in (mapping.last_error or "")
    [job] = jobs(world, booking.id)
    assert job.status == "pending" and job.deferrals == 1
    assert job.not_before is not None and timedelta(seconds=96) <= job.not_before - now() <= timedelta(minutes=2)

    runs = 0

    def count(name: str, _result: object, _error: object) -> None:
        nonlocal runs
        runs += name == DRAIN

    scheduler = Scheduler()
    scheduler.add(DRAIN, engine.drain, interval=0.001)
    scheduler.finished_listeners.append(count)
    scheduler.start()
    try:
        await within(lambda: runs >= 5)  # the timer drains again and again ...
        assert upserts_of(calendar, booking.public_id) == MAX_ATTEMPTS  # ... and leaves it until it is due

        now.advance(minutes=2)
        await within(lambda: calendar.event_of(booking.public_id) is not None)
    finally:
        await scheduler.stop()
    assert mappings(world, booking.id)[0].state == "synced"
    assert job_states(world, booking.id) == ["done"]


async def test_each_wait_is_longer_and_a_permanent_failure_stays_failed(
    world: World, engine: SyncEngine, now: Now,  # noqa: F811
) -> None:
    calendar = world.calendars[world.first]
    down = world.book("Down")
    refused = world.book("Refused", "2026-12-02T10:00")
    calendar.fail_always("upsert", UNREACHABLE, booking_public_id=down.public_id)
    calendar.fail_always("upsert", PermanentError("The server refused the event data."),
                         booking_public_id=refused.public_id)

    await engine.drain()
    first_wait = jobs(world, down.id)[0].not_before - now()  # type: ignore[operator]
    now.advance(minutes=2)
    await engine.drain()
    [job] = jobs(world, down.id)
    assert job.deferrals == 2 and job.not_before - now() > first_wait  # type: ignore[operator]
    assert upserts_of(calendar, down.public_id) == 2 * MAX_ATTEMPTS

    now.advance(days=1)
    await engine.drain()
    assert upserts_of(calendar, down.public_id) == 3 * MAX_ATTEMPTS  # still tried, a day later
    assert upserts_of(calendar, refused.public_id) == 1  # never again without the user
    assert job_states(world, refused.id) == ["failed"]
    [mapping] = mappings(world, refused.id)
    assert (mapping.state, mapping.last_error) == ("failed", "The server refused the event data.")
