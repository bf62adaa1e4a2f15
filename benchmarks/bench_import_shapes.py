"""Busy import of a calendar of the slower shapes: endless and UNTIL series, monthly rules, EXDATEs, overrides.

What is measured, and why this way
----------------------------------
``bench_import``'s calendar (singles, weekly series with a COUNT) is the plainest shape; calendars that
people keep for years hold other shapes, which the lean reading (``providers/caldav/ical_lean.py``)
did not read at first and ``icalendar`` with ``recurring-ical-events`` (about 1 ms a resource) did.
This calendar holds ``BIZCAL_BENCH_IMPORT_N`` events (5,000 by default), one sixth of each shape:

* a weekly series without end (two weekdays, started last year),
* a weekly series with an UNTIL (in UTC, as RFC 5545 requires for a zoned start),
* a monthly series on a day of the month (BYMONTHDAY), endless,
* a monthly series on the second Tuesday (BYDAY=2TU), endless,
* an endless weekly series with two EXDATEs (one in the event's zone, one in UTC),
* a weekly series with a COUNT and two overrides (RECURRENCE-ID: one moved, one cancelled),

in Europe/Berlin, America/New_York and Australia/Sydney by turns (VTIMEZONEs written in, as apps do).
Everything else is ``bench_import``'s method: the application's real import
(``services.importer.import_all``) of the events written into Radicale's storage, beside a bare httpx
``calendar-query`` REPORT of the same window taken in the same loop (interleaved, medians), and their
ratio. Radicale tests every item against the REPORT's time range itself, expanding each series
to do so, so the bare REPORT of this calendar costs the server many times what ``bench_import``'s
does, and the ratio mostly shows the server: the client's own share is printed too (import minus
the bare REPORT), and so is the reading of the resources alone, in process, with the lean reading
and with the full path (``recurring-ical-events``), interleaved, on every fifth resource (all six
shapes), as a per-resource time and a ratio.
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

import icalendar
import keyring

from benchmarks.bench_import import NOW, WINDOW_DAYS, _bare_seconds, _block_count, _set_cursor, _window
from bizcal_desktop.config import Config
from bizcal_desktop.providers.caldav import ical_busy
from bizcal_desktop.providers.caldav.reports import calendar_query_body
from bizcal_desktop.wiring import build_services
from tests.fixtures.request_log import LoggingRadicale
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

EVENTS = int(os.environ.get("BIZCAL_BENCH_IMPORT_N", "5000"))
REPEATS = int(os.environ.get("BIZCAL_BENCH_REPEATS", "3"))
ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")]
SHAPES = ("endless weekly", "weekly UNTIL", "monthly BYMONTHDAY", "monthly 2TU", "weekly EXDATEs",
          "weekly with overrides")


def _base_event(index: int, start: datetime, length: timedelta) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", f"shape-{index}@example.org")
    ev.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
    ev.add("dtstart", start)
    ev.add("dtend", start + length)
    ev.add("summary", f"Private {index}")
    return ev


def _event_text(index: int) -> str:
    """One resource of shape ``index % 6`` (see the module's docstring)."""
    zone = ZONES[(index // len(SHAPES)) % len(ZONES)]
    shape = index % len(SHAPES)
    day = date(2025, 9, 1) + timedelta(days=index % 200)  # series started in the past half-year
    start = datetime(day.year, day.month, day.day, 8 + index % 9, 15 * (index % 4), tzinfo=zone)
    length = timedelta(minutes=30 + 15 * (index % 3))
    ev = _base_event(index, start, length)
    components = [ev]
    if shape == 0:
        ev.add("rrule", {"FREQ": "WEEKLY", "BYDAY": ["MO", "TH"]})
    elif shape == 1:
        ev.add("rrule", {"FREQ": "WEEKLY", "UNTIL": datetime(2026, 4, 1, 23, 0, tzinfo=UTC) + timedelta(days=index % 40)})
    elif shape == 2:
        ev.add("rrule", {"FREQ": "MONTHLY", "BYMONTHDAY": [1 + index % 28]})
    elif shape == 3:
        ev.add("rrule", {"FREQ": "MONTHLY", "BYDAY": ["2TU"]})
    elif shape == 4:
        ev.add("rrule", {"FREQ": "WEEKLY", "INTERVAL": 1 + index % 2})
        ev.add("exdate", start + timedelta(weeks=30))
        ev.add("exdate", (start + timedelta(weeks=32)).astimezone(UTC))
    else:
        start = start.replace(year=2026, month=3, day=23) + timedelta(days=index % 7)
        ev = _base_event(index, start, length)
        ev.add("rrule", {"FREQ": "WEEKLY", "COUNT": 10})
        moved = _base_event(index, start + timedelta(weeks=2, hours=2), length)
        moved.add("recurrence-id", start + timedelta(weeks=2))
        cancelled = _base_event(index, start + timedelta(weeks=4), length)
        cancelled.add("recurrence-id", start + timedelta(weeks=4))
        cancelled.add("status", "CANCELLED")
        components = [ev, moved, cancelled]
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench shapes//EN")
    cal.add("version", "2.0")
    for component in components:
        cal.add_component(component)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def _fill(server: LoggingRadicale, calendar_url: str) -> None:
    folder = server.storage_dir / "collection-root" / urlsplit(calendar_url).path.strip("/")
    for index in range(EVENTS):
        (folder / f"shape-{index}.ics").write_text(_event_text(index), encoding="utf-8", newline="")
    _bare_seconds(server, calendar_url, "REPORT", calendar_query_body(_window()), "1")  # Radicale's cache


async def _measure(server: LoggingRadicale, calendar_url: str, data_dir: Path) -> list[tuple[str, float, str]]:
    services = build_services(Config.load(data_dir))
    try:
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.settings.update(booking_window_days=WINDOW_DAYS)
        seed_connection(services, staff="Mark", provider="caldav", provider_type="generic",
                        display_name="Bench Radicale", server_url=server.url, username=server.username,
                        calendar_id=calendar_url, calendar_href=calendar_url, calendar_name="Shapes",
                        secret=server.password)

        async def timed_import() -> float:
            started = time.perf_counter()
            report = await services.importer.import_all(now=NOW)
            seconds = time.perf_counter() - started
            (result,) = report.connections
            if not result.ok or not result.full:
                raise RuntimeError(result.message or "the import was not a full one")
            return seconds

        query = calendar_query_body(_window())
        first_base = _bare_seconds(server, calendar_url, "REPORT", query, "1")
        first = await timed_import()
        blocks = _block_count(services)
        runs, bases = [], []
        for _ in range(REPEATS):
            bases.append(_bare_seconds(server, calendar_url, "REPORT", query, "1"))
            _set_cursor(services, None)
            runs.append(await timed_import())
        if _block_count(services) != blocks:
            raise AssertionError("repeated imports changed the busy blocks of an unchanged calendar")
    finally:
        services.close()
    full, base = statistics.median(runs), statistics.median(bases)
    label = f"import {EVENTS} series of 6 slower shapes → {blocks} blocks"
    return [
        (f"{label}: first full import (writes blocks)", first, "s"),
        (f"{label}: first full import / bare calendar-query", first / first_base, "x"),
        (f"{label}: full import (median of {REPEATS}, interleaved)", full, "s"),
        (f"{label}: bare httpx calendar-query (same loop)", base, "s"),
        (f"{label}: full import / bare calendar-query", full / base, "x"),
        (f"{label}: the client's share (full import - bare calendar-query)", full - base, "s"),
    ]


def _reading_rows() -> list[tuple[str, float, str]]:
    """Reading the resources in process: the import's way (lean where it can) vs the full path, interleaved."""
    texts = [_event_text(index) for index in range(0, EVENTS, 5)]
    window, zone = _window(), ZONES[0]
    lean_runs, full_runs = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        lean = [ical_busy.busy_from_ical(text, window, zone) for text in texts]
        lean_runs.append((time.perf_counter() - started) / len(texts))
        real_lean = ical_busy.lean_busy
        ical_busy.lean_busy = lambda *args: None  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            full = [ical_busy.busy_from_ical(text, window, zone) for text in texts]
            full_runs.append((time.perf_counter() - started) / len(texts))
        finally:
            ical_busy.lean_busy = real_lean
        if lean != full:
            raise AssertionError("the lean reading and the full path disagree on this calendar")
    lean_time, full_time = statistics.median(lean_runs), statistics.median(full_runs)
    label = f"read {len(texts)} resources of the 6 shapes in process"
    return [
        (f"{label}: as the import does (lean where it can), per resource", lean_time, "s"),
        (f"{label}: full path (icalendar + recurring-ical-events), per resource", full_time, "s"),
        (f"{label}: import's reading / full path", lean_time / full_time, "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    previous_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())  # the benchmark must not write into the real keychain
    with tempfile.TemporaryDirectory(prefix="bench-import-shapes-") as tmp:
        base = Path(tmp)
        server = LoggingRadicale(base / "radicale")
        server.start()
        try:
            calendar_url = server.make_calendar("shapes", "Shapes")
            _fill(server, calendar_url)
            rows = asyncio.run(_measure(server, calendar_url, base / "data"))
        finally:
            server.stop()
            keyring.set_keyring(previous_keyring)
    return rows + _reading_rows()


if __name__ == "__main__":
    os.environ.setdefault("BIZCAL_REQUEST_TIMEOUT", "30")
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
