"""The database side of a drain, a group of bookings at a time: one transaction plans many, one records many.

Why groups: a push of 500 bookings paid four short transactions per booking (claim, plan, record,
finish), each loading the same staff member, service, connection and settings again - about two
thirds of the client's CPU, which competes with a CPU-bound server for the same two cores. Planned
together in one session, the rows a group shares are read once (SQLAlchemy's identity map), the
bookings and their mappings are loaded with one statement each, and the mapping rows are still
committed before any write - the crash guarantee of :mod:`.planning` is unchanged, only shared.

Little here decides anything: :func:`plan_group` runs :func:`~.planning.plan_booking` for each
booking but the plainest - one never written, confirmed, whose staff member has a usable connection
that is not paused - whose single plan (a create on that connection) it makes for all of them with a
query per staff member and one insert, from planning's own parts; a test holds the two paths to the
same plans. :func:`record_group` does what :func:`~.outcomes.record_success` and
:func:`~bizcal_desktop.store.outbox.finish_jobs` do for a single booking, with the log rows in one
statement. A group whose planning raises is planned again booking by booking by the engine, so one
bad booking still costs only itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, joinedload

from bizcal_desktop.store import outbox, sync_log
from bizcal_desktop.store.connections import usable_connections
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    JobStatus,
    MappingState,
    OutboxJob,
    SyncAction,
)
from bizcal_desktop.store.privacy import level_for
from bizcal_desktop.store.settings import business_in
from bizcal_desktop.sync import outcomes
from bizcal_desktop.sync.planning import (
    BookingPlan,
    Handover,
    build_event_spec,
    on_device,
    plan_booking,
    sync_target,
)

log = logging.getLogger(__name__)



@dataclass
class BookingRun:
    """One booking's claimed jobs in a drain, and when they are tried again if a failure may pass by itself."""

    booking_id: int
    job_ids: list[int]
    retry_at: datetime | None = None
    deferrals: int = 0
    #: The device the jobs go to once this device's calls are done (another one holds a calendar).
    hand_to: Handover | None = None
    #: Successful writes recorded in the booking's next transaction (or its group's): one fewer per
    #: booking; a crash before it is healed like any crash after a write (adoption).
    written: list[outcomes.Written] = field(default_factory=list)


def plan_in_one(db: Database, booking_ids: Sequence[int], device: str | None) -> dict[int, BookingPlan]:
    """The group's plans from one transaction; none (each booking is then planned alone) if that fails."""
    try:
        with db.session() as s:
            return plan_group(s, booking_ids, device)
    except Exception:  # noqa: BLE001 - the single-booking path plans again and reports the one at fault
        log.debug("planning %d bookings together failed; planning each alone", len(booking_ids), exc_info=True)
        return {}


def record_runs(db: Database, actor: str, runs: Sequence[BookingRun]) -> None:
    """Record the writes of bookings that all succeeded and finish their jobs, in one transaction."""
    finished = [(run.written, run.job_ids) for run in runs]
    for run in runs:
        run.written = []
    with db.session() as s:
        record_group(s, actor, finished)


def plan_group(s: Session, booking_ids: Sequence[int], device: str | None) -> dict[int, BookingPlan]:
    """Each booking's plan, made in one transaction (booking id -> plan); the caller commits."""
    with _kept(s):
        bookings, mapped = _load_bookings(s, booking_ids)
        plans = _first_writes(s, [b for b in bookings if b.id not in mapped], device)
        for booking_id in booking_ids:
            if booking_id not in plans:
                plans[booking_id] = plan_booking(s, booking_id, device)
        return plans


