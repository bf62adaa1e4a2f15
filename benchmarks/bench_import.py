"""Busy import from a real Radicale server: a full read, a no-op incremental read, and a bare baseline.

What is measured, and why this way
----------------------------------
* The import goes through the application's real path (``services.importer.import_all``: provider,
  parsing with local recurrence expansion, block diffing in SQLite, sync log), because that is
  what the hourly timer costs.
* Requests are counted twice: as the provider reports them (``BusyChanges.requests``, which the
  sync log shows) and on the wire, from the server's own request log. The two must agree, so the
  benchmark cannot flatter the request budget.
* The baseline is one plain ``calendar-query`` REPORT for the same window made with httpx and Basic
  auth sent up front (no parsing, no database): the least any client can pay to read the window.
  The ratio full-import / baseline is what our parsing, expansion and bookkeeping add on top.
* Radicale is CPU-bound and slows as a collection grows (see the CalDAV notes), so figures are only
  comparable at the same N; each figure is the best of a few runs, the least disturbed one.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import icalendar
import keyring
from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav.reports import calendar_query_body
from bizcal_desktop.services.bookings import local_midnight_utc
from bizcal_desktop.store.models import BusyBlock, CalendarConnection
from bizcal_desktop.wiring import build_services
from tests.fixtures.radicale import CalendarReader, RadicaleServer
from tests.support.memory_keyring import MemoryKeyring

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
WINDOW_DAYS = 60
EVENTS = 200
RECURRING_EVERY = 8  # every 8th event is a weekly series (25 of 200), a third of those with an EXDATE
OUTSIDE_EVERY = 10  # every 10th single event lies before or after the window
REPEATS = 5


class _LoggingRadicale(RadicaleServer):
    """The test fixture's server with Radicale's request log on, so requests can be counted on the wire."""

    def _write_config(self) -> None:
        super()._write_config()
        text = self._config_path.read_text(encoding="utf-8").replace("level = warning", "level = info")
        self._config_path.write_text(text, encoding="utf-8")

    def requests_logged(self) -> int:
        return self.log_text().count(" request for ")


def _event_text(index: int) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", f"bench-{index}@example.org")
    ev.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
    day = date(2026, 3, 23) + timedelta(days=index % WINDOW_DAYS)
    if index % OUTSIDE_EVERY == 5:
        day = day + timedelta(days=(WINDOW_DAYS + 30) * (1 if index % 20 == 5 else -1))
    start = datetime(day.year, day.month, day.day, 8 + index % 9, 15 * (index % 4), tzinfo=ZONE)
    ev.add("dtstart", start)
    ev.add("dtend", start + timedelta(minutes=30 + 15 * (index % 3)))
    ev.add("summary", f"Private {index}")
    if index % RECURRING_EVERY == 0:
        ev.add("rrule", {"FREQ": "WEEKLY", "COUNT": 20})
        if index % (3 * RECURRING_EVERY) == 0:
            ev.add("exdate", start + timedelta(weeks=2))
    cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def _fill(server: RadicaleServer, calendar_url: str) -> None:
    reader = CalendarReader(calendar_url, server.username, server.password)
    for index in range(EVENTS):
        response = reader.put(f"bench-{index}.ics", _event_text(index))
        if response.status_code not in (201, 204):
            raise RuntimeError(f"PUT answered {response.status_code}")


def _baseline_seconds(server: RadicaleServer, calendar_url: str, window: TimeRange) -> float:
    body = calendar_query_body(window).encode()
    best = float("inf")
    with httpx.Client(auth=(server.username, server.password), timeout=30) as client:
        for _ in range(REPEATS):
            started = time.perf_counter()
            response = client.request("REPORT", calendar_url, content=body,
                                      headers={"Depth": "1", "Content-Type": "application/xml"})
            response.read()
            best = min(best, time.perf_counter() - started)
            if response.status_code != 207:
                raise RuntimeError(f"calendar-query answered {response.status_code}")
    return best


def _set_cursor(services, value: str | None) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        for connection in s.scalars(select(CalendarConnection)):
            connection.sync_cursor = value


def _block_count(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return len(s.scalars(select(BusyBlock)).all())


async def _measure(server: _LoggingRadicale, calendar_url: str, data_dir: Path) -> list[tuple[str, float, str]]:
    services = build_services(Config.load(data_dir))
    try:
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.settings.update(booking_window_days=WINDOW_DAYS)
        await services.connections.connect_caldav(
            staff="Mark", provider_type="generic", url=server.url, username=server.username,
            password=server.password, calendar=calendar_url,
        )

        async def timed_import() -> tuple[float, int, int, bool]:
            wire_before = server.requests_logged()
            started = time.perf_counter()
            report = await services.importer.import_all(now=NOW)
            seconds = time.perf_counter() - started
            (result,) = report.connections
            if not result.ok:
                raise RuntimeError(result.message)
            return seconds, result.requests, server.requests_logged() - wire_before, result.full

        first_seconds, first_requests, first_wire, first_full = await timed_import()
        blocks = _block_count(services)
        full_runs = []
        for _ in range(REPEATS):
            _set_cursor(services, None)
            full_runs.append(await timed_import())
        noop_runs = [await timed_import() for _ in range(REPEATS)]
        if not first_full or not all(r[3] for r in full_runs) or any(r[3] for r in noop_runs):
            raise AssertionError("the full imports were not full or the no-op imports not incremental")
        if any(r[1] != r[2] for r in [(0, first_requests, first_wire, True), *full_runs, *noop_runs]):
            raise AssertionError("requests counted by the provider differ from the requests the server logged")
        if _block_count(services) != blocks:
            raise AssertionError("repeated imports changed the busy blocks of an unchanged calendar")
    finally:
        services.close()

    full_seconds = min(r[0] for r in full_runs)
    noop_seconds = min(r[0] for r in noop_runs)
    today = NOW.astimezone(ZONE).date()
    window = TimeRange(local_midnight_utc(today, "Europe/Berlin"),
                       local_midnight_utc(today + timedelta(days=WINDOW_DAYS + 1), "Europe/Berlin"))
    baseline = _baseline_seconds(server, calendar_url, window)
    label = f"import {EVENTS} events ({EVENTS // RECURRING_EVERY} weekly series) → {blocks} blocks"
    return [
        (f"{label}: first full import (writes blocks)", first_seconds, "s"),
        (f"{label}: first full import requests", float(first_requests), "requests"),
        (f"{label}: full import (best of {REPEATS})", full_seconds, "s"),
        (f"{label}: full import requests", float(full_runs[0][1]), "requests"),
        (f"{label}: no-op incremental import (best of {REPEATS})", noop_seconds, "s"),
        (f"{label}: no-op incremental import requests", float(noop_runs[0][1]), "requests"),
        (f"{label}: full / no-op time", full_seconds / noop_seconds, "x"),
        (f"{label}: bare httpx calendar-query (best of {REPEATS})", baseline, "s"),
        (f"{label}: full import / bare calendar-query", full_seconds / baseline, "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        base = Path(tmp)
        server = _LoggingRadicale(base / "radicale")
        server.start()
        try:
            calendar_url = server.make_calendar("bench", "Bench")
            _fill(server, calendar_url)
            return asyncio.run(_measure(server, calendar_url, base / "data"))
        finally:
            server.stop()
            keyring.set_keyring(previous_keyring)


if __name__ == "__main__":
    os.environ.setdefault("BIZCAL_REQUEST_TIMEOUT", "30")
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
