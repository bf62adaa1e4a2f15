"""Claiming outbox jobs, so two processes never work on one booking at the same time.

The tray and a CLI (or two CLIs) drain the same outbox. A job names only a booking, and the engine
converges the booking's events on its current state, so the unit of work is the *booking*: a process
claims all pending jobs of a booking at once, with a lease, in one conditional ``UPDATE`` — the lease is
written in the same statement that decides the jobs are free, so two processes cannot both win (one
statement and one commit cover up to :data:`CLAIM_CHUNK` bookings: a push of 500 costs three). A
booking whose jobs another process holds is left alone until that lease ends; a process killed
mid-job leaves a lease that simply expires, and the next drain takes the booking over.

On a team's PostgreSQL several devices drain one outbox, and READ COMMITTED would let two of them
evaluate "nobody holds this booking" at the same moment. There each claim first locks the *booking's*
rows with ``SELECT … FOR NO KEY UPDATE SKIP LOCKED`` (no key lock, so new jobs can still reference
the booking): a device that finds a row locked skips that booking, and one that gets the lock after
another device's claim committed sees that claim and leaves the jobs alone. The lease does the rest,
as on SQLite, whose single writer needs no lock.

Finishing a booking's jobs clears their claim; a success also closes the booking's earlier *failed*
jobs, whose failure the successful sync has now made good. A failure that may pass by itself (the
network, a server's 5xx) does not finish them: they are *deferred* — pending, with a ``not_before``
time the claim respects — and a drain after that time tries them again. Jobs met by the network going
away are only *released*: pending, due at once, nothing counted against them. Jobs whose calendar only
another device can write are *handed* to it (:mod:`.ownership`), and this device claims them no more.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bizcal_desktop.store.deletion_holds import DELETIONS_HELD_UNTIL
from bizcal_desktop.store.models import Booking, JobStatus, OutboxJob
from bizcal_desktop.store.ownership import claimable_by
from bizcal_desktop.store.types import utcnow

#: Bookings claimed per statement (and per commit): short writes, few round trips.
CLAIM_CHUNK = 200

#: The other jobs of a booking, in :func:`_held_elsewhere`. Made once: building an alias copies every
#: column of the table, which was most of a claim's CPU when each claim made its own.
_OTHER_JOB = aliased(OutboxJob, name="other_job")


def _free_or_mine(owner: str, now: datetime):  # type: ignore[no-untyped-def]
    return or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until < now, OutboxJob.claimed_by == owner)


def _held_elsewhere(owner: str, now: datetime):  # type: ignore[no-untyped-def]
    """Another process holds a live claim on a pending job of the same booking as the job updated."""
    other = _OTHER_JOB
    return exists().where(
        and_(
            other.booking_id == OutboxJob.booking_id,
            other.status == JobStatus.PENDING,
            other.claimed_by != owner,
            other.lease_until >= now,
        )
    )


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(OutboxJob.not_before.is_(None), OutboxJob.not_before <= now)


def claim_bookings(
    session: Session, owner: str, lease: timedelta, booking_ids: set[int] | None = None,
    now: datetime | None = None, device: str | None = None, most: int | None = None,
) -> dict[int, list[int]]:
    """Claim the pending jobs of every booking no other process holds; booking id -> its job ids.

    A booking is a candidate when one of its pending jobs is due (no ``not_before``, or one that has
    passed); then all its pending jobs are claimed, a deferred one with a new change alike. With a
    ``device``, jobs handed to another device that can still write them are left to it
    (:func:`~bizcal_desktop.store.ownership.claimable_by`). With ``most``, at most that many bookings
    (the oldest first) are claimed: a drain claims a round at a time, so a second drainer finds work
    left and no claim waits long enough for its lease to run out.
    """
    now = now or utcnow()
    for_here = claimable_by(device)
    candidates = (
        select(OutboxJob.booking_id)
        .where(OutboxJob.status == JobStatus.PENDING, _due(now), for_here, _free_or_mine(owner, now),
               ~_held_elsewhere(owner, now))
        .distinct().order_by(OutboxJob.booking_id)
    )
    if booking_ids is not None:
        candidates = candidates.where(OutboxJob.booking_id.in_(booking_ids))
    if most is not None:
        candidates = candidates.limit(most)
    locking = session.get_bind().dialect.name == "postgresql"
    found = list(session.scalars(candidates).all())
    for start in range(0, len(found), CLAIM_CHUNK):
        chunk = found[start:start + CLAIM_CHUNK]
        if locking:
            chunk = _lock_bookings(session, chunk)  # those another device is claiming right now are skipped
        if chunk:
            session.execute(
                update(OutboxJob)
                .where(
                    OutboxJob.booking_id.in_(chunk),
                    OutboxJob.status == JobStatus.PENDING,
                    _free_or_mine(owner, now),
                    ~_held_elsewhere(owner, now),
                    for_here,
                )
                .values(claimed_by=owner, lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
        session.commit()  # each chunk's claim is one short write: other processes wait milliseconds
    mine = select(OutboxJob.id, OutboxJob.booking_id).where(
        OutboxJob.status == JobStatus.PENDING, OutboxJob.claimed_by == owner, OutboxJob.lease_until >= now
    )
    if booking_ids is not None:
        mine = mine.where(OutboxJob.booking_id.in_(booking_ids))
    grouped: dict[int, list[int]] = {}
    for job_id, booking_id in session.execute(mine.order_by(OutboxJob.id)):
        grouped.setdefault(booking_id, []).append(job_id)
    return grouped


def _lock_bookings(session: Session, booking_ids: list[int]) -> list[int]:
    """PostgreSQL: lock the bookings' rows until this claim commits; those another device holds are left out."""
    return list(session.scalars(
        select(Booking.id).where(Booking.id.in_(booking_ids)).with_for_update(skip_locked=True, key_share=True)
    ).all())


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


