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
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
    OutboxJob,
    Service,
    Staff,
)


def enqueue(session: Session, booking_id: int, reason: str) -> OutboxJob:
    """Add an outbox job for ``booking_id`` to the caller's transaction."""
    job = OutboxJob(booking_id=booking_id, reason=reason)
    session.add(job)
    return job


def _bump_version(session: Session, booking: Booking) -> None:
    booking.version = Booking.version + 1  # type: ignore[assignment]
    session.flush()  # the attribute is reloaded from the row on its next read


def create_booking(
    session: Session, staff: Staff, service: Service, customer: str, start_utc: datetime
) -> Booking:
    """A confirmed booking of ``service`` with ``staff`` and the job that writes its event."""
    booking = Booking(
        customer_name=customer,
        service_id=service.id,
        staff_id=staff.id,
        start_utc=start_utc,
        end_utc=start_utc + timedelta(minutes=service.duration_minutes),
        timezone=staff.timezone,
        status=BookingStatus.CONFIRMED,
        version=1,
    )
    session.add(booking)
    session.flush()
    enqueue(session, booking.id, "created")
    return booking


def reschedule(session: Session, booking: Booking, start_utc: datetime) -> None:
    """Move ``booking`` to ``start_utc`` (same duration) and queue the calendar update."""
    duration = booking.end_utc - booking.start_utc
    booking.start_utc = start_utc
    booking.end_utc = start_utc + duration
    _bump_version(session, booking)
    enqueue(session, booking.id, "moved")


def cancel(session: Session, booking: Booking) -> None:
    """Cancel ``booking`` and queue the removal of its events."""
    booking.status = BookingStatus.CANCELLED
    _bump_version(session, booking)
    enqueue(session, booking.id, "cancelled")


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
    """
    booking.start_utc, booking.end_utc = start_utc, end_utc
    _bump_version(session, booking)
    mapping.synced_start_utc, mapping.synced_end_utc = start_utc, end_utc
    mapping.synced_version = booking.version
    mapping.etag = None
