"""Deletions held for the user's confirmation: which calendars wait, and releasing them.

Why a hold and not a failure: a restore of an old database, a wrong "cancel all" or a bug could
otherwise empty a practitioner's calendar in one drain, silently. When one drain would remove many
of BizCal's events from one calendar (``sync/deletion_guard.py`` decides), the jobs of those
bookings stay *pending* with ``not_before`` at :data:`DELETIONS_HELD_UNTIL` — no drain claims them,
nothing is counted against them — until the user confirms. Which calendar a held booking's
deletions are in is read with the planner's own rules (``store/event_deletions.py``).

Confirming makes the jobs due and marks them ``deletion_confirmed``; the guard does not count a
booking with such a job, so the next drain deletes exactly the confirmed events. Why a column of
its own (migration 0013) and not a marker time in ``not_before`` as before: a confirmed deletion that
meets a transient error is *deferred*, and the deferral writes its retry time into ``not_before`` —
the marker was lost, and the retry was held again as if never confirmed. The flag stays until the
job is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bizcal_desktop.store import sync_log
from bizcal_desktop.store.event_deletions import planned_deletions
from bizcal_desktop.store.models import (
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
#: Mapping states of events not in the calendar as BizCal's own now: left there by a disconnect, or
#: a disconnect's removal (to remove, removed). A *superseded* event (left behind by failover) is there.
NOT_IN_CALENDAR = (MappingState.LEFT, MappingState.REMOVING, MappingState.REMOVED)


@dataclass(frozen=True)
class HeldDeletions:
    """One calendar's deletions waiting for the user."""

    connection_id: int
    connection_name: str
    events: int


def events_in(s: Session, connection_id: int) -> int:
    """How many events BizCal has in the calendar of ``connection_id``."""
    return int(s.scalar(select(func.count()).select_from(CalendarEventMapping).where(
        CalendarEventMapping.connection_id == connection_id, CalendarEventMapping.deleted.is_(False),
        CalendarEventMapping.state.not_in(NOT_IN_CALENDAR))) or 0)


def _held_bookings(s: Session, connection_id: int | None) -> list[int]:
    """Bookings with held deletions (in the calendar of ``connection_id``; None: in any)."""
    held_ids = list(s.scalars(select(OutboxJob.booking_id).where(
        OutboxJob.status == JobStatus.PENDING, OutboxJob.not_before == DELETIONS_HELD_UNTIL).distinct()))
    if connection_id is None:
        return sorted(held_ids)
    return sorted(planned_deletions(s, held_ids).get(connection_id, set()))


def held(s: Session) -> list[HeldDeletions]:
    """Each calendar with deletions waiting for the user, and how many events."""
    per_calendar = planned_deletions(s, _held_bookings(s, None))
    rows = []
    for connection_id, booking_ids in sorted(per_calendar.items()):
        row = s.get(CalendarConnection, connection_id)
        rows.append(HeldDeletions(connection_id, row.display_name if row else "", len(booking_ids)))
    return rows


def hold(s: Session, job_ids: list[int]) -> None:
    """Leave ``job_ids`` pending until the user confirms (their claim released)."""
    s.execute(update(OutboxJob).where(OutboxJob.id.in_(job_ids))
              .values(not_before=DELETIONS_HELD_UNTIL, claimed_by=None, lease_until=None)
              .execution_options(synchronize_session=False))


def confirm(s: Session, connection_id: int | None, actor: str) -> int:
    """Release the held deletions of ``connection_id`` (None: of every calendar); how many bookings."""
    booking_ids = _held_bookings(s, connection_id)
    if not booking_ids:
        return 0
    pending = (OutboxJob.booking_id.in_(booking_ids), OutboxJob.status == JobStatus.PENDING)
    s.execute(update(OutboxJob).where(*pending).values(deletion_confirmed=True)
              .execution_options(synchronize_session=False))
    s.execute(update(OutboxJob).where(*pending, OutboxJob.not_before == DELETIONS_HELD_UNTIL)
              .values(not_before=None).execution_options(synchronize_session=False))
    where = "" if connection_id is None else f" from {connection_label(s, connection_id)}"
    sync_log.record(s, actor=actor, action=SyncAction.DELETE, outcome=Outcome.SUCCESS, connection_id=connection_id,
                    message=f"Removal of {len(booking_ids)} event(s){where} confirmed: they are deleted now")
    return len(booking_ids)


def confirmed_among(s: Session, job_ids: list[int]) -> set[int]:
    """The bookings of ``job_ids`` whose deletions the user confirmed (they are not held again)."""
    if not job_ids:
        return set()
    return set(s.scalars(select(OutboxJob.booking_id).where(OutboxJob.id.in_(job_ids),
                                                            OutboxJob.deletion_confirmed.is_(True))))


def connection_label(s: Session, connection_id: int) -> str:
    row = s.get(CalendarConnection, connection_id)
    return f"“{row.display_name}”" if row is not None else f"connection {connection_id}"
