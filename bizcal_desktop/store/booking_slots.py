"""One staff member, one booking at a time: the database refuses an overlap, this module says so.

Why the database decides and not a check in Python: two devices on a team's shared database can each
read 10:00 as free and book it in the same second; a check in each process would pass twice. Migration
0012 gives each engine its rule (an exclusion constraint on PostgreSQL, triggers on SQLite; its
docstring has the details, and why bookings that overlapped before it are *grandfathered*). Whoever
commits first wins; the other is refused, and :func:`guarded` turns that refusal into a
:class:`~bizcal_desktop.errors.SlotTakenError` whose sentence names the staff member and the time that
is taken (never the other booking's customer).

Why a savepoint: the refusal comes from the flush that writes the booking's time. Rolled back to the
savepoint, the session can still read which booking holds the time, for the sentence; the caller's
unit of work then rolls back as the error passes through it, so nothing is half-saved (no audit event,
no outbox job — both are written after the guarded flush).

Why ``BEGIN IMMEDIATE`` on SQLite: Python's sqlite3 begins a transaction only at the first write, as a
*deferred* one. Two processes would then both start, and the loser could fail with "database is
locked" instead of meeting the trigger. Beginning the write transaction before the booking is written
makes the second device wait (the busy timeout) until the first one commits; its trigger then sees the
first booking and refuses. It also keeps the unit of work whole: a SAVEPOINT outside any transaction
begins one in SQLite, and releasing it would commit the booking before its audit event and job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bizcal_desktop.errors import SlotTakenError
from bizcal_desktop.store.models import Booking, BookingStatus, Staff

#: The word both engines' refusals carry (the SQLite triggers' message, the PostgreSQL trigger's).
SLOT_TAKEN = "booking_slot_taken"
#: The PostgreSQL exclusion constraint of migration 0012.
CONSTRAINT = "booking_no_overlap"
_EXCLUSION_VIOLATION = "23P01"


def is_slot_taken(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing an overlapping confirmed booking (either engine)."""
    if not isinstance(exc, DBAPIError):
        return False
    original = exc.orig
    if getattr(original, "sqlstate", None) == _EXCLUSION_VIOLATION:
        diag = getattr(original, "diag", None)
        return getattr(diag, "constraint_name", None) in (CONSTRAINT, None)
    return SLOT_TAKEN in str(original)


def _begin_write(session: Session) -> None:
    """On SQLite, make sure the session is inside a write transaction (``BEGIN IMMEDIATE``)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def guarded(
    session: Session, staff: Staff, start_utc: datetime, end_utc: datetime, booking_id: int | None = None
) -> Iterator[None]:
    """Write a booking's time (``staff`` from ``start_utc`` to ``end_utc``) inside this block; flushed
    at its end. An overlap with another confirmed booking raises :class:`SlotTakenError`.

    ``booking_id`` is the booking being moved (None for a new one): it is not its own obstacle.
    """
    _begin_write(session)
    savepoint = session.begin_nested()
    try:
        yield
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        if not is_slot_taken(exc):
            raise
        raise SlotTakenError(taken_sentence(session, staff, start_utc, end_utc, booking_id)) from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def holder(
    session: Session, staff_id: int, start_utc: datetime, end_utc: datetime, booking_id: int | None = None
) -> Booking | None:
    """The first confirmed booking of ``staff_id`` over ``[start_utc, end_utc)``, other than ``booking_id``."""
    query = (
        select(Booking)
        .where(Booking.staff_id == staff_id, Booking.status == BookingStatus.CONFIRMED,
               Booking.start_utc < end_utc, Booking.end_utc > start_utc)
        .order_by(Booking.start_utc, Booking.id)
        .limit(1)
    )
    if booking_id is not None:
        query = query.where(Booking.id != booking_id)
    return session.scalars(query).first()


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


def taken_sentence(
    session: Session, staff: Staff, start_utc: datetime, end_utc: datetime, booking_id: int | None = None
) -> str:
    """"That time was just taken: Mark already has a booking from 10:00 to 11:00 on Tue 8 Dec. Pick
    another time." — in the staff member's zone; the other booking's customer is not named."""
    other = holder(session, staff.id, start_utc, end_utc, booking_id)
    if other is None:  # cancelled again in the meantime: the time may be free now
        return f"That time was just taken: {staff.name} already has a booking then. Pick another time."
    zone = ZoneInfo(staff.timezone)
    start, end = other.start_utc.astimezone(zone), other.end_utc.astimezone(zone)
    if start.date() == end.date():
        when = f"from {start:%H:%M} to {end:%H:%M} on {_day(start)}"
    else:
        when = f"from {_day(start)} {start:%H:%M} to {_day(end)} {end:%H:%M}"
    return f"That time was just taken: {staff.name} already has a booking {when}. Pick another time."
