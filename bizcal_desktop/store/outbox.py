"""Claiming outbox jobs, so two processes never work on one booking at the same time.

The tray and a CLI (or two CLIs) drain the same outbox. A job names only a booking, and the engine
converges the booking's events on its current state, so the unit of work is the *booking*: a process
claims all pending jobs of a booking at once, with a lease, in one conditional ``UPDATE`` — the lease is
written in the same statement that decides the jobs are free, so two processes cannot both win. A
booking whose jobs another process holds is left alone until that lease ends; a process killed
mid-job leaves a lease that simply expires, and the next drain takes the booking over.

Finishing a booking's jobs clears their claim; a success also closes the booking's earlier *failed*
jobs, whose failure the successful sync has now made good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bizcal_desktop.store.models import JobStatus, OutboxJob
from bizcal_desktop.store.types import utcnow


def _free_or_mine(owner: str, now: datetime):  # type: ignore[no-untyped-def]
    return or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until < now, OutboxJob.claimed_by == owner)


def _held_elsewhere(booking_id: int, owner: str, now: datetime):  # type: ignore[no-untyped-def]
    other = aliased(OutboxJob)
    return exists().where(
        and_(
            other.booking_id == booking_id,
            other.status == JobStatus.PENDING,
            other.claimed_by != owner,
            other.lease_until >= now,
        )
    )


def claim_bookings(
    session: Session, owner: str, lease: timedelta, booking_ids: set[int] | None = None
) -> dict[int, list[int]]:
    """Claim the pending jobs of every booking no other process holds; booking id -> its job ids."""
    now = utcnow()
    candidates = select(OutboxJob.booking_id).where(OutboxJob.status == JobStatus.PENDING).distinct()
    if booking_ids is not None:
        candidates = candidates.where(OutboxJob.booking_id.in_(booking_ids))
    for booking_id in session.scalars(candidates).all():
        held_elsewhere = _held_elsewhere(booking_id, owner, now)
        session.execute(
            update(OutboxJob)
            .where(
                OutboxJob.booking_id == booking_id,
                OutboxJob.status == JobStatus.PENDING,
                _free_or_mine(owner, now),
                ~held_elsewhere,
            )
            .values(claimed_by=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        session.commit()  # each claim is its own short write: other processes wait milliseconds
    mine = select(OutboxJob.id, OutboxJob.booking_id).where(
        OutboxJob.status == JobStatus.PENDING, OutboxJob.claimed_by == owner, OutboxJob.lease_until >= now
    )
    if booking_ids is not None:
        mine = mine.where(OutboxJob.booking_id.in_(booking_ids))
    grouped: dict[int, list[int]] = {}
    for job_id, booking_id in session.execute(mine.order_by(OutboxJob.id)):
        grouped.setdefault(booking_id, []).append(job_id)
    return grouped


def claim_holders(session: Session) -> set[str]:
    """Who holds a live claim on a pending job now."""
    now = utcnow()
    query = select(OutboxJob.claimed_by).where(
        OutboxJob.status == JobStatus.PENDING, OutboxJob.claimed_by.is_not(None), OutboxJob.lease_until >= now
    )
    return {owner for owner in session.scalars(query.distinct()) if owner}


def release_claims_of(session: Session, owner: str) -> None:
    """End every claim of ``owner`` at once (a process known to be gone)."""
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.claimed_by == owner, OutboxJob.status == JobStatus.PENDING)
        .values(claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def renew_lease(session: Session, owner: str, job_ids: list[int], lease: timedelta) -> None:
    """Push this process's lease on ``job_ids`` forward (a long retry must not lose its claim)."""
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.claimed_by == owner)
        .values(lease_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )


def finish_jobs(session: Session, job_ids: list[int], error: str | None) -> None:
    """Close ``job_ids`` (failed with ``error``, or done) and release their claim.

    A success also closes the booking's earlier failed jobs: the calendar now matches the booking,
    so nothing of theirs is left to do.
    """
    now = utcnow()
    jobs = session.scalars(select(OutboxJob).where(OutboxJob.id.in_(job_ids))).all()
    for job in jobs:
        job.status = JobStatus.FAILED if error else JobStatus.DONE
        job.last_error = error
        job.finished_at = now
        job.claimed_by = None
        job.lease_until = None
    if error or not jobs:
        return
    booking_ids = {job.booking_id for job in jobs}
    for earlier in session.scalars(
        select(OutboxJob).where(OutboxJob.booking_id.in_(booking_ids), OutboxJob.status == JobStatus.FAILED)
    ):
        earlier.status = JobStatus.DONE
        earlier.finished_at = now
        earlier.last_error = f"closed by a later successful sync (was: {earlier.last_error or 'failed'})"[:2000]
