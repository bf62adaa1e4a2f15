"""A team's PostgreSQL: outbox claim throughput with 1, 2 and 4 drainers, and booking → seen elsewhere.

What is measured, and why this way
----------------------------------
* The server is a private cluster started as the tests start theirs (``tests/fixtures/postgres.py``:
  Debian's binaries, a free loopback port, ``fsync=off``), so the figures are the database's and the
  app's, not a network's.
* **Claims.** 500 bookings with one pending job each; D drainers (D = 1, 2, 4), each a process of its
  own (as devices are), start together at a barrier and claim until nothing is left. The app's drainer
  is ``store.outbox.claim_bookings`` with a device (the engine's claim: the candidates, then per booking
  ``SELECT … FOR NO KEY UPDATE SKIP LOCKED`` on its row and the conditional ``UPDATE`` with the lease,
  one commit each). The baseline, in the same run with the same D, is the textbook queue written with
  bare psycopg: ``SELECT id … ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`` + ``UPDATE`` + commit, in a
  loop. Claims/s = 500 / (last drainer's end − first one's start). Every run also checks that the
  drainers' counts add up to exactly 500 (no job claimed twice). The two kinds and the three Ds are
  interleaved over the repetitions; figures are medians.
* **Latency.** Device A makes a booking (``BookingService.add``: its checks, the booking, its audit
  event and outbox job, one commit; the triggers of migration 0011 NOTIFY); device B's
  ``TeamChangeWatch`` hears it on its LISTEN connection and B reads the booking
  (``BookingService.get``) — what the Bookings window does on ``data_changed``. Timed from A's call to
  B's read, p50/p95. The watch gathers changes for 10 ms before acting (bursts coalesced): that is in
  the figure on purpose. The baseline is a bare psycopg ``NOTIFY`` on one connection → ``notifies()``
  on another, same loop, interleaved with the app's samples; A's ``add`` alone is shown too.
* The machine has 2 cores shared with other work: read the ratios.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import psycopg
from sqlalchemy import select, update

from bizcal_desktop.config import Config
from bizcal_desktop.store import booking_changes, outbox
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import OutboxJob, Service, Staff
from bizcal_desktop.sync.scheduler import Scheduler
from bizcal_desktop.sync.team_changes import TeamChanges, TeamChangeWatch, watch_team_changes
from bizcal_desktop.wiring import Services, build_services
from tests.fixtures.postgres import find_pg_bin, start_cluster, stop_cluster
from tests.support.memory_keyring import MemoryKeyring

JOBS = int(os.environ.get("BIZCAL_BENCH_TEAM_JOBS", "500"))
REPEATS = int(os.environ.get("BIZCAL_BENCH_REPEATS", "3"))
SAMPLES = int(os.environ.get("BIZCAL_BENCH_TEAM_SAMPLES", "40"))
DRAINERS = (1, 2, 4)
#: A device id for the app's claims (its ``claimable_by`` condition is part of the real claim).
DEVICE = "00000000-0000-4000-8000-00000000bench"[:36]


# ----- claims ---------------------------------------------------------------------------------------
def _app_drainer(url: str) -> int:
    db = Database(Path("unused.sqlite3"), url=url)
    try:
        with db.session() as s:
            return len(outbox.claim_bookings(s, f"bench:{os.getpid()}:{uuid.uuid4().hex[:8]}",
                                             timedelta(minutes=5), device=DEVICE))
    finally:
        db.dispose()


def _bare_drainer(url: str) -> int:
    owner = f"bare:{os.getpid()}"
    claimed = 0
    with psycopg.connect(url) as connection:
        while True:
            with connection.transaction():
                row = connection.execute(
                    "SELECT id FROM outbox_job WHERE status = 'pending' AND claimed_by IS NULL "
                    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED").fetchone()
                if row is None:
                    return claimed
                connection.execute(
                    "UPDATE outbox_job SET claimed_by = %s, "
                    "lease_until = (now() AT TIME ZONE 'UTC') + interval '5 minutes' WHERE id = %s",
                    (owner, row[0]))
            claimed += 1


def _drainer_process(kind: str, url: str, barrier: Any, results: Any) -> None:
    if kind == "app":  # the imports and a first connection, before the clock starts
        warm = Database(Path("unused.sqlite3"), url=url)
        with warm.engine.connect():
            pass
        warm.dispose()
    barrier.wait()
    started = time.monotonic()
    claimed = _app_drainer(url) if kind == "app" else _bare_drainer(conninfo_of(url))
    results.put((claimed, started, time.monotonic()))


def conninfo_of(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def claims_per_second(kind: str, drainers: int, url: str) -> float:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(drainers), context.Queue()
    processes = [context.Process(target=_drainer_process, args=(kind, url, barrier, results))
                 for _ in range(drainers)]
    for process in processes:
        process.start()
    outcome = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    total = sum(claimed for claimed, _, _ in outcome)
    if total != JOBS:
        raise AssertionError(f"{kind} with {drainers} drainers claimed {total} jobs of {JOBS}")
    return JOBS / (max(end for _, _, end in outcome) - min(start for _, start, _ in outcome))


def reset_claims(db: Database) -> None:
    with db.session() as s:
        s.execute(update(OutboxJob).values(claimed_by=None, lease_until=None))


def queue_bookings(services: Services, count: int, first_day: datetime) -> None:
    """``count`` bookings of one staff member, ten a day, one an hour (none overlap)."""
    with services.db.session() as s:
        staff = s.scalars(select(Staff)).one()
        service = s.scalars(select(Service)).one()
        for n in range(count):
            booking_changes.create_booking(s, staff, service, f"Customer {n}",
                                           first_day + timedelta(days=n // 10, hours=n % 10))


def bench_claims(services: Services, url: str) -> list[tuple[str, float, str]]:
    queue_bookings(services, JOBS, datetime(2027, 1, 4, 8, tzinfo=UTC))
    figures: dict[tuple[str, int], list[float]] = {}
    for _ in range(REPEATS):
        for drainers in DRAINERS:
            for kind in ("app", "bare"):
                reset_claims(services.db)
                figures.setdefault((kind, drainers), []).append(claims_per_second(kind, drainers, url))
    rows = []
    label = f"outbox claims, {JOBS} jobs (median of {REPEATS}, interleaved)"
    for drainers in DRAINERS:
        app, bare = (statistics.median(figures[(k, drainers)]) for k in ("app", "bare"))
        rows += [
            (f"{label}: app, {drainers} drainer(s)", app, "claims/s"),
            (f"{label}: bare SKIP LOCKED loop, {drainers} drainer(s)", bare, "claims/s"),
            (f"{label}: app / bare, {drainers} drainer(s)", app / bare, "x"),
        ]
    return rows


# ----- booking → seen on another device ---------------------------------------------------------------
async def _latencies(desk: Services, laptop: Services, url: str) -> tuple[list[float], list[float], list[float]]:
    watch = watch_team_changes(laptop.db, Scheduler(), laptop.config.device.id)
    assert isinstance(watch, TeamChangeWatch)
    loop = asyncio.get_running_loop()
    #: When device B had read each booking it was told of (made on first news, or when awaited first).
    read_at: dict[int, asyncio.Future[float]] = {}

    def told(changes: TeamChanges) -> None:
        for booking_id in changes.booking_ids:
            if booking_id not in read_at or not read_at[booking_id].done():
                asyncio.ensure_future(_read(booking_id, read_at.setdefault(booking_id, loop.create_future())))

    async def _read(booking_id: int, done: asyncio.Future[float]) -> None:
        await asyncio.to_thread(laptop.bookings.get, booking_id)
        if not done.done():
            done.set_result(time.monotonic())

    watch.listeners.add(told)
    watch.start()
    bare_listener = await psycopg.AsyncConnection.connect(conninfo_of(url), autocommit=True)
    await bare_listener.execute("LISTEN bench_round_trip")
    bare_sender = psycopg.connect(conninfo_of(url), autocommit=True)
    try:
        while watch.feed.backend_pid is None:
            await asyncio.sleep(0.05)
        seen_elsewhere, adds, bare = [], [], []
        first = datetime(2028, 1, 3, 8, tzinfo=UTC)
        for n in range(SAMPLES):
            start = (first + timedelta(days=n // 10, hours=n % 10)).isoformat()
            started = time.monotonic()
            booking = await asyncio.to_thread(desk.bookings.add, "Sarah", "Cut", f"Sample {n}", start)
            adds.append(time.monotonic() - started)
            read = read_at.setdefault(booking.id, loop.create_future())
            seen_elsewhere.append(await asyncio.wait_for(read, timeout=30) - started)
            bare.append(await _bare_round_trip(bare_sender, bare_listener, n))
            await asyncio.sleep(0.35)  # past the watch's cooldown: each sample starts from quiet
        return seen_elsewhere, adds, bare
    finally:
        await watch.stop()
        await bare_listener.close()
        bare_sender.close()


async def _bare_round_trip(sender: psycopg.Connection, listener: psycopg.AsyncConnection, n: int) -> float:
    started = time.monotonic()
    await asyncio.to_thread(sender.execute, f"NOTIFY bench_round_trip, 'b:{n}'")
    async for _notify in listener.notifies(stop_after=1, timeout=30):
        break
    return time.monotonic() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def bench_latency(desk: Services, laptop: Services, url: str) -> list[tuple[str, float, str]]:
    seen, adds, bare = asyncio.run(_latencies(desk, laptop, url))
    label = f"booking → seen on another device ({SAMPLES} bookings, LISTEN/NOTIFY)"
    return [
        (f"{label}: p50", statistics.median(seen), "s"),
        (f"{label}: p95", p95(seen), "s"),
        (f"{label}: the booking's own add on device A, p50", statistics.median(adds), "s"),
        (f"{label}: bare NOTIFY → LISTEN round trip p50", statistics.median(bare), "s"),
        (f"{label}: bare NOTIFY → LISTEN round trip p95", p95(bare), "s"),
        (f"{label}: p50 / bare p50", statistics.median(seen) / statistics.median(bare), "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise RuntimeError("PostgreSQL is not installed (no pg_ctl); Debian's postgresql package provides it")
    keyring.set_keyring(MemoryKeyring())
    cluster = Path(tempfile.mkdtemp(prefix="bizcal-bench-pg-"))
    server = start_cluster(pg_bin, cluster)
    base = Path(tempfile.mkdtemp(prefix="bizcal-bench-team-"))
    try:
        with psycopg.connect(conninfo_of(server.url("postgres")), autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
        url = server.url("bench")
        desk = build_services(Config(data_dir=base / "desk", keyring_service="bench-desk", database_url=url))
        laptop = build_services(Config(data_dir=base / "laptop", keyring_service="bench-laptop", database_url=url))
        try:
            desk.directory.add_staff("Sarah", "Europe/Berlin")
            desk.directory.add_service("Cut", 30)
            rows = bench_claims(desk, url)  # first: the latency's bookings would add jobs to claim
            return bench_latency(desk, laptop, url) + rows
        finally:
            desk.close()
            laptop.close()
    finally:
        stop_cluster(pg_bin, cluster)
        shutil.rmtree(base, ignore_errors=True)
