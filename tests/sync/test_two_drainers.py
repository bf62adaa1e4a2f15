"""The tray and a CLI drain one outbox at the same time: every version is written once, the newest wins.

Two engines with their own database connections (as two processes have) share one Radicale calendar;
a counting wrapper around the real providers records every write. Without claims both engines took
the same jobs and wrote the same version twice. It runs on both engines: on a team's PostgreSQL the
two engines are two devices, claiming with ``FOR UPDATE SKIP LOCKED`` and a lease.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.providers.base import CalendarProvider, EventRef, EventSpec
from bizcal_desktop.store.database import Database
from bizcal_desktop.sync.engine import SyncEngine
from tests.sync.test_engine_caldav import connect, mark  # noqa: F401 - the fixture is used by name

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def services(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The application's services on SQLite (the data folder's file) or on a fresh PostgreSQL database."""
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    for name, value in (("BACKOFF_BASE", "0.01"), ("BACKOFF_CAP", "0.05"), ("MAX_ATTEMPTS", "3"),
                        ("REQUEST_TIMEOUT", "5")):
        monkeypatch.setenv(f"BIZCAL_{name}", value)
    team_url = database_url if database_url.startswith("postgresql") else None
    built = build_services(Config.load(tmp_path / "data", team_url))
    yield built
    built.close()


class CountingProvider:
    """Delegates to a real provider and counts each (event, version) written."""

    def __init__(self, inner: CalendarProvider, writes: Counter[tuple[str, int]]) -> None:
        self._inner = inner
        self._writes = writes

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        self._writes[(spec.booking_public_id, spec.sequence)] += 1
        return await self._inner.upsert_event(spec, known)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._inner, name)


class CountingFactory:
    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self._inner = inner
        self.writes: Counter[tuple[str, int]] = Counter()

    def build(self, info):  # type: ignore[no-untyped-def]
        return CountingProvider(self._inner.build(info), self.writes)


async def test_two_engines_never_write_one_version_twice(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    await connect(services, caldav_calendar.server, caldav_calendar.url)
    factory = CountingFactory(services.providers)
    backoff = services.engine._backoff
    tray = SyncEngine(services.db, factory, backoff, concurrency=4)
    cli_db = Database(services.db.path, url=services.config.database_url)
    cli = SyncEngine(cli_db, factory, backoff, concurrency=4)
    try:
        bookings = [
            services.bookings.add("Mark", "Massage", f"Customer {n}", f"2026-12-{1 + n % 20:02d}T{9 + n % 8:02d}:00")
            for n in range(20)
        ]
        first = await asyncio.gather(tray.drain(), cli.drain())
        assert sum(r.synced for r in first) == 20
        for booking in bookings[:10]:
            services.bookings.move(booking.id, booking.start.astimezone(BERLIN).replace(hour=18, tzinfo=None).isoformat())
        second = await asyncio.gather(cli.drain(), tray.drain())
        assert sum(r.synced for r in second) == 10
    finally:
        cli_db.dispose()

    twice = {key: n for key, n in factory.writes.items() if n > 1}
    assert twice == {}, f"written more than once: {twice}"
    assert len(factory.writes) == 30
    events = caldav_calendar.reader().events()
    assert len(events) == 20
    starts = {str(e.get("UID")).split("@")[0]: e.decoded("DTSTART") for e in events}
    for booking in bookings[:10]:
        assert starts[booking.public_id].astimezone(BERLIN).hour == 18
    assert all(b.sync_state == "synced" for b in services.bookings.list())
