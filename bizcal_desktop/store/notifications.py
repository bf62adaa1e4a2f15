"""Hearing a team's changes as they are committed: PostgreSQL LISTEN on one dedicated connection.

Why it is shaped so: on a team's database another device's booking must show here within about a
second, and the device that holds the booking's calendar must write it at once (issue 19 item 5).
Polling the outbox every few seconds from every device would be slow and busy; PostgreSQL's
``LISTEN/NOTIFY`` delivers a committed change to every listener. The database itself sends them
(triggers, migration 0011), so every door is heard — this app, a CLI, another version — and only
once the change is committed. A payload names ids only (:func:`parse`), never a customer.

The listener is one psycopg 3 ``AsyncConnection`` in autocommit, apart from SQLAlchemy's pool (a
pooled connection is handed to other work, and LISTEN belongs to one session): it waits on the event
loop without a thread, so the tray's Qt loop (qasync) never blocks on it. On Windows qasync's loop is a proactor, which
psycopg's async mode cannot use: there the same listening runs in a thread of its own and hands what
it hears to the loop's thread (``call_soon_threadsafe``). A connection lost — the
laptop slept, the network went, the server restarted, an admin ended the session — is opened again
with a growing wait (1 s doubling to a minute), logged once per outage and never shown to the user:
the timers still sync meanwhile, and a listener that comes back says so (``connected(resumed=True)``)
so its user can catch up on what it missed. A silent half-open connection (after sleep) is found by
TCP keepalives and by a ``SELECT 1`` after each quiet half-minute.

Which device should act lives here too (:func:`written_here`): a job is written by the device that
holds its booking's calendar (:mod:`.ownership`), so only that device drains at once.
SQLite has one device and no server to listen to: :func:`feed_for` gives it no feed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import Booking, CalendarConnection, ConnectionStatus

log = logging.getLogger(__name__)

#: The channel the triggers of migration 0011 notify on.
CHANNEL = "bizcal_changes"
#: How the listening session is named in ``pg_stat_activity`` (an admin sees what it is).
APPLICATION_NAME = "BizCal live updates"
#: How often the listening thread (Windows) looks up from its wait to see whether it should stop.
THREAD_WAKE_SECONDS = 1.0


class ChangeKind(StrEnum):
    BOOKING = "b"  #: a booking row changed (made, moved, cancelled, followed a calendar)
    JOB = "j"  #: a job to do: queued, handed to a device, or due again
    DONE = "d"  #: a job finished (synced, or failed for good)


@dataclass(frozen=True)
class Change:
    """One committed change another device (or this one) made, as the database announced it."""

    kind: ChangeKind
    booking_id: int
    #: For a job: the device it was handed to; None = whichever device plans it first.
    device: str | None = None


def parse(payload: str) -> Change | None:
    """The change a notification's payload names; None for one this version does not know."""
    kind, _, rest = payload.partition(":")
    booking, _, device = rest.partition(":")
    if kind not in {k.value for k in ChangeKind} or not booking.isdigit():
        return None
    return Change(ChangeKind(kind), int(booking), device or None)


