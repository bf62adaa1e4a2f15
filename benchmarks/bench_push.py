"""First push of 500 queued bookings to Radicale, beside the server's own floor for the same PUTs.

What is measured, and why this way
----------------------------------
* The app's push goes through its real path: bookings made with ``BookingService.add`` queue outbox
  jobs, and one ``SyncEngine.drain`` writes them (planning, provider, mapping rows, sync log).
* The floor is the least any client can pay the server: the same number of ``PUT``s of event bodies
  of the same size (built by the app's own ``build_ics`` before the clock starts), with
  ``If-None-Match: *``, Basic auth sent up front, from one plain ``httpx.AsyncClient`` at the engine's
  concurrency (4). Radicale is CPU-bound and a PUT costs more as a collection grows, so each run
  writes into a new, empty calendar, and floor and app runs alternate (interleaved repetitions).
* Client CPU is this process's CPU time (all threads) during the push: it competes with the server
  for the machine's two cores, which is why it shows in the wall time.
* Figures are medians of the repetitions; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import keyring

from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav.ical_event import build_ics
from tests.fixtures.radicale import RadicaleServer
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

BOOKINGS = int(os.environ.get("BIZCAL_BENCH_PUSH_N", "500"))
REPEATS = int(os.environ.get("BIZCAL_BENCH_REPEATS", "3"))
CONCURRENCY = 4

Timed = tuple[float, float]  # wall seconds, client CPU seconds


async def _clocked(work: Callable[[], Awaitable[None]]) -> Timed:
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _bodies() -> list[tuple[str, str]]:
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    bodies = []
    for i in range(BOOKINGS):
        spec = EventSpec(booking_public_id=uuid.uuid4().hex, summary=f"Session - Customer {i}",
                         description="Session, 30 minutes\nStaff: Bench Staff", start=start + timedelta(hours=i),
                         end=start + timedelta(hours=i, minutes=30), timezone="Europe/Berlin", sequence=1)
        bodies.append((f"{spec.booking_public_id}.ics", build_ics(spec)))
    return bodies


async def _floor(server: RadicaleServer) -> Timed:
    calendar = server.make_calendar(f"floor-{uuid.uuid4().hex[:8]}")
    bodies = _bodies()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def work() -> None:
        async with httpx.AsyncClient(auth=httpx.BasicAuth(server.username, server.password), timeout=60) as client:
            async def put(name: str, body: str) -> None:
                async with gate:
                    response = await client.put(calendar + name, content=body.encode(), headers={
                        "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
                if response.status_code != 201:
                    raise RuntimeError(f"PUT answered {response.status_code}")
            await asyncio.gather(*(put(name, body) for name, body in bodies))

    return await _clocked(work)


async def _app(server: RadicaleServer, data_dir: Path) -> Timed:
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    calendar = server.make_calendar(f"app-{uuid.uuid4().hex[:8]}")
    services = await asyncio.to_thread(build_services, Config.load(data_dir))
    try:
        staff = services.directory.add_staff("Bench Staff", "Europe/Berlin")
        service = services.directory.add_service("Session", 30)
        seed_connection(services, staff=staff.id, provider="caldav", provider_type="generic",
                        display_name="Bench Radicale", server_url=server.url, username=server.username,
                        calendar_id=calendar, calendar_href=calendar, calendar_name="Bench",
                        secret=server.password)
        first_day = (datetime.now(UTC) + timedelta(days=2)).date()
        for i in range(BOOKINGS):
            day = first_day + timedelta(days=i // 16)
            hour, half = divmod(i % 16, 2)
            services.bookings.add(staff.id, service.id, f"Customer {i}",
                                  f"{day.isoformat()}T{9 + hour:02d}:{30 * half:02d}")
        outcome: list[int] = []

        async def work() -> None:
            report = await services.engine.drain()
            outcome.extend([report.synced, report.failed])

        timed = await _clocked(work)
        if outcome != [BOOKINGS, 0]:
            raise RuntimeError(f"the push wrote {outcome[0]} of {BOOKINGS} events, {outcome[1]} failed")
        return timed
    finally:
        services.close()


async def _measure(base: Path) -> list[tuple[str, float, str]]:
    server = RadicaleServer(base / "radicale")
    server.start()
    floors: list[Timed] = []
    apps: list[Timed] = []
    try:
        for rep in range(REPEATS):
            floors.append(await _floor(server))
            apps.append(await _app(server, base / f"data-{rep}"))
    finally:
        server.stop()
    floor_wall = statistics.median(t[0] for t in floors)
    app_wall = statistics.median(t[0] for t in apps)
    floor_cpu = statistics.median(t[1] for t in floors)
    app_cpu = statistics.median(t[1] for t in apps)
    label = f"push {BOOKINGS} bookings to Radicale (median of {REPEATS}, interleaved)"
    return [
        (f"{label}: floor, plain httpx PUTs", floor_wall, "s"),
        (f"{label}: app, engine drain", app_wall, "s"),
        (f"{label}: app / floor", app_wall / floor_wall, "x"),
        (f"{label}: client CPU, floor", floor_cpu, "s"),
        (f"{label}: client CPU, app", app_cpu, "s"),
        (f"{label}: client CPU per event, app", app_cpu / BOOKINGS, "s"),
        (f"{label}: client CPU app / floor", app_cpu / floor_cpu, "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    try:
        with tempfile.TemporaryDirectory(prefix="bizcal-bench-push-") as tmp:
            return asyncio.run(_measure(Path(tmp)))
    finally:
        keyring.set_keyring(previous_keyring)


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
