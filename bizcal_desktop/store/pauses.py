"""Pausing one calendar connection: its bookings' outbox jobs wait until the user resumes it.

Why jobs wait rather than fail or move: a pause is the user's own choice ("leave this calendar
alone for now"), not a fault, so nothing is counted against a booking and nothing moves to the
staff member's other calendar. The engine plans a booking, sees that its write would go to a paused
connection and *holds* its jobs: pending, with ``not_before`` at :data:`HELD_UNTIL`, so no drain
claims them again (the status still counts them as waiting). Resume makes the held jobs of the
connection's staff member due again, in the same transaction that clears ``paused``; the next drain
plans them from the bookings as they are then.

Why the hold is keyed on the staff member and not the connection: a job names only a booking, and
which connection a booking is written to is decided when it is planned; a staff member's held jobs
made due while another of their connections is still paused are simply held again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bizcal_desktop.store import sync_log
from bizcal_desktop.store.models import Booking, CalendarConnection, JobStatus, OutboxJob, Outcome, SyncAction

#: ``not_before`` of a job held for a paused connection: no drain reaches it before Resume.
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def record_held(s: Session, actor: str, booking_id: int, reason: str) -> None:
    """One log row: the booking's change waits for a paused connection (not a failure)."""
    exists = s.get(Booking, booking_id) is not None
    sync_log.record(
        s, actor=actor, action=SyncAction.UPDATE, outcome=Outcome.SKIPPED,
        message=f"Booking {booking_id} waits: {reason}", booking_id=booking_id if exists else None,
    )


def set_paused(s: Session, row: CalendarConnection, paused: bool, actor: str) -> int:
    """Pause or resume ``row``; on resume its staff member's held jobs are due again (how many)."""
    if row.paused == paused:
        return 0
    row.paused = paused
    released = 0 if paused else release_held(s, row.staff_id)
    if paused:
        message = (f"Paused {row.display_name}: bookings of {row.staff.name} wait for it, and its busy "
                   "times are kept but not read again until it is resumed")
    else:
        message = f"Resumed {row.display_name}: {released} waiting change(s) of {row.staff.name} are synced now"
    sync_log.record(s, actor=actor, action=SyncAction.CONNECT, outcome=Outcome.SUCCESS, connection_id=row.id,
                    message=message)
    return released


def release_held(s: Session, staff_id: int) -> int:
    """Make the held jobs of ``staff_id``'s bookings due now; how many there were."""
    bookings = select(Booking.id).where(Booking.staff_id == staff_id)
    result = s.execute(
        update(OutboxJob)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.not_before >= HELD_UNTIL,
               OutboxJob.booking_id.in_(bookings))
        .values(not_before=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
