"""What a disconnect leaves in a calendar, what it removes, and finding it again when that calendar is connected anew.

A disconnect without removal deletes the connection's secret at once; the events BizCal wrote stay,
their mappings marked *left*: the calendar still shows them and they say which booking they belong
to. When the same calendar (same provider, account and calendar) is connected again, those mappings
move to the new connection (:func:`reattach_left_events`), so the next write updates the event that is
there instead of writing a second one next to it, and a booking cancelled meanwhile has its event removed.

A disconnect with removal marks the mappings of bookings not over yet *removing* in the same
transaction (the connection's status *removing*): these rows are the durable list of what is still to
delete (:func:`to_remove`); each delete done marks its row *removed* (:func:`mark_removed`), and
:func:`end_removal` — a conditional update, so one process ends it — disconnects the connection and
leaves what was not removed (``services/event_removal.py`` runs it).

"Ours" is always narrower than "carries BizCal's marker": an event is removed only when it belongs
to a booking in this database (:func:`bookings_by_public_id`); another BizCal installation writing
into the same calendar keeps its events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
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


def leave_events(session: Session, row: CalendarConnection, remove_future: bool = False) -> tuple[int, int]:
    """Mark the mappings of ``row``'s events as left in its calendar, or — with ``remove_future`` — those
    of bookings not over yet as to be removed; (how many stay, how many are to be removed)."""
    live = session.scalars(
        select(CalendarEventMapping).where(
            CalendarEventMapping.connection_id == row.id,
            CalendarEventMapping.deleted.is_(False),
        )
    ).all()
    now = utcnow()
    left = removing = 0
    for mapping in live:
        if remove_future and mapping.booking.end_utc > now:
            mapping.state = MappingState.REMOVING  # addressed by its UID even if no reference was saved
            removing += 1
        elif mapping.external_id is not None:
            mapping.state = MappingState.LEFT
            left += 1
    return left, removing


def bookings_by_public_id(session: Session, public_ids: Iterable[str]) -> dict[str, int]:
    """Which of ``public_ids`` are bookings of this database (public id -> booking id)."""
    ids = list(public_ids)
    if not ids:
        return {}
    rows = session.execute(select(Booking.public_id, Booking.id).where(Booking.public_id.in_(ids)))
    return {public_id: booking_id for public_id, booking_id in rows}


@dataclass(frozen=True)
class EventToRemove:
    mapping_id: int
    booking_id: int
    booking_public_id: str
    known: tuple[str, str | None, str | None] | None  #: (external id, href, etag) when one was saved


def next_to_remove(session: Session, connection_id: int) -> EventToRemove | None:
    """The next event a disconnect's removal has to delete from that calendar (the earliest booking's);
    None when none is left, or the removal ended or was stopped meanwhile.

    Read afresh before each delete, never from a list made at the start: Forget now, another process,
    or the same calendar connected again (:func:`reattach_left_events`) may have changed what is to go.
    """
    row = session.execute(
        select(CalendarEventMapping, Booking.public_id).join(Booking, Booking.id == CalendarEventMapping.booking_id)
        .join(CalendarConnection, CalendarConnection.id == CalendarEventMapping.connection_id)
        .where(CalendarEventMapping.connection_id == connection_id, CalendarConnection.status == ConnectionStatus.REMOVING,
               CalendarEventMapping.state == MappingState.REMOVING, CalendarEventMapping.deleted.is_(False))
        .order_by(Booking.start_utc, Booking.id).limit(1)
    ).first()
    if row is None:
        return None
    m, public_id = row
    return EventToRemove(m.id, m.booking_id, public_id, (m.external_id, m.href, m.etag) if m.external_id else None)


def grant_in_use_elsewhere(session: Session, row: CalendarConnection) -> bool:
    """Whether another connection in use signs in to the same account of the same provider: revoking
    ``row``'s grant would end theirs too (Google revokes the app's whole grant for that account)."""
    if not row.username:
        return False
    others = session.scalars(select(CalendarConnection).where(
        CalendarConnection.id != row.id, CalendarConnection.provider == row.provider,
        CalendarConnection.active.is_(True)))
    return any((o.username or "").casefold() == row.username.casefold() for o in others)


def mark_removed(session: Session, mapping_id: int) -> bool:
    """The mapping's event was deleted by a disconnect's removal; whether that removal still goes on
    (False: it was finished or stopped meanwhile, by this process or another one)."""
    mapping = session.get(CalendarEventMapping, mapping_id)
    if mapping is None:
        return False
    mapping.deleted = True
    mapping.state = MappingState.REMOVED
    mapping.etag = None
    return mapping.connection.status == ConnectionStatus.REMOVING


def removal_counts(session: Session, connection_id: int) -> tuple[int, int]:
    """(removed, still to remove) of a disconnect's removal from that calendar."""
    counts = dict(session.execute(
        select(CalendarEventMapping.state, func.count()).where(
            CalendarEventMapping.connection_id == connection_id,
            CalendarEventMapping.state.in_([MappingState.REMOVED, MappingState.REMOVING]),
        ).group_by(CalendarEventMapping.state)
    ).all())
    return int(counts.get(MappingState.REMOVED, 0)), int(counts.get(MappingState.REMOVING, 0))


def removing_connections(session: Session) -> list[CalendarConnection]:
    """Connections whose disconnect is still removing events, oldest first."""
    return list(session.scalars(select(CalendarConnection).where(
        CalendarConnection.status == ConnectionStatus.REMOVING).order_by(CalendarConnection.id)))


def end_removal(session: Session, connection_id: int) -> int | None:
    """Finish a removal: the connection is disconnected, its events not removed are left in the calendar
    (a reconnect takes them over); how many stay. None when it was no longer removing (another
    process finished it first): the caller then has nothing more to do.
    """
    won = session.execute(
        update(CalendarConnection)
        .where(CalendarConnection.id == connection_id, CalendarConnection.status == ConnectionStatus.REMOVING)
        .values(status=ConnectionStatus.DISCONNECTED).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not won:
        return None
    rest = session.scalars(select(CalendarEventMapping).where(
        CalendarEventMapping.connection_id == connection_id, CalendarEventMapping.state == MappingState.REMOVING,
        CalendarEventMapping.deleted.is_(False),
    )).all()
    for mapping in rest:
        mapping.state = MappingState.LEFT
    return len(rest)


def disconnected_at(session: Session, connection_id: int) -> datetime | None:
    """When the connection's (latest) disconnect was made."""
    return session.scalar(select(AuditEvent.at).where(AuditEvent.id == last_disconnect(session, connection_id)))


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
        CalendarConnection.status.in_([ConnectionStatus.DISCONNECTED, ConnectionStatus.REMOVING]),
        CalendarConnection.id != row.id,
    )) if _same_calendar(c, row)]
    # A removal still going on in this calendar stops where it is: connecting it again says the
    # events are wanted there, so those not removed yet are taken over like left ones.
    removing = [c.id for c in earlier if c.status == ConnectionStatus.REMOVING]
    if removing:
        for mapping in session.scalars(select(CalendarEventMapping).where(
                CalendarEventMapping.connection_id.in_(removing), CalendarEventMapping.state == MappingState.REMOVING)):
            mapping.state = MappingState.LEFT
        session.flush()
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


def calendar_label(row: CalendarConnection) -> str:
    """What a disconnect calls the calendar — its count first, then the removal's progress: one name
    for both, the calendar's own (what the user sees in their calendar app), else the connection's."""
    return row.calendar_name or row.display_name
