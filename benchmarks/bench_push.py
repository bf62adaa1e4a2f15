"""First push of 500 queued bookings, beside the server's own floor and the reference tool, per server.

What is measured, and why this way
----------------------------------
* Three servers, started like the tests start them: Radicale (``[auth] delay = 0`` as in the test
  fixture), Radicale with its stock ``[auth] delay = 1`` (a 401 is held ~0.5-1.5 s, so credentials
  sent up front matter) and Xandikos; both count in their own logs the requests each client sent.
* The app's push goes through its real path: bookings made with ``BookingService.add`` queue outbox
  jobs, and one ``SyncEngine.drain`` writes them (claims, planning, provider, mapping rows, sync log).
* The floor is the least any client can pay the server: the same number of ``PUT``s of the events
  the app writes - title and notes at a new install's privacy level, so the server parses and stores
  as much (the servers' CPU grows with the body) - built by the app's own ``build_ics`` before the
  clock starts, with
  ``If-None-Match: *``, Basic auth sent up front, from one plain ``httpx.AsyncClient`` at the engine's
  concurrency (4). The reference is vdirsyncer 0.21 (the ``bench`` extra) syncing a folder of the
  same 500 events to the same server, timed as a subprocess (its start-up included; its CPU is the
  child's). Servers slow down as a collection grows, so each run writes into a new, empty calendar,
  and the three alternate (interleaved repetitions). The order rotates, so each client goes first,
  second and third once in three repetitions: a server slows as its process ages (Xandikos's CPU for
  the same 500 PUTs was up to 12 % higher for whoever ran after the floor when it always went first).
* Client CPU is the client's CPU time (all threads) during the push: it competes with a CPU-bound
  server for the machine's two cores, which is why it shows in the wall time. The server's CPU for
  the same push is read from its process (``/proc``), so the benchmark shows who used the cores;
  "server busy" (server CPU / wall) is how much of the push the server spent working: a client that
  keeps it as busy as the floor does is not what the wall time waits for.
* vdirsyncer's figure includes its start-up; that alone is printed beside it (``--version``).
* Figures are medians of the repetitions; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx
import keyring

from bizcal_desktop.domain.privacy import DEFAULT_PRIVACY, BookingFacts, event_description, event_title
from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav.ical_event import build_ics
from tests.fixtures.radicale import RadicaleServer
from tests.fixtures.request_log import LoggingRadicale
from tests.fixtures.xandikos import XandikosServer
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

BOOKINGS = int(os.environ.get("BIZCAL_BENCH_PUSH_N", "500"))
REPEATS = int(os.environ.get("BIZCAL_BENCH_REPEATS", "3"))
#: Which servers to push to (comma-separated): radicale, radicale-stock-auth, xandikos.
SERVERS = os.environ.get("BIZCAL_BENCH_PUSH_SERVERS", "radicale,radicale-stock-auth,xandikos").split(",")
CONCURRENCY = 4


class Server(Protocol):
    url: str
    username: str
    password: str
    _process: subprocess.Popen[bytes] | None

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def make_calendar(self, name: str | None = None) -> str: ...


@dataclass(frozen=True)
class Timed:
    wall: float  #: seconds
    cpu: float  #: the client's CPU seconds
    server_cpu: float  #: the server process's CPU seconds during the same push
    requests: int = 0  #: requests the server logged (Radicale with its log on, Xandikos), else 0


def _server_cpu(server: Server) -> float:
    """CPU seconds the server process has used so far (utime + stime from /proc)."""
    process = server._process
    if process is None:
        return 0.0
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _requests(server: Server) -> int:
    """Requests the server logged so far (Radicale with its log on, Xandikos), else 0."""
    return server.requests_logged() if isinstance(server, (LoggingRadicale, XandikosServer)) else 0


async def _clocked(server: Server, work: Callable[[], Awaitable[float | None]]) -> Timed:
    """Time ``work``; it returns the CPU it spent elsewhere (a child process), or None for this one's."""
    requests, server_cpu = _requests(server), _server_cpu(server)
    wall, cpu = time.perf_counter(), time.process_time()
    child_cpu = await work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Timed(wall, child_cpu if child_cpu is not None else cpu, _server_cpu(server) - server_cpu,
                 _requests(server) - requests)