def renew_lease(
    session: Session, owner: str, job_ids: list[int], lease: timedelta, now: datetime | None = None
) -> None:
    """Push this process's lease on ``job_ids`` forward (a long retry must not lose its claim)."""
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.claimed_by == owner)
        .values(lease_until=(now or utcnow()) + lease)
        .execution_options(synchronize_session=False)
    )


def next_deferral(session: Session, job_ids: list[int]) -> int:
    """How many times these jobs will have waited after one more deferral (1 for the first)."""
    counts = session.scalars(select(OutboxJob.deferrals).where(OutboxJob.id.in_(job_ids))).all()
    return max(counts, default=0) + 1


def defer_jobs(session: Session, job_ids: list[int], error: str, not_before: datetime, deferrals: int) -> None:
    """Leave ``job_ids`` pending, to be tried again from ``not_before`` on, and release their claim."""
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.status == JobStatus.PENDING)
        .values(not_before=not_before, deferrals=deferrals, last_error=error[:2000], claimed_by=None,
                lease_until=None)
        .execution_options(synchronize_session=False)
    )


def release_jobs(session: Session, job_ids: list[int], note: str) -> None:
    """Give ``job_ids`` back untouched (the network went away): pending, due, with ``note`` as the reason."""
    session.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.status == JobStatus.PENDING)
        .values(last_error=note[:2000], claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def bring_forward(session: Session) -> int:
    """Make every deferred job due now (the user asked to sync now); how many there were.

    Deletions held for the user's confirmation keep their mark (store/deletion_holds).
    """
    result = session.execute(
        update(OutboxJob)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.not_before.is_not(None),
               OutboxJob.not_before != DELETIONS_HELD_UNTIL)
        .values(not_before=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def finish_jobs(session: Session, job_ids: list[int], error: str | None) -> None:
    """Close ``job_ids`` (failed with ``error``, or done) and release their claim.

    A success also closes the booking's earlier failed jobs: the calendar now matches the booking,
    so nothing of theirs is left to do.
    """
    now = utcnow()
    session.execute(  # one statement for a group's jobs: no row is loaded to change it
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids))
        .values(status=JobStatus.FAILED if error else JobStatus.DONE, last_error=error, finished_at=now,
                claimed_by=None, lease_until=None, not_before=None)
        .execution_options(synchronize_session="fetch")
    )
    if error or not job_ids:
        return
    booking_ids = select(OutboxJob.booking_id).where(OutboxJob.id.in_(job_ids))
    for earlier in session.scalars(
        select(OutboxJob).where(OutboxJob.booking_id.in_(booking_ids), OutboxJob.status == JobStatus.FAILED)
    ):
        earlier.status = JobStatus.DONE
        earlier.finished_at = now
        earlier.last_error = f"closed by a later successful sync (was: {earlier.last_error or 'failed'})"[:2000]
