"""Everyone sees changes at once on a team's PostgreSQL (issue 19 item 5), on the real server.

Two devices share one database: the front desk books, the stylist's laptop holds the calendar
(Radicale). The laptop's drain timer is set to an hour, so only the notification can make it write
the booking; the test waits (bounded) for the event to appear, it never asserts a duration. The
listener's own connection is ended by the server (``pg_terminate_backend``, as a restart or an admin
would) and must come back by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bizcal_desktop.config import Config
from bizcal_desktop.store.notifications import (
    CHANNEL,
    Change,
    ChangeFeed,
    ChangeKind,
    conninfo,
    parse,
    written_here,
)
from bizcal_desktop.sync.scheduler import DRAIN, Scheduler
from bizcal_desktop.sync.team_changes import TeamChanges, TeamChangeWatch, watch_team_changes
from bizcal_desktop.wiring import Services, build_services
from tests.support.connections import seed_connection


@dataclass
class Team:
    front_desk: Services
    laptop: Services
    connection_id: int


def device(folder: Path, url: str) -> Services:
    return build_services(Config(data_dir=folder, keyring_service=f"bizcal-test-{folder.name}", database_url=url,
                                 backoff_base=0.01, backoff_cap=0.05, max_attempts=3, request_timeout=5))


@pytest.fixture
def team(postgres_url: str, tmp_path: Path, caldav_calendar) -> Iterator[Team]:  # type: ignore[no-untyped-def]
    desk = device(tmp_path / "desk", postgres_url)
    laptop = device(tmp_path / "laptop", postgres_url)
    try:
        desk.directory.add_staff("Sarah", "Europe/Berlin")
        desk.directory.add_service("Cut", 60)
        calendar = caldav_calendar
        view = seed_connection(  # the laptop connected Sarah's calendar: only its keychain has the secret
            laptop, staff="Sarah", provider="caldav", provider_type="generic", display_name="Sarah's calendar",
            server_url=calendar.server.url, username=calendar.username, calendar_id=calendar.url,
            calendar_href=calendar.url, calendar_name=calendar.display_name, secret=calendar.password)
        yield Team(desk, laptop, view.id)
    finally:
        desk.close()
        laptop.close()


async def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for ``condition`` (polling); fail saying ``what`` did not happen. Not a timing assertion."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen")
        await asyncio.sleep(0.05)


def laptop_scheduler(laptop: Services) -> Scheduler:
    """The laptop's drain, on a timer that would not tick during the test."""
    scheduler = Scheduler()
    scheduler.add(DRAIN, laptop.engine.drain, interval=3600, initial_delay=3600)
    return scheduler


def watch(services: Services, scheduler: Scheduler) -> TeamChangeWatch:
    built = watch_team_changes(services.db, scheduler, services.config.device.id)
    assert built is not None
    return built


