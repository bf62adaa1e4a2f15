"""Which privacy level a connection's events follow, and queuing the rewrite when it changes.

The business chooses one level (``BusinessSettings.event_privacy``); a connection may override it
(``CalendarConnection.event_privacy``, None = the business's). The planner asks :func:`level_for`
for every write, so a job always writes what the level says *now*.

Why a change goes through the outbox: the new level must reach events already written, and a
practitioner with months of bookings has hundreds of them. One job per future booking whose event
sits in an affected calendar, in the same transaction as the change (so a crash cannot leave half
the calendar rewritten with nobody knowing); the engine does the writing in the background, with its
usual retries, and the change itself is one log row saying how many events will be rewritten. Past
events keep what they said: they are history, and rewriting them would only churn the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.privacy import DEFAULT_PRIVACY, LEVEL_LABELS, PrivacyLevel
from bizcal_desktop.store import audit, sync_log
from bizcal_desktop.store.audit import Door, Kind
from bizcal_desktop.store.booking_changes import enqueue
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    MappingState,
    Outcome,
    SyncAction,
)
from bizcal_desktop.store.types import utcnow

#: The outbox job's reason for a rewrite after a privacy change.
REWRITE_REASON = "privacy"


def level_for(connection: CalendarConnection | None, business_level: str | None) -> PrivacyLevel:
    """The level ``connection``'s events follow: its own override, else the business's."""
    for value in (connection.event_privacy if connection is not None else None, business_level):
        if value:
            try:
                return PrivacyLevel(value)
            except ValueError:
                continue  # a value from a newer version: fall through to a level we know
    return DEFAULT_PRIVACY


def future_written_bookings(
    session: Session, connection_ids: Iterable[int], now: datetime | None = None
) -> list[int]:
    """Bookings not yet over whose event was written into one of ``connection_ids`` (ids, sorted)."""
    ids = list(connection_ids)
    if not ids:
        return []
    query = (
        select(Booking.id)
        .join(CalendarEventMapping, CalendarEventMapping.booking_id == Booking.id)
        .where(
            CalendarEventMapping.connection_id.in_(ids),
            CalendarEventMapping.deleted.is_(False),
            CalendarEventMapping.synced_version.is_not(None),
            CalendarEventMapping.state.in_([MappingState.SYNCED, MappingState.PENDING, MappingState.FAILED]),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.end_utc > (now or utcnow()),
        )
        .distinct()
        .order_by(Booking.id)
    )
    return list(session.scalars(query))


def queue_rewrites(session: Session, connection_ids: Iterable[int], audit_event_id: int | None = None) -> int:
    """One outbox job per future booking written into ``connection_ids``; how many were queued.

    Each job carries the audit event of the change, so the engine's rows name it as their cause.
    """
    booking_ids = future_written_bookings(session, connection_ids)
    for booking_id in booking_ids:
        enqueue(session, booking_id, REWRITE_REASON, audit_event_id)
    return len(booking_ids)


def following_business(session: Session) -> list[int]:
    """The connections in use that follow the business's level (no override of their own)."""
    query = select(CalendarConnection.id).where(
        CalendarConnection.active.is_(True), CalendarConnection.event_privacy.is_(None)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class PrivacyChange:
    """What a change of level did: the level events now follow and how many will be rewritten."""

    level: PrivacyLevel
    rewrites: int
    calendar: str | None = None  #: the connection whose override changed; None for the business's

    @property
    def message(self) -> str:
        """ "Privacy changed to Initials: 14 future events will be rewritten" (the log and the views)."""
        whose = f" of {self.calendar}" if self.calendar else ""
        if self.rewrites == 0:
            what = "no future event needs rewriting"
        else:
            what = f"{self.rewrites} future event{'s' if self.rewrites != 1 else ''} will be rewritten"
        return f"Privacy{whose} changed to {LEVEL_LABELS[self.level]}: {what}"


def business_level_changed(
    session: Session, old: str, new: str, actor: str, audit_event_id: int | None = None
) -> PrivacyChange:
    """The business's level went from ``old`` to ``new``: rewrite what follows it; log the count."""
    level = PrivacyLevel(new)
    if old == new:
        return PrivacyChange(level, 0)
    change = PrivacyChange(level, queue_rewrites(session, following_business(session), audit_event_id))
    sync_log.record(session, actor=actor, action=SyncAction.PRIVACY, outcome=Outcome.SUCCESS,
                    message=change.message, audit_event_id=audit_event_id)
    return change


def connection_level_changed(
    session: Session, row: CalendarConnection, override: str | None, business_level: str | None, actor: str,
    door: str = Door.UNKNOWN,
) -> PrivacyChange:
    """Set ``row``'s override (None = follow the business); rewrite its events if what they show changes."""
    before, was = level_for(row, business_level), row.event_privacy
    row.event_privacy = override
    after = level_for(row, business_level)
    event = audit.record(
        session, door=door, kind=Kind.CONNECTION, action="set_privacy", subject=f"connection {row.id}",
        summary=f"Event privacy of {row.display_name}: {override or 'as the business'}",
        before={"event_privacy": was}, after={"event_privacy": override}, connection_id=row.id,
    )
    rewrites = queue_rewrites(session, [row.id], event.id) if after != before and row.active else 0
    change = PrivacyChange(after, rewrites, calendar=row.display_name)
    sync_log.record(session, actor=actor, action=SyncAction.PRIVACY, outcome=Outcome.SUCCESS,
                    connection_id=row.id, message=change.message, audit_event_id=event.id)
    return change