def _bodies() -> list[tuple[str, str]]:
    """The events the app's push writes, as a new install writes them (title and notes at its privacy level)."""
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    bodies = []
    for i in range(BOOKINGS):
        begins, ends = start + timedelta(hours=i), start + timedelta(hours=i, minutes=30)
        facts = BookingFacts(booking_id=i + 1, service="Session", customer=f"Customer {i}", staff="Bench Staff",
                             start=begins, end=ends, timezone="Europe/Berlin")
        spec = EventSpec(booking_public_id=uuid.uuid4().hex, summary=event_title(DEFAULT_PRIVACY, facts),
                         description=event_description(DEFAULT_PRIVACY, facts), start=begins, end=ends,
                         timezone="Europe/Berlin", sequence=1)
        bodies.append((f"{spec.booking_public_id}.ics", build_ics(spec)))
    return bodies


async def _floor(server: Server, _base: Path) -> Timed:
    calendar = server.make_calendar(f"floor-{uuid.uuid4().hex[:8]}")
    bodies = _bodies()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def work() -> None:
        async with httpx.AsyncClient(auth=httpx.BasicAuth(server.username, server.password), timeout=60) as client:
            async def put(name: str, body: str) -> None:
                async with gate:
                    response = await client.put(calendar + name, content=body.encode(), headers={
                        "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
                if response.status_code not in (201, 204):
                    raise RuntimeError(f"PUT answered {response.status_code}")
            await asyncio.gather(*(put(name, body) for name, body in bodies))

    return await _clocked(server, work)


def _vdirsyncer_config(base: Path, server: Server, calendar: str) -> Path:
    events = base / "events"
    events.mkdir(parents=True)
    for name, body in _bodies():
        (events / name).write_text(body, encoding="utf-8")
    (base / "status").mkdir()
    config = base / "config"
    config.write_text("\n".join([
        "[general]", f'status_path = "{base / "status"}/"', "",
        "[pair push]", 'a = "local"', 'b = "remote"', "collections = null", 'conflict_resolution = "a wins"', "",
        "[storage local]", 'type = "filesystem"', f'path = "{events}/"', 'fileext = ".ics"', "",
        "[storage remote]", 'type = "caldav"', f'url = "{calendar}"', f'username = "{server.username}"',
        f'password = "{server.password}"', "",
    ]), encoding="utf-8")
    return config


async def _vdirsyncer(server: Server, base: Path) -> Timed:
    calendar = server.make_calendar(f"vdir-{uuid.uuid4().hex[:8]}")
    folder = base / f"vdir-{uuid.uuid4().hex[:8]}"
    config = _vdirsyncer_config(folder, server, calendar)
    command = [sys.executable, "-m", "vdirsyncer", "-c", str(config), "sync"]
    discovered = await asyncio.to_thread(subprocess.run, [*command[:-1], "discover", "push"], capture_output=True,
                                         text=True, check=False)
    if discovered.returncode != 0:  # setup, not timed: it only records the pair's collections
        raise RuntimeError(f"vdirsyncer discover failed: {discovered.stdout[-1000:]}{discovered.stderr[-1000:]}")

    async def work() -> float:
        before = os.times()
        process = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output, _ = await process.communicate()
        after = os.times()
        if process.returncode != 0:
            raise RuntimeError(f"vdirsyncer failed ({process.returncode}): {output.decode()[-2000:]}")
        return (after.children_user - before.children_user) + (after.children_system - before.children_system)

    try:
        return await _clocked(server, work)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _vdirsyncer_startup_cpu() -> float:
    """CPU of a vdirsyncer process that only starts (part of its figure, none of the app's: it runs in-process)."""
    before = os.times()
    subprocess.run([sys.executable, "-m", "vdirsyncer", "--version"], capture_output=True, check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


async def _app(server: Server, base: Path) -> Timed:
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    calendar = server.make_calendar(f"app-{uuid.uuid4().hex[:8]}")
    services = await asyncio.to_thread(build_services, Config.load(base / f"data-{uuid.uuid4().hex[:8]}"))
    try:
        staff = services.directory.add_staff("Bench Staff", "Europe/Berlin")
        service = services.directory.add_service("Session", 30)
        seed_connection(services, staff=staff.id, provider="caldav", provider_type="generic",
                        display_name="Bench server", server_url=server.url, username=server.username,
                        calendar_id=calendar, calendar_href=calendar, calendar_name="Bench",
                        secret=server.password)
        first_day = (datetime.now(UTC) + timedelta(days=2)).date()
        for i in range(BOOKINGS):  # 30-minute bookings back to back, 16 a day: none overlaps another
            day = first_day + timedelta(days=i // 16)
            hour, half = divmod(i % 16, 2)
            services.bookings.add(staff.id, service.id, f"Customer {i}",
                                  f"{day.isoformat()}T{9 + hour:02d}:{30 * half:02d}")
        outcome: list[int] = []

        async def work() -> None:
            report = await services.engine.drain()
            outcome.extend([report.synced, report.failed])

        timed = await _clocked(server, work)
        if outcome != [BOOKINGS, 0]:
            raise RuntimeError(f"the push wrote {outcome[0]} of {BOOKINGS} events, {outcome[1]} failed")
        return timed
    finally:
        services.close()


def _server(kind: str, base: Path) -> Server:
    if kind == "radicale":
        return RadicaleServer(base / kind)
    if kind == "radicale-stock-auth":
        return LoggingRadicale(base / kind, auth_delay=1)  # Radicale's stock default; its log counts requests
    if kind == "xandikos":
        return XandikosServer(base / kind)
    raise ValueError(f"unknown server {kind!r}; choose from radicale, radicale-stock-auth, xandikos")


RUNNERS: dict[str, Callable[[Server, Path], Awaitable[Timed]]] = {
    "floor, plain httpx PUTs": _floor, "app, engine drain": _app, "vdirsyncer 0.21": _vdirsyncer,
}


async def _measure_on(kind: str, base: Path) -> list[tuple[str, float, str]]:
    server = _server(kind, base)
    server.start()
    runs: dict[str, list[Timed]] = {name: [] for name in RUNNERS}
    try:
        names = list(RUNNERS)
        for rep in range(REPEATS):
            turn = rep % len(names)  # each client takes each place in turn: see the module docstring
            for name in names[turn:] + names[:turn]:
                runs[name].append(await RUNNERS[name](server, base))
    finally:
        server.stop()
    label = f"push {BOOKINGS} bookings, {kind} (median of {REPEATS}, interleaved)"
    median = {name: {field: statistics.median(getattr(t, field) for t in timed)
                     for field in ("wall", "cpu", "server_cpu", "requests")} for name, timed in runs.items()}
    floor = median["floor, plain httpx PUTs"]
    rows: list[tuple[str, float, str]] = []
    for name, figures in median.items():
        rows.append((f"{label}: {name}, wall", figures["wall"], "s"))
        rows.append((f"{label}: {name}, wall / floor", figures["wall"] / floor["wall"], "x"))
        rows.append((f"{label}: {name}, client CPU", figures["cpu"], "s"))
        rows.append((f"{label}: {name}, server CPU", figures["server_cpu"], "s"))
        rows.append((f"{label}: {name}, server busy (server CPU / wall)", figures["server_cpu"] / figures["wall"], "x"))
        if figures["requests"]:
            rows.append((f"{label}: {name}, requests the server logged", figures["requests"], ""))
    rows.append((f"{label}: vdirsyncer start-up alone (--version), client CPU", _vdirsyncer_startup_cpu(), "s"))
    rows.append((f"{label}: client CPU app / vdirsyncer",
                 median["app, engine drain"]["cpu"] / median["vdirsyncer 0.21"]["cpu"], "x"))
    rows.append((f"{label}: client CPU app / floor",
                 median["app, engine drain"]["cpu"] / floor["cpu"], "x"))
    return rows


async def _measure(base: Path) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    for kind in SERVERS:
        rows += await _measure_on(kind.strip(), base)
    return rows


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    try:
        with tempfile.TemporaryDirectory(prefix="bizcal-bench-push-") as tmp:
            return asyncio.run(_measure(Path(tmp)))
    finally:
        keyring.set_keyring(previous_keyring)


if __name__ == "__main__":
    for row_name, value, unit in run():
        print(f"{row_name}: {value:.4g} {unit}")
