"""Putting things right: retry one failed event, retry every failed one, resync (back-fill).

These only enqueue outbox jobs (in one transaction with their log rows); the engine does the work,
so a retry follows exactly the same path as the original sync.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.errors import UserInputError
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


class RecoveryService:
    def __init__(self, db: Database) -> None:
        self._db = db

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

    def resync(self, from_day: date, actor: str = "user") -> list[int]:
        """Enqueue every booking from ``from_day`` (in its staff member's zone) whose event is
        missing, failed, or differs from the booking (times or version); returns booking ids.

        "Differs" is judged against what we last wrote (the mapping's synced times and version),
        which costs no request; an event edited by hand in the calendar is the importer's business.
        """
        # Widest possible offset (UTC-12 .. UTC+14) first, then the exact local midnight per booking.
        earliest = local_midnight_utc(from_day, "UTC") - timedelta(hours=14)
        with self._db.session() as s:
            bookings = s.scalars(select(Booking).where(Booking.end_utc > earliest)).all()
            chosen: list[int] = []
            for booking in bookings:
                if booking.start_utc < local_midnight_utc(from_day, booking.timezone):
                    continue
                mappings = s.scalars(
                    select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking.id)
                ).all()
                if self._needs_sync(booking, mappings):
                    enqueue(s, booking.id, "resync")
                    chosen.append(booking.id)
            sync_log.record(
                s, actor=actor, action=SyncAction.RETRY, outcome=Outcome.SUCCESS,
                message=f"Resync from {from_day.isoformat()}: {len(chosen)} booking(s) queued",
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
