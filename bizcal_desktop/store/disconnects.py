"""What a disconnect leaves in a calendar, and finding it again when that calendar is connected anew.

A disconnect deletes the connection's secret at once; the events BizCal wrote either stay (the
default) or are removed (``services/disconnect.py``). Events that stay keep their mappings, marked
*left*: the calendar still shows them and they say which booking they belong to. When the same
calendar (same provider, account and calendar) is connected again, those mappings move to the new
connection (:func:`reattach_left_events`), so the next write updates the event that is there
instead of writing a second one next to it, and a booking cancelled meanwhile has its event removed.

"Ours" is always narrower than "carries BizCal's marker": an event is removed only when it belongs
to a booking in this database (:func:`bookings_by_public_id`); another BizCal installation writing
into the same calendar keeps its events.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bizcal_desktop.store.booking_changes import enqueue
from bizcal_desktop.store.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    ConnectionStatus,
    MappingState,
)
from bizcal_desktop.store.types import utcnow

#: The outbox job's reason when a reconnected calendar's events are brought up to date.
REATTACH_REASON = "reattached"


def leave_events(session: Session, row: CalendarConnection) -> int:
    """Mark the mappings of ``row``'s events as left in its calendar; how many events stay there."""
    live = session.scalars(
        select(CalendarEventMapping).where(
            CalendarEventMapping.connection_id == row.id,
            CalendarEventMapping.deleted.is_(False),
            CalendarEventMapping.external_id.is_not(None),
        )
    ).all()
    for mapping in live:
        mapping.state = MappingState.LEFT
    return len(live)


def bookings_by_public_id(session: Session, public_ids: Iterable[str]) -> dict[str, int]:
    """Which of ``public_ids`` are bookings of this database (public id -> booking id)."""
    ids = list(public_ids)
    if not ids:
        return {}
    rows = session.execute(select(Booking.public_id, Booking.id).where(Booking.public_id.in_(ids)))
    return {public_id: booking_id for public_id, booking_id in rows}


def mark_removed(session: Session, connection_id: int, booking_id: int) -> None:
    """The booking's event in that calendar was deleted by a disconnect's removal."""
    mapping = session.scalar(
        select(CalendarEventMapping).where(
            CalendarEventMapping.connection_id == connection_id, CalendarEventMapping.booking_id == booking_id
        )
    )
    if mapping is not None:
        mapping.deleted = True
        mapping.state = MappingState.SYNCED
        mapping.etag = None


def left_count(session: Session, connection_id: int) -> int:
    """How many of BizCal's events stay in the calendar of that (disconnected) connection."""
    return int(session.scalar(select(func.count()).select_from(CalendarEventMapping).where(
        CalendarEventMapping.connection_id == connection_id, CalendarEventMapping.state == MappingState.LEFT,
        CalendarEventMapping.deleted.is_(False),
    )) or 0)


def last_disconnect(session: Session, connection_id: int) -> int | None:
    """The audit event of the connection's disconnect (what its removal's log row follows)."""
    return session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.connection_id == connection_id, AuditEvent.action == "disconnect"))


def _same_calendar(a: CalendarConnection, b: CalendarConnection) -> bool:
    return (
        a.staff_id == b.staff_id
        and a.provider == b.provider
        and (a.username or "").casefold() == (b.username or "").casefold()
        and (a.calendar_href or a.calendar_id) == (b.calendar_href or b.calendar_id)
    )


def reattach_left_events(session: Session, row: CalendarConnection) -> int:
    """Mappings left in this calendar by an earlier disconnect move to ``row``; bookings not yet over
    are queued, so the events there are brought up to date (or removed, if cancelled meanwhile).

    A booking whose event now lives in another working calendar keeps that one; the left event is
    then not taken over (it would show the booking twice). Returns how many were taken over.
    """
    earlier = [c for c in session.scalars(select(CalendarConnection).where(
        CalendarConnection.status == ConnectionStatus.DISCONNECTED, CalendarConnection.id != row.id,
    )) if _same_calendar(c, row)]
    left = session.scalars(select(CalendarEventMapping).where(
        CalendarEventMapping.connection_id.in_([c.id for c in earlier]),
        CalendarEventMapping.state == MappingState.LEFT, CalendarEventMapping.deleted.is_(False),
    )).all() if earlier else []
    taken = 0
    for mapping in left:
        others = session.scalars(select(CalendarEventMapping).where(
            CalendarEventMapping.booking_id == mapping.booking_id, CalendarEventMapping.id != mapping.id,
        )).all()
        if any(o.connection_id == row.id or (o.connection.usable and not o.deleted) for o in others):
            continue
        mapping.connection_id, mapping.state = row.id, MappingState.SYNCED
        taken += 1
        booking = mapping.booking
        if booking.end_utc > utcnow() or booking.status == BookingStatus.CANCELLED:
            enqueue(session, booking.id, REATTACH_REASON)
    return taken
