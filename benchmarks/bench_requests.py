"""Requests per change and per no-op import, and booking → event latency, on Radicale with its stock auth delay.

What is measured, and why this way
----------------------------------
* Requests are counted by the server (Radicale's own request log, :mod:`tests.fixtures.request_log`),
  so a 401 challenge answered inside an HTTP library is counted too.
* The server runs with Radicale's stock ``[auth] delay = 1``: it holds every 401 for 0.5-1.5 s. The
  test fixture turns that off, which hid what a challenge costs a user.
* Latency is a booking made with ``BookingService.add`` until one ``SyncEngine.drain`` has written it
  (a new drain builds a new provider, as the app's next drain does); the baseline is one plain
  ``PUT`` of an event with Basic auth sent up front. p50 and p95 of the repetitions.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import keyring

from tests.fixtures.request_log import LoggingRadicale
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

ROUNDS = 20


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _raw_put_seconds(server: LoggingRadicale, calendar: str) -> list[float]:
    seconds = []
    with httpx.Client(auth=httpx.BasicAuth(server.username, server.password), timeout=30) as client:
        for _ in range(ROUNDS):
            body = _sample_body()  # a new UID each time: Radicale refuses a UID twice in a calendar
            started = time.perf_counter()
            response = client.put(f"{calendar}{uuid.uuid4().hex}.ics", content=body.encode(),
                                  headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
            seconds.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"PUT answered {response.status_code}")
    return seconds


async def _measure(server: LoggingRadicale, data_dir: Path) -> list[tuple[str, float, str]]:
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    calendar = server.make_calendar("bench", "Bench")
    services = await asyncio.to_thread(build_services, Config.load(data_dir))
    try:
        staff = services.directory.add_staff("Mark", "Europe/Berlin")
        service = services.directory.add_service("Massage", 60)
        seed_connection(services, staff=staff.id, provider="caldav", provider_type="generic",
                        display_name="Bench Radicale", server_url=server.url, username=server.username,
                        calendar_id=calendar, calendar_href=calendar, calendar_name="Bench", secret=server.password)
        services.settings.update(booking_window_days=60)
        day = (datetime.now(UTC) + timedelta(days=3)).date()
        latencies = []
        booking_ids = []
        for i in range(ROUNDS):
            started = time.perf_counter()
            # Ten one-hour bookings a day, one day after another: the database refuses overlapping ones.
            on = day + timedelta(days=i // 10)
            view = services.bookings.add(staff.id, service.id, f"Customer {i}", f"{on.isoformat()}T{8 + i % 10:02d}:00")
            report = await services.engine.drain()
            latencies.append(time.perf_counter() - started)
            booking_ids.append(view.id)
            if report.synced != 1:
                raise RuntimeError(f"the drain wrote {report.synced} events")
        mark = server.requests_logged()
        free = day + timedelta(days=(ROUNDS - 1) // 10 + 1)  # the day after the last booked one
        services.bookings.move(booking_ids[0], f"{free.isoformat()}T09:00")
        await services.engine.drain()
        move_requests = server.requests_logged() - mark
        await services.importer.import_all()  # full: token + calendar-query
        mark = server.requests_logged()
        report = await services.importer.import_all()
        noop_requests = server.requests_logged() - mark
        (result,) = report.connections
        if result.full or not result.ok:
            raise RuntimeError("the second import was not a working incremental one")
    finally:
        services.close()
    raw = _raw_put_seconds(server, calendar)
    label = "Radicale with stock auth delay"
    return [
        (f"{label}: requests for one moved booking (server log)", float(move_requests), "requests"),
        (f"{label}: requests for a no-op incremental import (server log)", float(noop_requests), "requests"),
        (f"{label}: booking → event p50 ({ROUNDS} bookings, one drain each)", statistics.median(latencies), "s"),
        (f"{label}: booking → event p95", _p95(latencies), "s"),
        (f"{label}: baseline, one plain PUT p50", statistics.median(raw), "s"),
        (f"{label}: baseline, one plain PUT p95", _p95(raw), "s"),
        (f"{label}: booking → event p95 / plain PUT p95", _p95(latencies) / _p95(raw), "x"),
    ]


def _sample_body() -> str:
    from bizcal_desktop.providers.base import EventSpec
    from bizcal_desktop.providers.caldav.ical_event import build_ics

    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    return build_ics(EventSpec(booking_public_id=uuid.uuid4().hex, summary="Massage - Customer", description=None,
                               start=start, end=start + timedelta(hours=1), timezone="Europe/Berlin", sequence=0))


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    try:
        with tempfile.TemporaryDirectory(prefix="bizcal-bench-requests-") as tmp:
            server = LoggingRadicale(Path(tmp) / "radicale", auth_delay=1)  # Radicale's stock default
            server.start()
            try:
                return asyncio.run(_measure(server, Path(tmp) / "data"))
            finally:
                server.stop()
    finally:
        keyring.set_keyring(previous_keyring)


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