def conninfo(url: URL) -> str:
    """libpq's URI for the database SQLAlchemy reaches at ``url`` (password included: it is only used)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def written_here(s: Session, booking_ids: Iterable[int], device: str | None) -> set[int]:
    """Of ``booking_ids``, those whose staff member has a usable connection ``device`` holds."""
    wanted = set(booking_ids)
    if not wanted:
        return set()
    query = (
        select(Booking.id)
        .join(CalendarConnection, CalendarConnection.staff_id == Booking.staff_id)
        .where(Booking.id.in_(wanted), CalendarConnection.active.is_(True),
               CalendarConnection.status == ConnectionStatus.ACTIVE)
    )
    if device is not None:
        query = query.where(CalendarConnection.owner_device == device)
    return set(s.scalars(query.distinct()))


class ChangeFeed:
    """One LISTEN connection, opened again whenever it is lost; :meth:`run` until cancelled."""

    def __init__(
        self, url: str, *, first_retry: float = 1.0, retry_cap: float = 60.0, idle_check: float = 30.0,
        connect_timeout: int = 10, in_thread: bool | None = None,
    ) -> None:
        self._url = url
        self._first_retry = first_retry
        self._retry_cap = retry_cap
        self._idle_check = idle_check
        self._connect_timeout = connect_timeout
        #: Listen from a thread of its own (None: only where psycopg's async mode cannot run, Windows).
        self._in_thread = in_thread
        self._failures = 0
        self._ever_connected = False
        #: The server process of the listening session while connected (tests end it to see a reconnect).
        self.backend_pid: int | None = None

    async def run(self, heard: Callable[[Change], None], connected: Callable[[bool], None]) -> None:
        """Listen until cancelled: ``heard`` each change, ``connected(resumed)`` after each (re)connection."""
        import psycopg  # here, not at the top: 73 modules (~10 MiB) a SQLite start never needs

        self._failures, self._ever_connected = 0, False
        if self._needs_thread():
            await self._run_in_thread(heard, connected)
            return
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._url, **self._options()) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._now_connected(connection.info.backend_pid, connected)
                    while True:
                        async for notify in connection.notifies(timeout=self._idle_check):
                            self._pass_on(notify.payload, heard)
                        await connection.execute("SELECT 1")  # a quiet while: is the server still there?
            except (psycopg.Error, OSError) as exc:
                await asyncio.sleep(self._lost(exc))

    def _needs_thread(self) -> bool:
        if self._in_thread is not None:
            return self._in_thread
        proactor = getattr(asyncio, "ProactorEventLoop", ())  # Windows' loop, which qasync uses there
        return isinstance(asyncio.get_running_loop(), proactor)

    def _options(self) -> dict[str, object]:
        return {"autocommit": True, "application_name": APPLICATION_NAME, "connect_timeout": self._connect_timeout,
                "keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 5, "keepalives_count": 3}

    def _now_connected(self, backend_pid: int, connected: Callable[[bool], None]) -> None:
        self.backend_pid = backend_pid
        if self._failures:
            log.info("live updates from the team database are back")
        self._failures = 0
        connected(self._ever_connected)
        self._ever_connected = True

    @staticmethod
    def _pass_on(payload: str, heard: Callable[[Change], None]) -> None:
        change = parse(payload)
        if change is not None:
            heard(change)

    def _lost(self, exc: BaseException) -> float:
        """Log a lost (or refused) connection, once per outage; the seconds to wait before trying again."""
        self.backend_pid = None
        self._failures += 1
        wait = min(self._retry_cap, self._first_retry * 2 ** min(self._failures - 1, 16))
        said = f"{exc.__class__.__name__} {getattr(exc, 'sqlstate', None) or ''}".strip()
        (log.info if self._failures == 1 else log.debug)(
            "live updates from the team database paused (%s); trying again in %.0f s", said, wait)
        return wait

    # ----- Windows: psycopg's async mode needs a selector loop; qasync's is a proactor there ----------
    async def _run_in_thread(self, heard: Callable[[Change], None], connected: Callable[[bool], None]) -> None:
        """The same listening from a thread of its own; what it hears is handed to the loop's thread."""
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        ended: asyncio.Future[None] = loop.create_future()

        def post(callback: Callable[[Any], None], argument: Any) -> None:
            try:
                loop.call_soon_threadsafe(callback, argument)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                stop.set()

        def work() -> None:
            try:
                self._listen_blocking(stop, lambda change: post(heard, change), lambda r: post(connected, r))
            finally:
                post(lambda _: ended.done() or ended.set_result(None), None)

        threading.Thread(target=work, name="bizcal-live-updates", daemon=True).start()
        try:
            await ended
        finally:
            stop.set()

    def _listen_blocking(self, stop: threading.Event, heard: Callable[[Change], None],
                         connected: Callable[[bool], None]) -> None:
        import psycopg

        while not stop.is_set():
            try:
                with psycopg.connect(self._url, **self._options()) as connection:  # type: ignore[arg-type]
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._now_connected(connection.info.backend_pid, connected)
                    quiet = 0.0
                    while not stop.is_set():  # wakes every second to see whether it should stop
                        payloads = [n.payload for n in connection.notifies(timeout=THREAD_WAKE_SECONDS)]
                        for payload in payloads:
                            self._pass_on(payload, heard)
                        quiet = 0.0 if payloads else quiet + THREAD_WAKE_SECONDS
                        if quiet >= self._idle_check:
                            connection.execute("SELECT 1")
                            quiet = 0.0
            except (psycopg.Error, OSError) as exc:
                stop.wait(self._lost(exc))


def feed_for(db: Database, **options: float) -> ChangeFeed | None:
    """The change feed of a team's database; None for SQLite (one device: its timers suffice)."""
    if db.dialect != "postgresql":
        return None
    return ChangeFeed(conninfo(db.engine.url), **options)  # type: ignore[arg-type]
