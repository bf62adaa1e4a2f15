"""Availability import: busy events of every connected calendar become BusyBlock rows.

Why it is shaped like this
--------------------------
* Every active connection with ``import_busy`` on is read, not only the default one: the dentist
  appointment may live in any of the practitioner's calendars. A paused one is not read; its
  blocks are kept and still count until it is resumed (``store.connections.reading_busy``). On a
  team's shared database a device reads only the connections whose secret it holds (``device``);
  the others' busy times come from their own devices, through the same table.
* The window is today (local midnight in the staff zone) through the end of the booking window; blocks
  that ended before the window are dropped, so the table never grows without bound.
* Providers report *sources* (a CalDAV resource, a Google event) with their busy intervals; the
  importer replaces a source's rows only when its intervals changed, so an unchanged import writes
  nothing and a block keeps its id (and its "conflict already reported" flag) across imports.
* A failing connection is logged and skipped; the others go on. Its existing blocks are kept (stale
  but safer than treating an unreachable calendar as free) and the failure is visible in the log.
  A calendar the server says is *gone* (``NotFoundError``: deleted, or no longer shared) is more than
  a failed read: the connection is taken out of use as *calendar missing*, exactly as the engine and
  the daily calendar check do, so the user is told at the next import rather than at the next write
  or the next day, and new bookings go to the staff member's other calendar meanwhile.
* Our own booking events are never busy blocks (a booking must not count twice), but when one was
  moved in the calendar (an assistant drags it in Outlook or on a phone), the booking follows it:
  two-way sync by change signals (the rules are in :mod:`~bizcal_desktop.sync.moves_back`: only a
  real move counts, and a local change always wins).
* An event a provider could not read in full (a recurrence rule it cannot expand) blocks what could
  be read, and the import's log row says how many were skipped and why - with the event's title only
  when the user keeps busy titles.
* A busy block that overlaps a confirmed booking means the practitioner is already double-booked:
  it is logged once (``conflict``) and told to listeners, which the tray turns into a notification.
* Right before a booking, :meth:`AvailabilityImporter.refresh_staff` reads one staff member's
  calendars again (incremental while the periodic import keeps the cursors of today's window: one
  request per calendar when nothing changed, plus CalDAV's auth challenge). Somebody is waiting, so the whole read - waiting for an import already
  under way included - is bounded by the request timeout; a calendar that does not answer in time
  is a failed line of the report, keeps its blocks, and says when they were last read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import BizCalError, NotFoundError, internal_error_sentence
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.providers.base import BusyChanges, BusyInterval, ConnectionInfo
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.connections import connection_info, importing_busy, needs_attention, reading_busy
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.directory import staff_row
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    BusyBlock,
    CalendarConnection,
    ConnectionStatus,
    Outcome,
    Staff,
    SyncAction,
)
from bizcal_desktop.store.ownership import owned_by
from bizcal_desktop.store.settings import SettingsStore
from bizcal_desktop.store.types import utcnow
from bizcal_desktop.sync.import_log import import_message, not_reached_message
from bizcal_desktop.sync.listeners import Listeners
from bizcal_desktop.sync.moves_back import follow_moved_events

log = logging.getLogger(__name__)

#: Why :meth:`AvailabilityImporter.refresh_staff` reads (its sync-log rows say so).
BEFORE_BOOKING = "checked before booking"


@dataclass(frozen=True)
class ConflictEvent:
    """A confirmed booking overlaps a busy time imported from a calendar."""

    booking_id: int
    connection_id: int
    staff_name: str
    message: str


@dataclass
class ConnectionImport:
    connection_id: int
    connection_name: str
    ok: bool = True
    added: int = 0
    changed: int = 0
    removed: int = 0
    #: Bookings moved because their event was moved in the calendar.
    moved_bookings: int = 0
    requests: int = 0
    seconds: float = 0.0
    full: bool = True
    message: str = ""
    #: Why this read ran, when not the periodic import (shown in the sync log).
    reason: str = ""
    #: When the busy times now stored for this calendar were read (UTC); None if never.
    as_of: datetime | None = None
    #: One sentence per event the provider could not read in full (titles only if kept).
    skipped: list[str] = field(default_factory=list)
    #: The server said the calendar itself is gone: the connection is taken out of use.
    calendar_gone: bool = False


@dataclass
class ImportReport:
    connections: list[ConnectionImport] = field(default_factory=list)
    conflicts: list[ConflictEvent] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.connections if not c.ok)


@dataclass(frozen=True)
class _Target:
    info: ConnectionInfo
    name: str
    staff_id: int
    window: TimeRange
    cursor: str | None
    last_import_at: datetime | None


class AvailabilityImporter:
    """Reads busy times from every connected calendar into the store."""

    def __init__(
        self, db: Database, factory: ProviderSource, settings: SettingsStore, concurrency: int = 4,
        actor: str = "importer", request_timeout: float = 20.0, device: str | None = None,
    ) -> None:
        self._db = db
        self._factory = factory
        self._settings = settings
        self._concurrency = max(1, concurrency)
        self._actor = actor
        self._request_timeout = request_timeout
        self._device = device  #: only this device's connections are read (None: every one)
        self._lock = asyncio.Lock()
        self.listeners: Listeners[ConflictEvent] = Listeners("conflict")

    async def import_all(self, staff: str | int | None = None, now: datetime | None = None) -> ImportReport:
        """Import every eligible connection (of one staff member, if given); never raises for one."""
        return await self._import(staff, now or datetime.now(UTC), "", None)

    async def refresh_staff(self, staff: str | int, now: datetime | None = None) -> ImportReport:
        """Read one staff member's calendars again before a booking, within the request timeout.

        Never raises for a calendar: one that could not be read in time (or at all) is a line of the
        report with ``ok`` False, its reason, and ``as_of`` (when its stored busy times were read).
        """
        deadline = asyncio.get_running_loop().time() + self._request_timeout
        return await self._import(staff, now or datetime.now(UTC), BEFORE_BOOKING, deadline)

    async def _import(self, staff: str | int | None, now: datetime, reason: str,
                      deadline: float | None) -> ImportReport:
        try:
            async with asyncio.timeout_at(deadline):
                await self._lock.acquire()
        except TimeoutError:
            return await asyncio.to_thread(self._not_reached, staff, now, reason)
        try:
            targets = await asyncio.to_thread(self._targets, staff, now)
            semaphore = asyncio.Semaphore(self._concurrency)

            async def run(target: _Target) -> ConnectionImport:
                async with semaphore:
                    return await self._import_one(target, reason, deadline)

            report = ImportReport(list(await asyncio.gather(*(run(t) for t in targets))))
            staff_ids = {t.staff_id for t in targets}
            report.conflicts = await asyncio.to_thread(self._find_conflicts, staff_ids, now)
        finally:
            self._lock.release()
        for conflict in report.conflicts:
            self.listeners.notify(conflict)
        return report

    # ----- one connection -----------------------------------------------------------------------
    async def _import_one(self, target: _Target, reason: str, deadline: float | None) -> ConnectionImport:
        result = ConnectionImport(target.info.id, target.name, reason=reason, as_of=target.last_import_at)
        started = time.perf_counter()
        fetched_at = utcnow()
        try:
            async with asyncio.timeout_at(deadline):
                provider = await asyncio.to_thread(self._factory.build, target.info)
                async with provider:
                    changes = await provider.fetch_busy(target.window, target.cursor)  # refused cursor: full
            result.requests = changes.requests
            result.full = changes.full
            await asyncio.to_thread(self._apply, target, changes, result)
            result.moved_bookings = await asyncio.to_thread(
                follow_moved_events, self._db, target.info.id, target.name, changes, fetched_at)
            result.as_of = fetched_at
        except BizCalError as exc:
            result.ok = False
            result.message = str(exc)
            result.calendar_gone = isinstance(exc, NotFoundError)
        except TimeoutError:
            result.ok = False
            result.message = f"no answer within {self._request_timeout:g} seconds"
        except Exception as exc:  # noqa: BLE001 - one broken calendar must not stop the others
            log_unexpected(log, f"import of connection {target.info.id} failed", exc)
            result.ok = False
            result.message = internal_error_sentence(exc, "reading this calendar")
        result.seconds = time.perf_counter() - started
        await asyncio.to_thread(self._log_result, target, result)
        return result

    # ----- database steps (worker threads) ------------------------------------------------------
    def _targets(self, staff: str | int | None, now: datetime) -> list[_Target]:
        window_days = self._settings.get().booking_window_days
        with self._db.session() as s:
            query = (
                select(CalendarConnection)
                .join(Staff)
                .where(*reading_busy(), *owned_by(self._device))
                .order_by(CalendarConnection.id)
            )
            if staff is not None:
                query = query.where(CalendarConnection.staff_id == staff_row(s, staff).id)
            targets = []
            for c in s.scalars(query):
                today = now.astimezone(ZoneInfo(c.staff.timezone)).date()
                start = local_midnight_utc(today, c.staff.timezone)
                end = local_midnight_utc(today + timedelta(days=window_days + 1), c.staff.timezone)
                targets.append(_Target(connection_info(c), c.display_name, c.staff_id, TimeRange(start, end),
                                       c.sync_cursor, c.last_import_at))
            return targets

    def _apply(self, target: _Target, changes: BusyChanges, result: ConnectionImport) -> None:
        keep_titles = self._settings.get().keep_busy_titles
        result.skipped = [item.describe(keep_titles) for item in changes.skipped]
        window = target.window
        with self._db.session() as s:
            # A full read may leave any source stale, so all blocks are compared; an incremental one
            # touches only the sources it names (none at all when nothing changed).
            query = select(BusyBlock).where(BusyBlock.connection_id == target.info.id)
            if not changes.full:
                named = list(set(changes.upserts) | set(changes.removed))
                query = query.where(BusyBlock.source_key.in_(named)) if named else None
            rows = s.scalars(query).all() if query is not None else []
            added: list[dict[str, object]] = []  # inserted in one statement: a first import adds thousands
            by_source: dict[str, list[BusyBlock]] = {}
            for row in rows:
                by_source.setdefault(row.source_key, []).append(row)

            def replace(source: str, intervals: list[BusyInterval]) -> None:
                wanted = {
                    (i.start, i.end, i.all_day, i.title if keep_titles else None): i
                    for i in intervals
                    if i.end > window.start and i.start < window.end and i.end > i.start
                }
                existing = {(r.start_utc, r.end_utc, r.all_day, r.title): r for r in by_source.get(source, [])}
                gone = [r for key, r in existing.items() if key not in wanted]
                new = [key for key in wanted if key not in existing]
                # A moved instance is one removal plus one addition; count it as a change.
                moved = min(len(gone), len(new))
                result.changed += moved
                result.removed += len(gone) - moved
                result.added += len(new) - moved
                for r in gone:
                    s.delete(r)
                added.extend({"connection_id": target.info.id, "source_key": source, "start_utc": start,
                              "end_utc": end, "all_day": all_day, "title": title}
                             for start, end, all_day, title in new)

            for source, intervals in changes.upserts.items():
                replace(source, intervals)
            stale_sources = set(changes.removed)
            if changes.full:
                stale_sources |= set(by_source) - set(changes.upserts)
            for source in stale_sources:
                replace(source, [])
            if added:
                s.execute(insert(BusyBlock), added)
            # Blocks that ended before today can no longer block anything.
            # (pending changes flush first; the loaded rows need no syncing: the session ends here)
            s.execute(delete(BusyBlock).where(BusyBlock.connection_id == target.info.id,
                                              BusyBlock.end_utc <= window.start),
                      execution_options={"synchronize_session": False})
            connection = s.get(CalendarConnection, target.info.id)
            if connection is not None:
                connection.sync_cursor = changes.cursor
                connection.last_import_at = utcnow()
                connection.last_success_at = utcnow()

    def _log_result(self, target: _Target, result: ConnectionImport) -> None:
        with self._db.session() as s:
            if not result.ok:
                connection = s.get(CalendarConnection, target.info.id)
                if connection is not None and result.calendar_gone:
                    needs_attention(connection, ConnectionStatus.CALENDAR_MISSING, result.message)
                elif connection is not None:
                    connection.last_error = result.message
            sync_log.record(
                s, actor=self._actor, action=SyncAction.IMPORT,
                outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
                connection_id=target.info.id, message=import_message(result),
            )

    def _not_reached(self, staff: str | int | None, now: datetime, reason: str) -> ImportReport:
        """A bounded read that never got the importer: each calendar keeps (and says) what it has."""
        report = ImportReport()
        targets = self._targets(staff, now)
        with self._db.session() as s:
            for target in targets:
                result = ConnectionImport(target.info.id, target.name, ok=False, reason=reason,
                                          message="an import of these calendars was still under way",
                                          as_of=target.last_import_at)
                report.connections.append(result)
                sync_log.record(s, actor=self._actor, action=SyncAction.IMPORT, outcome=Outcome.SKIPPED,
                                connection_id=target.info.id, message=not_reached_message(result))
        return report

    def _find_conflicts(self, staff_ids: set[int], now: datetime) -> list[ConflictEvent]:
        """New overlaps between confirmed future bookings and busy blocks, each reported once."""
        conflicts: list[ConflictEvent] = []
        if not staff_ids:
            return conflicts
        with self._db.session() as s:
            rows = s.execute(
                select(Booking, BusyBlock, CalendarConnection)
                .join(CalendarConnection, BusyBlock.connection_id == CalendarConnection.id)
                .join(Booking, Booking.staff_id == CalendarConnection.staff_id)
                .where(
                    CalendarConnection.staff_id.in_(staff_ids),
                    *importing_busy(),
                    Booking.status == BookingStatus.CONFIRMED,
                    Booking.end_utc > now,
                    Booking.start_utc < BusyBlock.end_utc,
                    BusyBlock.start_utc < Booking.end_utc,
                    BusyBlock.conflict_booking_id.is_(None),
                )
            ).all()
            for booking, block, connection in rows:
                block.conflict_booking_id = booking.id
                zone = ZoneInfo(booking.timezone)
                message = (
                    f"Double-booked: booking {booking.id} ({booking.service.name} – {booking.customer_name}, "
                    f"{booking.start_utc.astimezone(zone):%Y-%m-%d %H:%M}) overlaps a busy time in "
                    f"{connection.display_name} ({block.start_utc.astimezone(zone):%H:%M}–"
                    f"{block.end_utc.astimezone(zone):%H:%M})"
                )
                sync_log.record(
                    s, actor=self._actor, action=SyncAction.CONFLICT, outcome=Outcome.FAILURE,
                    booking_id=booking.id, connection_id=connection.id, message=message,
                )
                conflicts.append(ConflictEvent(booking.id, connection.id, booking.staff.name, message))
        return conflicts