async def test_a_booking_at_the_front_desk_is_written_by_the_laptop_at_once(team: Team, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    scheduler = laptop_scheduler(team.laptop)
    runs: list[str] = []
    scheduler.finished_listeners.append(lambda name, result, error: runs.append(name))
    told: list[TeamChanges] = []
    laptop = watch(team.laptop, scheduler)
    laptop.listeners.add(told.append)
    scheduler.start()
    laptop.start()
    try:
        await until(lambda: laptop.feed.backend_pid is not None, "the laptop's listener connecting")
        booking = await asyncio.to_thread(team.front_desk.bookings.add, "Sarah", "Cut", "Walk-in",
                                          "2026-12-07T10:00")
        reader = caldav_calendar.reader()
        await until(lambda: bool(runs), "a drain on the laptop")
        assert set(runs) == {DRAIN}  # kicked by the notification: the hourly tick is an hour away
        assert len(reader.events()) == 1
        assert any(booking.id in batch.booking_ids and batch.drained for batch in told)
        await until(lambda: team.front_desk.bookings.get(booking.id).sync_state == "synced",
                    "the front desk seeing the booking synced")
        [event] = reader.events()
        assert str(event.get("UID")).startswith(booking.public_id)
    finally:
        await laptop.stop()
        await scheduler.stop()


async def test_a_job_the_front_desk_hands_to_the_laptop_is_written_at_once(team: Team, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    scheduler = laptop_scheduler(team.laptop)
    runs: list[str] = []
    scheduler.finished_listeners.append(lambda name, result, error: runs.append(name))
    told: list[TeamChanges] = []
    laptop = watch(team.laptop, scheduler)
    laptop.listeners.add(told.append)
    scheduler.hold("test")  # the booking's own news is heard but not acted on: only the hand-over may be
    scheduler.start()
    laptop.start()
    try:
        await until(lambda: laptop.feed.backend_pid is not None, "the laptop's listener connecting")
        booking = await asyncio.to_thread(team.front_desk.bookings.add, "Sarah", "Cut", "Handed", "2026-12-11T10:00")
        await until(lambda: any(booking.id in batch.booking_ids for batch in told), "the laptop hearing the booking")
        assert runs == [] and not any(batch.drained for batch in told)
        scheduler.release("test")
        report = await team.front_desk.engine.drain()  # the desk plans it and hands it to the laptop
        assert (report.handed, report.synced) == (1, 0)
        await until(lambda: bool(runs), "the laptop draining the job handed to it")
        assert any(batch.drained for batch in told)
        assert len(caldav_calendar.reader().events()) == 1
    finally:
        await laptop.stop()
        await scheduler.stop()


async def test_only_the_device_holding_the_calendar_drains(team: Team) -> None:
    scheduler = Scheduler()
    scheduler.add(DRAIN, team.front_desk.engine.drain, interval=3600, initial_delay=3600)
    desk = watch(team.front_desk, scheduler)
    told: list[TeamChanges] = []
    desk.listeners.add(told.append)
    desk.start()
    try:
        await until(lambda: desk.feed.backend_pid is not None, "the front desk's listener connecting")
        booking = await asyncio.to_thread(team.laptop.bookings.add, "Sarah", "Cut", "Regular", "2026-12-08T11:00")
        await until(lambda: any(booking.id in batch.booking_ids for batch in told), "the front desk hearing it")
        assert not any(batch.drained for batch in told)  # Sarah's calendar is the laptop's: the desk waits
        with team.laptop.db.session() as s:
            assert written_here(s, [booking.id], team.laptop.config.device.id) == {booking.id}
            assert written_here(s, [booking.id], team.front_desk.config.device.id) == set()
    finally:
        await desk.stop()


@pytest.mark.parametrize("in_thread", [False, True], ids=["async", "thread (as on Windows)"])
async def test_the_listener_comes_back_after_its_connection_is_ended(team: Team, caldav_calendar,
                                                                     in_thread: bool) -> None:  # type: ignore[no-untyped-def]
    scheduler = laptop_scheduler(team.laptop)
    # The first try again comes sooner than in the app (1 s).
    feed = ChangeFeed(conninfo(team.laptop.db.engine.url), first_retry=0.2, in_thread=in_thread)
    laptop = TeamChangeWatch(feed, scheduler, team.laptop.db, team.laptop.config.device.id)
    scheduler.start()
    laptop.start()
    try:
        await until(lambda: laptop.feed.backend_pid is not None, "the listener connecting")
        first = laptop.feed.backend_pid
        with psycopg.connect(conninfo(team.laptop.db.engine.url), autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()
        assert ended == (True,)
        await until(lambda: laptop.feed.backend_pid not in (None, first), "the listener reconnecting")
        await until(lambda: laptop.batches >= 1, "the catch-up after reconnecting")
        booking = await asyncio.to_thread(team.front_desk.bookings.add, "Sarah", "Cut", "After", "2026-12-09T12:00")
        reader = caldav_calendar.reader()
        await until(lambda: len(reader.events()) == 1, "the laptop writing a booking made after the reconnect")
        assert str(reader.events()[0].get("UID")).startswith(booking.public_id)
    finally:
        await laptop.stop()
        await scheduler.stop()


def test_notifications_name_ids_only_and_every_change_is_announced(team: Team) -> None:
    heard: list[str] = []
    with psycopg.connect(conninfo(team.laptop.db.engine.url), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        booking = team.front_desk.bookings.add("Sarah", "Cut", "Zoë Customer-Name", "2026-12-10T09:00")
        team.front_desk.bookings.move(booking.id, "2026-12-10T13:00")
        asyncio.run(team.laptop.engine.drain())
        team.front_desk.bookings.cancel(booking.id)
        heard = [n.payload for n in listener.notifies(timeout=2.0)]
    assert heard, "nothing was announced"
    assert not any("Zo" in p or "Customer" in p for p in heard)
    changes = [parse(p) for p in heard]
    assert all(isinstance(c, Change) and c.booking_id == booking.id for c in changes)
    kinds = [c.kind for c in changes if c is not None]
    assert kinds.count(ChangeKind.JOB) == 3  # made, moved, cancelled: each queued a job
    assert ChangeKind.DONE in kinds and ChangeKind.BOOKING in kinds
    assert parse("x:1") is None and parse("j:abc:") is None


def test_sqlite_keeps_its_timers_and_starts_no_listener(services: Services) -> None:
    assert watch_team_changes(services.db, Scheduler(), services.config.device.id) is None


async def test_a_wake_reopens_the_listener_and_catches_up_once(team: Team) -> None:
    scheduler = laptop_scheduler(team.laptop)
    laptop = watch(team.laptop, scheduler)
    told: list[TeamChanges] = []
    laptop.listeners.add(told.append)
    laptop.start()
    try:
        await until(lambda: laptop.feed.backend_pid is not None, "the listener connecting")
        before = laptop.feed.backend_pid
        for woke in list(scheduler.wake_listeners):  # what the scheduler's heartbeat does after a sleep
            woke(600.0)
        await until(lambda: laptop.feed.backend_pid not in (None, before), "a fresh connection after the wake")
        await until(lambda: any(batch.caught_up for batch in told), "the catch-up after the wake")
        assert [batch.caught_up for batch in told] == [True]
    finally:
        await laptop.stop()
    assert scheduler.wake_listeners == []
