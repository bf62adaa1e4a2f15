"""Deletions held for the user's confirmation: which calendars wait, and releasing them.

Why a hold and not a failure: a restore of an old database, a wrong "cancel all" or a bug could
otherwise empty a practitioner's calendar in one drain, silently. When one drain would remove many
of BizCal's events from one calendar (``sync/deletion_guard.py`` decides), the jobs of those
cancelled bookings stay *pending* with ``not_before`` at :data:`DELETIONS_HELD_UNTIL` — no drain
claims them, nothing is counted against them — until the user confirms. Confirming sets
``not_before`` to :data:`CONFIRMED`: due at once (it is in the past), and the guard does not count a
job so marked, so the next drain deletes exactly the confirmed events.

Why no new column: ``not_before`` already means "not before this time"; two marker times, apart from
the pause's ``HELD_UNTIL`` (Resume releases that one, never these), say held and confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bizcal_desktop.store import sync_log
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    JobStatus,
    MappingState,
    OutboxJob,
    Outcome,
    SyncAction,
)

#: ``not_before`` of a job whose deletion waits for the user (before the pause's 9999 marker).
DELETIONS_HELD_UNTIL = datetime(9998, 1, 1, tzinfo=UTC)
#: ``not_before`` of a job whose deletion the user confirmed: due now, and not counted again.
CONFIRMED = datetime(1970, 1, 2, tzinfo=UTC)


#: Mapping states whose event is not BizCal's to count in a calendar now (left, moved on, disconnect's).
NOT_LIVE = (MappingState.LEFT, MappingState.SUPERSEDED, MappingState.REMOVING, MappingState.REMOVED)


@dataclass(frozen=True)
class HeldDeletions:
    """One calendar's deletions waiting for the user."""

    connection_id: int
    connection_name: str
    events: int


def live_mappings(booking_ids: list[int] | None = None):  # type: ignore[no-untyped-def]
    """Mappings of events BizCal has in a calendar now (not deleted, not left by a disconnect)."""
    query = select(CalendarEventMapping).where(
        CalendarEventMapping.deleted.is_(False),
        CalendarEventMapping.state.not_in(NOT_LIVE),
    )
    if booking_ids is not None:
        query = query.where(CalendarEventMapping.booking_id.in_(booking_ids))
    return query


def events_in(s: Session, connection_id: int) -> int:
    """How many events BizCal has in the calendar of ``connection_id``."""
    query = live_mappings().where(CalendarEventMapping.connection_id == connection_id)
    return int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _held_jobs(connection_id: int | None):  # type: ignore[no-untyped-def]
    held = select(OutboxJob.booking_id).where(OutboxJob.status == JobStatus.PENDING,
                                             OutboxJob.not_before == DELETIONS_HELD_UNTIL)
    bookings = live_mappings().with_only_columns(CalendarEventMapping.booking_id)
    if connection_id is not None:
        bookings = bookings.where(CalendarEventMapping.connection_id == connection_id)
    return held.where(OutboxJob.booking_id.in_(bookings))


def held(s: Session) -> list[HeldDeletions]:
    """Each calendar with deletions waiting for the user, and how many events."""
    rows = s.execute(
        select(CalendarConnection.id, CalendarConnection.display_name,
               func.count(func.distinct(CalendarEventMapping.booking_id)))
        .join(CalendarEventMapping, CalendarEventMapping.connection_id == CalendarConnection.id)
        .where(CalendarEventMapping.booking_id.in_(_held_jobs(None)),
               CalendarEventMapping.deleted.is_(False),
               CalendarEventMapping.state.not_in(NOT_LIVE))
        .group_by(CalendarConnection.id, CalendarConnection.display_name)
        .order_by(CalendarConnection.id)
    ).all()
    return [HeldDeletions(int(cid), str(name), int(n)) for cid, name, n in rows]


def hold(s: Session, job_ids: list[int]) -> None:
    """Leave ``job_ids`` pending until the user confirms (their claim released)."""
    s.execute(update(OutboxJob).where(OutboxJob.id.in_(job_ids))
              .values(not_before=DELETIONS_HELD_UNTIL, claimed_by=None, lease_until=None)
              .execution_options(synchronize_session=False))


def confirm(s: Session, connection_id: int | None, actor: str) -> int:
    """Release the held deletions of ``connection_id`` (None: of every calendar); how many bookings."""
    booking_ids = list(s.scalars(_held_jobs(connection_id)).unique())
    if not booking_ids:
        return 0
    s.execute(update(OutboxJob)
              .where(OutboxJob.booking_id.in_(booking_ids), OutboxJob.status == JobStatus.PENDING,
                     OutboxJob.not_before == DELETIONS_HELD_UNTIL)
              .values(not_before=CONFIRMED).execution_options(synchronize_session=False))
    where = "" if connection_id is None else f" from {connection_label(s, connection_id)}"
    sync_log.record(s, actor=actor, action=SyncAction.DELETE, outcome=Outcome.SUCCESS, connection_id=connection_id,
                    message=f"Removal of {len(booking_ids)} event(s){where} confirmed: they are deleted now")
    return len(booking_ids)


def cancelled_among(s: Session, booking_ids: list[int]) -> set[int]:
    """Which of ``booking_ids`` are cancelled (their plan deletes their events)."""
    if not booking_ids:
        return set()
    return set(s.scalars(select(Booking.id).where(Booking.id.in_(booking_ids),
                                                  Booking.status == BookingStatus.CANCELLED)))


def connection_label(s: Session, connection_id: int) -> str:
    row = s.get(CalendarConnection, connection_id)
    return f"“{row.display_name}”" if row is not None else f"connection {connection_id}"
