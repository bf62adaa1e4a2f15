"""Putting things right: retry one failed event, retry every failed one, resync (back-fill).

These only enqueue outbox jobs (in one transaction with their log rows); the engine does the work,
so a retry follows exactly the same path as the original sync. Resync alone also looks at the
calendars (:mod:`.calendar_check`): what the mappings say we wrote is not what the calendar holds
once someone deleted or edited an event there, so it is async (one listing per connection) and
keeps its database work in worker threads.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.booking_changes import enqueue
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
    MappingState,
    Outcome,
    SyncAction,
)
from bizcal_desktop.sync import calendar_check
from bizcal_desktop.sync.calendar_check import CheckResult


def _earliest(from_day: date) -> datetime:
    """The earliest instant any zone's midnight of ``from_day`` can be (UTC+14)."""
    return local_midnight_utc(from_day, "UTC") - timedelta(hours=14)


class RecoveryService:
    def __init__(self, db: Database, factory: ProviderSource, device: str | None = None) -> None:
        self._db = db
        self._factory = factory
        self._device = device  #: only this device's calendars are asked (None: every one)

    def retry_mapping(self, mapping_id: int, actor: str = "user") -> int:
        """Re-enqueue exactly the booking of this mapping; returns the booking id."""
        with self._db.session() as s:
            mapping = s.get(CalendarEventMapping, int(mapping_id))
            if mapping is None:
                raise UserInputError(f"No event mapping {mapping_id}; see `bizcal log --failed`.")
            if mapping.state != MappingState.FAILED:
                raise UserInputError(f"Event mapping {mapping_id} is {mapping.state}, not failed; nothing to retry.")
            enqueue(s, mapping.booking_id, "retry")
            sync_log.record(
                s, actor=actor, action=SyncAction.RETRY, outcome=Outcome.SUCCESS,
                booking_id=mapping.booking_id, connection_id=mapping.connection_id, mapping_id=mapping.id,
                message=f"Retry requested for booking {mapping.booking_id}",
            )
            return mapping.booking_id

    def retry_failed(self, actor: str = "user") -> list[int]:
        """Re-enqueue every failed mapping; returns the booking ids."""
        with self._db.session() as s:
            failed = s.scalars(
                select(CalendarEventMapping).where(CalendarEventMapping.state == MappingState.FAILED)
            ).all()
            booking_ids = sorted({m.booking_id for m in failed})
            for booking_id in booking_ids:
                enqueue(s, booking_id, "retry")
            if booking_ids:
                sync_log.record(
                    s, actor=actor, action=SyncAction.RETRY, outcome=Outcome.SUCCESS,
                    message=f"Retry requested for {len(booking_ids)} failed booking(s)",
                )
            return booking_ids

    async def resync(self, from_day: date, actor: str = "user") -> list[int]:
        """Enqueue every booking from ``from_day`` (in its staff member's zone) whose event is missing,
        failed, edited in the calendar, or differs from the booking; returns the booking ids.

        Each connection with synced events in the range is asked once for our events there: one
        that is absent is written again, one with another ETag is rewritten, and a calendar that is
        gone takes its connection out of use so its bookings move on. The mappings' own record (state,
        times, version) is checked as before. One sync-log row says what was found.
        """
        checks = await asyncio.to_thread(self._calendar_checks, from_day)
        results = await asyncio.gather(*(calendar_check.compare(self._factory, c) for c in checks))
        return await asyncio.to_thread(self._queue_resync, from_day, list(results), actor)

    def _calendar_checks(self, from_day: date) -> list[calendar_check.CalendarCheck]:
        with self._db.session() as s:
            return calendar_check.collect(s, _earliest(from_day), from_day, self._device)

    def _queue_resync(self, from_day: date, results: list[CheckResult], actor: str) -> list[int]:
        with self._db.session() as s:
            from_calendar: set[int] = set()
            found: list[str] = []
            for result in results:
                queued, phrase = calendar_check.apply(s, result)
                from_calendar |= queued
                found += [phrase] if phrase else []
            s.flush()
            bookings = s.scalars(select(Booking).where(Booking.end_utc > _earliest(from_day))).all()
            chosen: list[int] = []
            for booking in bookings:
                if booking.start_utc < local_midnight_utc(from_day, booking.timezone):
                    continue
                mappings = s.scalars(
                    select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking.id)
                ).all()
                if booking.id in from_calendar or self._needs_sync(booking, mappings):
                    enqueue(s, booking.id, "resync")
                    chosen.append(booking.id)
            sync_log.record(
                s, actor=actor, action=SyncAction.RETRY,
                outcome=Outcome.FAILURE if any(r.error for r in results) else Outcome.SUCCESS,
                message="; ".join([f"Resync from {from_day.isoformat()}: {len(chosen)} booking(s) queued", *found]),
            )
            return chosen

    @staticmethod
    def _needs_sync(booking: Booking, mappings: list[CalendarEventMapping]) -> bool:
        live = [m for m in mappings if m.connection.usable and not m.deleted]
        if booking.status == BookingStatus.CANCELLED:
            return bool(live)
        synced = [m for m in live if m.state == MappingState.SYNCED]
        if not synced:
            return True
        m = synced[0]
        return (
            m.synced_version != booking.version
            or m.synced_start_utc != booking.start_utc
            or m.synced_end_utc != booking.end_utc
        )
