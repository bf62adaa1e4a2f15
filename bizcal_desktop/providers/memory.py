"""A calendar provider that keeps its calendar in memory: a real implementation of the contract.

Why it exists
-------------
The sync engine's and the importer's tests need a provider that behaves like CalDAV, Google and
Microsoft (create-if-absent, adoption, conditional updates, "already gone" deletes, a change cursor)
but costs no server, no subprocess and no HTTP, so every failure branch can be driven in
milliseconds. It is *not* a mock: it implements :class:`~bizcal_desktop.providers.base.CalendarProvider`
and passes the same contract suite (``tests/providers/contract/``) as the network providers, so a
test that passes on it says something about the algorithm, not about a stub's script.

Two faces
---------
* The provider face is the contract and nothing more.
* The calendar face is for tests: what the user (or another app) does in the calendar behind our
  back (:meth:`MemoryProvider.add_busy`, :meth:`move_event`, :meth:`remove_event`, :meth:`edit_event`),
  what the calendar holds (:meth:`events`, :meth:`event_of`), what was asked of it (:attr:`calls`),
  failures injected on purpose (:meth:`fail_next`, :meth:`fail_always`,
  :meth:`lose_response_of_next_write`, :meth:`expire_cursors`), and the calendar itself deleted
  (:meth:`delete_calendar`: reads and writes raise ``NotFoundError``) or made again, empty
  (:meth:`recreate_calendar`). The failures and the record of calls are kept by
  :mod:`.memory_faults`, which every provider call consults first.

Like the real providers
-----------------------
Our events are keyed by the booking's UID (``<public id>@bizcal-desktop``), which is also their
source key in :meth:`fetch_busy` and the ``external_id`` of their :class:`EventRef`. Every write,
ours or the test's, gives the event a new ETag. An upsert without an ETag is a create-if-absent: an
event already carrying our UID is adopted (left alone when it already says what we would write, as
CalDAV's ``If-None-Match: *`` path does). An upsert with a stale ETag loses the race, re-reads and
writes again: the booking is the truth, as on every real provider. A refused cursor (unreadable,
made for another window, or expired) is answered with a full read, ``full=True``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import NotFoundError, ProviderError
from bizcal_desktop.providers.base import (
    BusyChanges,
    BusyInterval,
    CalendarInfo,
    CalendarProvider,
    ConnectionCheck,
    CredentialRefresh,
    EventRef,
    EventSpec,
    booking_uid,
    is_own_uid,
)
from bizcal_desktop.providers.cursor import CursorRefused, WindowCursor, incremental_or_full, usable_cursor
from bizcal_desktop.providers.memory_faults import Call, Faults, Operation


@dataclass(frozen=True)
class MemoryEvent:
    """One event as the in-memory calendar holds it (a snapshot; the calendar replaces, never mutates)."""

    key: str  #: source key and external id: our booking UID, or a foreign event's own key
    start: datetime  #: aware UTC
    end: datetime
    etag: str
    summary: str = ""
    description: str = ""
    timezone: str = "UTC"
    sequence: int = 0
    busy: bool = True  #: False for an event marked free/transparent
    all_day: bool = False

    @property
    def own(self) -> bool:
        """True for a booking's event (ours), False for the staff member's other events."""
        return is_own_uid(self.key)


class MemoryProvider(CalendarProvider):
    """One calendar held in memory; see the module docstring for the test-side API."""

    kind = "memory"

    def __init__(
        self,
        calendar_id: str = "memory",
        calendar_name: str = "Memory calendar",
        credential_lifetime: timedelta | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.calendar_id = calendar_id
        self.calendar_name = calendar_name
        self._events: dict[str, MemoryEvent] = {}
        self._etags = itertools.count(1)
        self._foreign_ids = itertools.count(1)
        #: (change number, key) per write; a cursor is the change number it was made at.
        self._changes: list[tuple[int, str]] = []
        self._change_seq = 0
        self._cursor_epoch = 0
        #: Injected failures and the record of calls (:mod:`.memory_faults`).
        self.faults = Faults()
        self._gone = False  #: the calendar was deleted (delete_calendar)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lifetime = credential_lifetime
        self._expires_at = self._clock() + credential_lifetime if credential_lifetime else None
        #: Stale-ETag updates that were re-read and written again.
        self.reconciled = 0
        #: Credential renewals done by :meth:`refresh_credentials`.
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"MemoryProvider(calendar_id={self.calendar_id!r}, events={len(self._events)})"

    @property
    def calls(self) -> list[Call]:
        """Every call made through the provider face, in order (failed ones included)."""
        return self.faults.calls

    # ================================================================ injected failures

    def fail_next(self, operation: Operation, error: BaseException, times: int = 1,
                  booking_public_id: str | None = None) -> None:
        """Make the next ``times`` calls of ``operation`` raise ``error`` before doing anything.

        With ``booking_public_id`` only calls about that booking fail (writes name a booking).
        """
        self.faults.add(operation, error, times, booking_public_id)

    def fail_always(self, operation: Operation, error: BaseException,
                    booking_public_id: str | None = None) -> None:
        """Make every call of ``operation`` raise ``error`` until :meth:`clear_failures`."""
        self.faults.add(operation, error, None, booking_public_id)

    def clear_failures(self) -> None:
        """The calendar works again: forget every injected failure (and a pending lost response)."""
        self.faults.clear()

    def lose_response_of_next_write(self) -> None:
        """The next upsert or delete happens, but its caller gets a TransientError, as when the
        server's answer is lost on the way back (timeout after the server committed)."""
        self.faults.lose_next_answer()

    def expire_cursors(self) -> None:
        """Refuse every cursor handed out so far (like a server expiring its sync tokens)."""
        self._cursor_epoch += 1

    def delete_calendar(self) -> None:
        """The user deleted the whole calendar: its events are gone, reads and writes raise NotFoundError."""
        for key in list(self._events):
            self._drop(key)
        self._gone = True

    def recreate_calendar(self) -> None:
        """A calendar of the same name was made again: empty, and working."""
        self._gone = False

    async def _enter(self, operation: Operation, booking_public_id: str | None = None) -> None:
        """Record the call and raise an injected failure (:meth:`Faults.enter`), or the calendar's absence."""
        await self.faults.enter(operation, booking_public_id)
        if self._gone and operation in ("upsert", "fetch_busy", "list_own_events", "test_connection"):
            raise NotFoundError(f"The calendar {self.calendar_name} no longer exists; choose another calendar.")

    # ================================================================ the calendar face (tests)

    def events(self) -> list[MemoryEvent]:
        """Every event in the calendar, ours and foreign, ordered by start."""
        return sorted(self._events.values(), key=lambda e: (e.start, e.key))

    def own_events(self) -> list[MemoryEvent]:
        return [e for e in self.events() if e.own]

    def event_of(self, booking_public_id: str) -> MemoryEvent | None:
        """The event of a booking, or None."""
        return self._events.get(booking_uid(booking_public_id))

    def add_busy(self, start: datetime, end: datetime, *, key: str | None = None, summary: str = "Busy",
                 busy: bool = True, all_day: bool = False) -> str:
        """Add a foreign event (another appointment of the staff member); returns its source key."""
        key = key or f"foreign-{next(self._foreign_ids)}"
        if key in self._events or is_own_uid(key):
            raise ValueError(f"{key!r} is taken or looks like one of our booking events")
        self._store(MemoryEvent(key, _utc(start), _utc(end), self._new_etag(), summary=summary,
                                busy=busy, all_day=all_day))
        return key

    def move_event(self, key: str, start: datetime, end: datetime) -> MemoryEvent:
        """Move any event (a foreign one, or a booking's, as an assistant dragging it would)."""
        return self.edit_event(key, start=_utc(start), end=_utc(end))

    def edit_event(self, key: str, **changes: object) -> MemoryEvent:
        """Change fields of an event behind the provider's back; its ETag changes."""
        current = self._require(key)
        return self._store(dataclasses.replace(current, **changes, etag=self._new_etag()))  # type: ignore[arg-type]

    def remove_event(self, key: str) -> None:
        """Delete any event behind the provider's back."""
        self._drop(self._require(key).key)

    def _require(self, key: str) -> MemoryEvent:
        event = self._events.get(key) or self._events.get(booking_uid(key))
        if event is None:
            raise KeyError(f"No event {key!r} in {self.calendar_id}")
        return event

    # ================================================================ provider face

    async def test_connection(self) -> ConnectionCheck:
        try:
            await self._enter("test_connection")
        except ProviderError as exc:
            return ConnectionCheck(ok=False, message=str(exc), error=exc)
        calendars = self._calendars()
        return ConnectionCheck(ok=True, message=f"Connected to {self.calendar_name}.", calendars=calendars)

    async def list_calendars(self) -> list[CalendarInfo]:
        await self._enter("list_calendars")
        return self._calendars()

    async def refresh_credentials(self, within: timedelta) -> CredentialRefresh:
        await self._enter("refresh_credentials")
        if self._lifetime is None or self._expires_at is None:
            return CredentialRefresh(refreshed=False, expires_at=None)
        now = self._clock()
        if self._expires_at - now > within:
            return CredentialRefresh(refreshed=False, expires_at=self._expires_at)
        self._expires_at = now + self._lifetime
        self.refreshes += 1
        return CredentialRefresh(refreshed=True, expires_at=self._expires_at)

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        await self._enter("upsert", spec.booking_public_id)
        key = known.external_id if known is not None and known.external_id else spec.uid
        current = self._events.get(key)
        if current is None:
            stored = self._store(self._from_spec(spec, key))  # created, or created again after a delete
        elif known is None or known.etag is None:
            # Create-if-absent found our event: adopt it (a crash or a lost answer after the write).
            stored = current if _says(current, spec) else self._store(self._from_spec(spec, key))
        else:
            if current.etag != known.etag:
                self.reconciled += 1  # the race is lost: re-read (here: current) and write again
            stored = self._store(self._from_spec(spec, key))
        self.faults.answer_lost()
        return EventRef(external_id=stored.key, href=None, etag=stored.etag)

    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        await self._enter("delete", booking_public_id)
        key = known.external_id if known is not None and known.external_id else booking_uid(booking_public_id)
        if key in self._events:
            self._drop(key)
        self.faults.answer_lost()

    async def list_own_events(self, window: TimeRange) -> dict[str, EventRef]:
        await self._enter("list_own_events")
        window = window.to_utc()
        return {e.key.split("@")[0]: EventRef(external_id=e.key, href=None, etag=e.etag)
                for e in self._events.values() if e.own and _overlaps(e, window)}

    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        await self._enter("fetch_busy")
        window = window.to_utc()
        previous = usable_cursor(cursor, window, [self.calendar_id], self.calendar_name)
        incremental: Callable[[], Awaitable[BusyChanges]] | None = None
        if previous is not None:
            token = previous.tokens[self.calendar_id]

            async def read_changes() -> BusyChanges:
                return self._read_changes(window, self._since(token))

            incremental = read_changes
        read = await incremental_or_full(incremental, lambda: self._read_all(window), self.calendar_name)
        return dataclasses.replace(read, cursor=self._cursor(window))

    # ================================================================ internals

    def _calendars(self) -> list[CalendarInfo]:
        if self._gone:
            return []
        return [CalendarInfo(calendar_id=self.calendar_id, name=self.calendar_name, primary=True)]

    def _new_etag(self) -> str:
        return f'"{next(self._etags)}"'

    def _from_spec(self, spec: EventSpec, key: str) -> MemoryEvent:
        return MemoryEvent(key, spec.start.astimezone(UTC), spec.end.astimezone(UTC), self._new_etag(),
                           summary=spec.summary, description=spec.description, timezone=spec.timezone,
                           sequence=spec.sequence)

    def _store(self, event: MemoryEvent) -> MemoryEvent:
        self._events[event.key] = event
        self._changed(event.key)
        return event

    def _drop(self, key: str) -> None:
        del self._events[key]
        self._changed(key)

    def _changed(self, key: str) -> None:
        self._change_seq += 1
        self._changes.append((self._change_seq, key))

    def _report(self, event: MemoryEvent, window: TimeRange, changes: BusyChanges) -> None:
        if event.own:
            changes.own_events[event.key] = event.key
            changes.own_times[event.key] = (event.start, event.end)
            return
        intervals = _intervals(event, window)
        if intervals:
            changes.upserts[event.key] = intervals

    async def _read_all(self, window: TimeRange) -> BusyChanges:
        changes = BusyChanges(full=True, upserts={}, requests=1)
        for event in self._events.values():
            if _overlaps(event, window):
                self._report(event, window, changes)
        return changes

    def _read_changes(self, window: TimeRange, since: int) -> BusyChanges:
        changes = BusyChanges(full=False, upserts={}, requests=1)
        for key in sorted({k for seq, k in self._changes if seq > since}):
            event = self._events.get(key)
            if event is None:
                changes.removed.add(key)
            elif event.own:
                self._report(event, window, changes)  # wherever it went: the booking may follow
            else:
                changes.upserts[key] = _intervals(event, window)  # [] = no longer busy here
        return changes

    def _cursor(self, window: TimeRange) -> str:
        token = f"{self._cursor_epoch}:{self._change_seq}"
        return WindowCursor(window=window, tokens={self.calendar_id: token}).encode()

    def _since(self, token: str) -> int:
        """The change number a token was made at; CursorRefused when this calendar no longer knows it."""
        epoch, _, seq = token.partition(":")
        if not (epoch.isdigit() and seq.isdigit()) or int(epoch) != self._cursor_epoch \
                or int(seq) > self._change_seq:
            raise CursorRefused(f"token {token!r} is not one this calendar handed out since it was reset")
        return int(seq)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("Event times must be timezone-aware")
    return instant.astimezone(UTC)


def _overlaps(event: MemoryEvent, window: TimeRange) -> bool:
    return event.start < window.end and event.end > window.start


def _intervals(event: MemoryEvent, window: TimeRange) -> list[BusyInterval]:
    if not event.busy or not _overlaps(event, window):
        return []
    return [BusyInterval(event.start, event.end, all_day=event.all_day)]


def _says(event: MemoryEvent, spec: EventSpec) -> bool:
    """True when the stored event already has exactly the booking's content."""
    return (event.start, event.end, event.summary, event.description, event.timezone, event.sequence) == (
        spec.start.astimezone(UTC), spec.end.astimezone(UTC), spec.summary, spec.description,
        spec.timezone, spec.sequence,
    )
