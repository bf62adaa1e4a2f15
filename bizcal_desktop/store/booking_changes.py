"""The one module that changes bookings.

A booking changes in three ways — made, moved, cancelled — and from two doors: a person (CLI or
window, through :class:`~bizcal_desktop.services.bookings.BookingService`) or the calendar itself
(the importer, when an event was moved there). Both doors come through here, so the version bump and
the outbox job that follow every change are written in exactly one place, in the caller's transaction.

The version is bumped in SQL (``version = version + 1``), not from the value this process read: two
people moving one booking at the same moment (the tray and a CLI) must end at version 3, not both at 2,
or the engine would take the second move for one it already wrote.

A change that came *from* a calendar queues no job for that calendar: the event already sits where the
booking now is. Its mapping is marked as holding the new version instead.

Every change is also an audit event (:mod:`.audit`): who, before and after, and the door it came
through — said by the caller (desktop, CLI), or the calendar itself for a move that flowed back. The
outbox job carries the audit event's id, so the engine's log rows name the change they follow.

A booking's time is written inside :func:`.booking_slots.guarded`: the database refuses a confirmed
booking over another one of the same staff member (two devices booking one time at once: one wins), and
the loser gets :class:`~bizcal_desktop.errors.SlotTakenError` before its audit event or job is written.
A move always clears ``overlap_grandfathered``: a booking that overlapped before the rule existed keeps
its old time, but a new time of its own has to be free.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bizcal_desktop.store import audit, booking_slots
from bizcal_desktop.store.audit import Door, Kind, booking_snapshot
from bizcal_desktop.store.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    CalendarEventMapping,
    OutboxJob,
    Service,
    Staff,
)


def enqueue(session: Session, booking_id: int, reason: str, audit_event_id: int | None = None) -> OutboxJob:
    """Add an outbox job for ``booking_id`` to the caller's transaction (following that audited change)."""
    job = OutboxJob(booking_id=booking_id, reason=reason, audit_event_id=audit_event_id)
    session.add(job)
    return job


def _audited(
    session: Session, booking: Booking, door: str, action: str, before: dict[str, object] | None, summary: str
) -> AuditEvent:
    return audit.record(
        session, door=door, kind=Kind.BOOKING, action=action, subject=f"booking {booking.id}",
        summary=summary, before=before, after=booking_snapshot(booking), booking_id=booking.id,
    )


def _bump_version(session: Session, booking: Booking) -> None:
    booking.version = Booking.version + 1  # type: ignore[assignment]
    session.flush()  # the attribute is reloaded from the row on its next read


def _move(session: Session, booking: Booking, start_utc: datetime, end_utc: datetime) -> None:
    """The booking's new time and version, written only if its staff member is free then."""
    with booking_slots.guarded(session, booking.staff, start_utc, end_utc, booking.id):
        booking.start_utc, booking.end_utc = start_utc, end_utc
        booking.overlap_grandfathered = False
        _bump_version(session, booking)


def _local(booking: Booking) -> str:
    return f"{booking.start_utc.astimezone(ZoneInfo(booking.timezone)):%Y-%m-%d %H:%M} ({booking.timezone})"


def create_booking(
    session: Session, staff: Staff, service: Service, customer: str, start_utc: datetime,
    door: str = Door.UNKNOWN,
) -> Booking:
    """A confirmed booking of ``service`` with ``staff``, its audit event and the job that writes its event.

    Raises :class:`~bizcal_desktop.errors.SlotTakenError` when ``staff`` has a booking then.
    """
    end_utc = start_utc + timedelta(minutes=service.duration_minutes)
    booking = Booking(
        customer_name=customer,
        service_id=service.id,
        staff_id=staff.id,
        start_utc=start_utc,
        end_utc=end_utc,
        timezone=staff.timezone,
        status=BookingStatus.CONFIRMED,
        version=1,
    )
    with booking_slots.guarded(session, staff, start_utc, end_utc):
        session.add(booking)
    made = _audited(session, booking, door, "create", None,
                    f"Booking {booking.id} made: {service.name} with {staff.name} for {customer}")
    enqueue(session, booking.id, "created", made.id)
    return booking


def reschedule(session: Session, booking: Booking, start_utc: datetime, door: str = Door.UNKNOWN) -> None:
    """Move ``booking`` to ``start_utc`` (same duration) and queue the calendar update.

    Raises :class:`~bizcal_desktop.errors.SlotTakenError` when its staff member has another booking then.
    """
    before = booking_snapshot(booking)
    _move(session, booking, start_utc, start_utc + (booking.end_utc - booking.start_utc))
    moved = _audited(session, booking, door, "move", before, f"Booking {booking.id} moved to {_local(booking)}")
    enqueue(session, booking.id, "moved", moved.id)


def cancel(session: Session, booking: Booking, door: str = Door.UNKNOWN) -> None:
    """Cancel ``booking`` and queue the removal of its events."""
    before = booking_snapshot(booking)
    booking.status = BookingStatus.CANCELLED
    _bump_version(session, booking)
    cancelled = _audited(session, booking, door, "cancel", before, f"Booking {booking.id} cancelled")
    enqueue(session, booking.id, "cancelled", cancelled.id)


def follow_calendar_move(
    session: Session,
    booking: Booking,
    mapping: CalendarEventMapping,
    start_utc: datetime,
    end_utc: datetime,
) -> None:
    """The booking takes the time its event was moved to in the mapping's calendar.

    No job is queued: that calendar already shows the new time, which the mapping now records as
    the synced version. The event's ETag is now the calendar's, not one we wrote, so it is forgotten:
    resync would otherwise take the move for a hand edit to undo, and the next write re-reads first.
    Raises :class:`~bizcal_desktop.errors.SlotTakenError` (nothing changed) when the new time is taken.
    """
    before = booking_snapshot(booking)
    _move(session, booking, start_utc, end_utc)
    _audited(session, booking, Door.CALENDAR, "move", before,
             f"Booking {booking.id} moved to {_local(booking)} in {mapping.connection.display_name}; "
             "the booking followed")
    mapping.synced_start_utc, mapping.synced_end_utc = start_utc, end_utc
    mapping.synced_version = booking.version
    mapping.etag = None


def put_event_back(session: Session, booking: Booking, mapping: CalendarEventMapping) -> None:
    """The booking keeps its time although its event was moved in the calendar: queue the write that puts
    the event back at the booking's time (the next drain re-reads it first: its ETag is forgotten).

    For a calendar move the booking could not follow (its staff member has another booking then). What
    the calendar shows is then the truth of the book again, and the importer is not asked about the
    same move at every read (a booking with a queued job is left alone).
    """
    mapping.etag = None
    enqueue(session, booking.id, "moved back")