def _first_writes(s: Session, unmapped: Sequence[Booking], device: str | None) -> dict[int, BookingPlan]:
    """The plans of bookings without a mapping row, made together where that is simple; the others are left out.

    A confirmed booking without any mapping row has one plan (:func:`~.planning.plan_booking`'s upsert
    branch): a new pending mapping on its staff member's first usable connection, a create there at
    that calendar's privacy level. That plan is made here with one query per staff member and one
    insert for the group; any other booking (mapped, cancelled, no usable or a paused connection) is
    left to ``plan_booking``. ``tests/sync/test_batches.py`` holds the two to the same plans.
    """
    fresh = [b for b in unmapped if b.status != BookingStatus.CANCELLED]
    connection_of: dict[int, CalendarConnection | None] = {}
    for booking in fresh:
        if booking.staff_id not in connection_of:
            connection_of[booking.staff_id] = s.scalars(usable_connections(booking.staff_id)).first()
    chosen = [(b, connection_of[b.staff_id]) for b in fresh]
    writable = [(b, c) for b, c in chosen if c is not None and not c.paused]
    if not writable:
        return {}
    # The mapping rows exist (committed with the plans) before any write. One executemany insert, then
    # one select: the ORM's flush inserts rows one by one on SQLite (it needs each new id back in order).
    s.execute(insert(CalendarEventMapping.__table__), [
        {"booking_id": b.id, "connection_id": c.id, "state": MappingState.PENDING, "deleted": False}
        for b, c in writable])
    made = {m.booking_id: m for m in s.scalars(select(CalendarEventMapping).where(
        CalendarEventMapping.booking_id.in_([b.id for b, _c in writable])))}
    mappings = [made[b.id] for b, _c in writable]
    causes = dict(s.execute(
        select(OutboxJob.booking_id, func.max(OutboxJob.audit_event_id))
        .where(OutboxJob.booking_id.in_([b.id for b, _c in writable]), OutboxJob.status == JobStatus.PENDING)
        .group_by(OutboxJob.booking_id)
    ).all())
    business_level = business_in(s).event_privacy
    plans = {}
    for (booking, connection), mapping in zip(writable, mappings, strict=True):
        spec = build_event_spec(booking, level_for(connection, business_level))
        target = replace(sync_target(SyncAction.CREATE, booking, mapping, spec), caused_by=causes.get(booking.id))
        plans[booking.id] = on_device(s, BookingPlan(booking.id, [target]), device)
    return plans


def record_group(s: Session, actor: str, finished: Sequence[tuple[Sequence[outcomes.Written], Sequence[int]]]) -> None:
    """Record the successful writes of many bookings and close their jobs, in the caller's transaction.

    ``finished`` holds, per booking, its writes not recorded yet and its job ids.
    """
    sync_log.record_many(s, outcomes.apply_successes(s, actor, [w for written, _jobs in finished for w in written]))
    outbox.finish_jobs(s, [job for _written, jobs in finished for job in jobs], None)


@contextmanager
def _kept(s: Session) -> Iterator[None]:
    """Keep every row ``s`` loads or adds referenced until the block ends.

    The identity map holds rows weakly: a connection or mapping a booking's plan let go of would be
    read again by the next booking's. Held here, the group reads each shared row once.
    """
    kept: list[object] = []

    def keep(_session: Session, instance: object) -> None:
        kept.append(instance)

    listeners = (("loaded_as_persistent", keep), ("pending_to_persistent", keep))
    for name, listener in listeners:
        event.listen(s, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            event.remove(s, name, listener)
        kept.clear()


def _load_bookings(s: Session, booking_ids: Sequence[int]) -> tuple[list[Booking], set[int]]:
    """The bookings (with staff member and service), their staff's connections and their mappings, in
    three statements (kept by :func:`_kept`); and the ids of the bookings that have a mapping row."""
    bookings = list(s.scalars(select(Booking).where(Booking.id.in_(booking_ids))
                              .options(joinedload(Booking.staff), joinedload(Booking.service))).all())
    staff_ids = {booking.staff_id for booking in bookings}
    s.scalars(select(CalendarConnection).where(CalendarConnection.staff_id.in_(staff_ids))).all()
    mappings = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id.in_(booking_ids))
                         .options(joinedload(CalendarEventMapping.connection))).all()
    return bookings, {mapping.booking_id for mapping in mappings}
