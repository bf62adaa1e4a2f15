"""Busy import from a real Radicale server: a full read, a no-op incremental read, and a bare baseline.

What is measured, and why this way
----------------------------------
* The import goes through the application's real path (``services.importer.import_all``: provider,
  parsing with local recurrence expansion, block diffing in SQLite, sync log), because that is
  what the hourly timer costs.
* Requests are counted twice: as the provider reports them (``BusyChanges.requests``, which the
  sync log shows) and on the wire, from the server's own request log. The two must agree, so the
  benchmark cannot flatter the request budget.
* Baselines, each taken in the same loop as the figure it divides (interleaved repetitions, medians):
  one plain ``calendar-query`` REPORT for the same window made with httpx and Basic auth sent up
  front (no parsing, no database) - the least any client can pay to read the window - beside the
  full import; one plain ``sync-collection`` REPORT from the current token beside the no-op
  incremental import.
* The calendar holds ``BIZCAL_BENCH_IMPORT_N`` events (5,000 by default, a quarter of them weekly
  series). They are written into Radicale's storage folder directly (PUTting 5,000 events one by
  one costs minutes, the server slowing as the collection grows); one warm-up REPORT lets Radicale
  build its item cache before anything is timed.
* Radicale is CPU-bound and slows as a collection grows (see the CalDAV notes), so figures are only
  comparable at the same N.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import keyring
from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav.reports import (
    calendar_query_body,
    sync_collection_body,
    sync_token_propfind_body,
)
from bizcal_desktop.providers.cursor import WindowCursor
from bizcal_desktop.store.models import BusyBlock, CalendarConnection
from bizcal_desktop.wiring import build_services
from tests.fixtures.request_log import LoggingRadicale
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
WINDOW_DAYS = 60
EVENTS = int(os.environ.get("BIZCAL_BENCH_IMPORT_N", "5000"))
RECURRING_EVERY = 4  # every 4th event is a weekly series (a quarter), a third of those with an EXDATE
OUTSIDE_EVERY = 10  # every 10th single event lies before or after the window
REPEATS = int(os.environ.get("BIZCAL_BENCH_REPEATS", "3"))
FIRST_DAY = NOW.date()  # the tray's RSS benchmark places the same events from today on


def _event_text(index: int, first_day: date = FIRST_DAY) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", f"bench-{index}@example.org")
    ev.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
    day = first_day + timedelta(days=index % WINDOW_DAYS)
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


def _fill(server: LoggingRadicale, calendar_url: str) -> None:
    """Write the events into the collection's folder, then let Radicale read them once (its cache)."""
    folder = server.storage_dir / "collection-root" / urlsplit(calendar_url).path.strip("/")
    for index in range(EVENTS):
        (folder / f"bench-{index}.ics").write_text(_event_text(index), encoding="utf-8", newline="")
    _bare_seconds(server, calendar_url, "REPORT", calendar_query_body(_window()), "1")
    _bare_seconds(server, calendar_url, "PROPFIND", sync_token_propfind_body(), "0")  # its sync history


def _window() -> TimeRange:
    today = NOW.astimezone(ZONE).date()
    return TimeRange(local_midnight_utc(today, "Europe/Berlin"),
                     local_midnight_utc(today + timedelta(days=WINDOW_DAYS + 1), "Europe/Berlin"))


def _bare_seconds(server: LoggingRadicale, calendar_url: str, method: str, body: str, depth: str) -> float:
    """One plain request with httpx (Basic auth up front), the whole answer read, nothing parsed."""
    with httpx.Client(auth=(server.username, server.password), timeout=120) as client:
        started = time.perf_counter()
        response = client.request(method, calendar_url, content=body.encode(),
                                  headers={"Depth": depth, "Content-Type": "application/xml"})
        response.read()
        seconds = time.perf_counter() - started
    if response.status_code != 207:
        raise RuntimeError(f"{method} answered {response.status_code}")
    return seconds


def _token(services) -> str:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        (connection,) = s.scalars(select(CalendarConnection)).all()
        cursor = WindowCursor.decode(connection.sync_cursor)
    assert cursor is not None
    (token,) = cursor.tokens.values()
    assert token is not None
    return token


def _set_cursor(services, value: str | None) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        for connection in s.scalars(select(CalendarConnection)):
            connection.sync_cursor = value


def _block_count(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return len(s.scalars(select(BusyBlock)).all())


async def _measure(server: LoggingRadicale, calendar_url: str, data_dir: Path) -> list[tuple[str, float, str]]:
    services = build_services(Config.load(data_dir))
    try:
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.settings.update(booking_window_days=WINDOW_DAYS)
        seed_connection(services, staff="Mark", provider="caldav", provider_type="generic",
                        display_name="Bench Radicale", server_url=server.url, username=server.username,
                        calendar_id=calendar_url, calendar_href=calendar_url, calendar_name="Bench",
                        secret=server.password)

        async def timed_import() -> tuple[float, int, int, bool]:
            wire_before = server.requests_logged()
            started = time.perf_counter()
            report = await services.importer.import_all(now=NOW)
            seconds = time.perf_counter() - started
            (result,) = report.connections
            if not result.ok:
                raise RuntimeError(result.message)
            return seconds, result.requests, server.requests_logged() - wire_before, result.full

        query = calendar_query_body(_window())
        first_baseline = _bare_seconds(server, calendar_url, "REPORT", query, "1")
        first = await timed_import()
        blocks = _block_count(services)
        full_runs, full_bases, noop_runs, noop_bases = [], [], [], []
        for _ in range(REPEATS):
            full_bases.append(_bare_seconds(server, calendar_url, "REPORT", query, "1"))
            _set_cursor(services, None)
            full_runs.append(await timed_import())
            noop_bases.append(_bare_seconds(server, calendar_url, "REPORT", sync_collection_body(_token(services)), "0"))
            noop_runs.append(await timed_import())
        if not first[3] or not all(r[3] for r in full_runs) or any(r[3] for r in noop_runs):
            raise AssertionError("the full imports were not full or the no-op imports not incremental")
        if any(r[1] != r[2] for r in [first, *full_runs, *noop_runs]):
            raise AssertionError("requests counted by the provider differ from the requests the server logged")
        if _block_count(services) != blocks:
            raise AssertionError("repeated imports changed the busy blocks of an unchanged calendar")
    finally:
        services.close()

    full, full_base = statistics.median(r[0] for r in full_runs), statistics.median(full_bases)
    noop, noop_base = statistics.median(r[0] for r in noop_runs), statistics.median(noop_bases)
    label = f"import {EVENTS} events ({EVENTS // RECURRING_EVERY} weekly series) → {blocks} blocks"
    return [
        (f"{label}: first full import (writes blocks)", first[0], "s"),
        (f"{label}: first full import / bare calendar-query", first[0] / first_baseline, "x"),
        (f"{label}: full import (median of {REPEATS}, interleaved)", full, "s"),
        (f"{label}: bare httpx calendar-query (same loop)", full_base, "s"),
        (f"{label}: full import / bare calendar-query", full / full_base, "x"),
        (f"{label}: full import requests", float(full_runs[0][1]), "requests"),
        (f"{label}: no-op incremental import (median of {REPEATS})", noop, "s"),
        (f"{label}: bare httpx sync-collection (same loop)", noop_base, "s"),
        (f"{label}: no-op incremental / bare sync-collection", noop / noop_base, "x"),
        (f"{label}: no-op incremental import requests", float(noop_runs[0][1]), "requests"),
    ]


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        base = Path(tmp)
        server = LoggingRadicale(base / "radicale")
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
