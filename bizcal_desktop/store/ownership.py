"""Which device may use a connection's calendar, and outbox jobs handed from one device to another.

Why: on a team's shared database every device sees every connection, but a connection's secret is
only in the keychain of the device that connected it (issue 19: no secret ever enters the shared
database). Another device that tried to write there would find no secret and mark a working
connection *needs reconnect*. So each connection names its device (``owner_device``), and:

* a device reads busy times and renews tokens only of its own connections (:func:`owned_by`);
* a booking is planned as ever (its calendars are decided by the shared rows), and a device runs
  only the calls to its own connections; the booking's jobs are then *handed* to the device of the
  first call left (``outbox_job.for_device``), pending and with nothing counted against them. A
  device claims only jobs that are unaddressed or handed to it (:func:`claimable_by`), so a handed
  job is not picked up again and again by devices that cannot write it — unless the device it was
  handed to no longer holds any usable connection of the booking's staff member (taken over,
  disconnected, broken): then any device may plan it again.
* A connection from before devices were recorded has no owner until the device that holds its
  secret starts (``services/devices.adopt_unowned``); until then its jobs wait for
  :data:`UNCLAIMED`, "the computer that connected it".

The status counts what waits for which device (:func:`waiting_elsewhere`), by the name each device
gave itself (``owner_device_name``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from bizcal_desktop.store import sync_log
from bizcal_desktop.store.models import (
    Booking,
    CalendarConnection,
    ConnectionStatus,
    JobStatus,
    OutboxJob,
    Outcome,
    SyncAction,
)

#: ``for_device`` of a job whose calendar belongs to a connection no device has claimed yet.
UNCLAIMED = ""
#: How such a device is named to people.
UNCLAIMED_NAME = "the computer that connected it"


@dataclass(frozen=True)
class Holder:
    """The device that holds a connection's secret: its id and its name for people."""

    device: str
    name: str


@dataclass(frozen=True)
class Waiting:
    """Changes that wait for another device (the one holding their calendar's secret)."""

    device: str
    name: str
    changes: int


def owned_by(device: str | None) -> list[ColumnElement[bool]]:
    """The conditions of a connection ``device`` may use (no condition when ``device`` is None: all)."""
    return [] if device is None else [CalendarConnection.owner_device == device]


def is_here(connection: CalendarConnection, device: str | None) -> bool:
    return device is None or connection.owner_device == device


def holder_of(connection: CalendarConnection) -> Holder:
    if connection.owner_device is None:
        return Holder(UNCLAIMED, UNCLAIMED_NAME)
    return Holder(connection.owner_device, connection.owner_device_name or connection.owner_device[:8])


#: The aliases :func:`claimable_by` correlates, made once: an alias copies its table's columns, and
#: making two for every claim cost more CPU than the claim's statements.
_HOLDER = aliased(CalendarConnection, name="holder")
_HOLDERS_BOOKING = aliased(Booking, name="holders_booking")


def claimable_by(device: str | None) -> ColumnElement[bool]:
    """A job ``device`` may claim: unaddressed, handed to it, or handed to a device that can no longer
    write it (it holds no usable connection of the booking's staff member any more)."""
    if device is None:
        return true()
    holder, booking = _HOLDER, _HOLDERS_BOOKING
    still_held = exists().where(
        booking.id == OutboxJob.booking_id,
        holder.staff_id == booking.staff_id,
        func.coalesce(holder.owner_device, UNCLAIMED) == OutboxJob.for_device,
        holder.active.is_(True),
        holder.status == ConnectionStatus.ACTIVE,
    ).correlate_except(holder, booking)
    return or_(OutboxJob.for_device.is_(None), OutboxJob.for_device == device, ~still_held)


def hand_over(s: Session, job_ids: Sequence[int], holder: Holder, note: str) -> None:
    """Give ``job_ids`` to ``holder``: pending, unclaimed, nothing counted; ``note`` says why."""
    s.execute(
        update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.status == JobStatus.PENDING)
        .values(for_device=holder.device, claimed_by=None, lease_until=None, last_error=note[:2000])
        .execution_options(synchronize_session=False)
    )


def record_handed(s: Session, actor: str, booking_id: int, holder: Holder, connection_name: str) -> str:
    """One log row: the booking's change waits for the device that holds its calendar (not a failure)."""
    message = (f"Booking {booking_id} waits for {holder.name}, which holds the secret of {connection_name}; "
               "it is written from there")
    exists_now = s.get(Booking, booking_id) is not None
    sync_log.record(s, actor=actor, action=SyncAction.UPDATE, outcome=Outcome.SKIPPED, message=message,
                    booking_id=booking_id if exists_now else None)
    return message


def pending_here(s: Session, device: str | None) -> int:
    """Pending jobs this device may work on (every pending job when ``device`` is None)."""
    query = select(func.count(OutboxJob.id)).where(OutboxJob.status == JobStatus.PENDING)
    if device is not None:
        query = query.where(or_(OutboxJob.for_device.is_(None), OutboxJob.for_device == device))
    return int(s.scalar(query) or 0)


def waiting_elsewhere(s: Session, device: str | None) -> list[Waiting]:
    """Pending jobs handed to other devices, per device, most first."""
    if device is None:
        return []
    counts = s.execute(
        select(OutboxJob.for_device, func.count(OutboxJob.id))
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.for_device.is_not(None),
               OutboxJob.for_device != device)
        .group_by(OutboxJob.for_device)
    ).all()
    names = device_names(s, [other for other, _ in counts])
    waiting = [Waiting(other, names.get(other, other[:8]), int(n)) for other, n in counts]
    return sorted(waiting, key=lambda w: (-w.changes, w.name))


def device_names(s: Session, devices: Sequence[str]) -> dict[str, str]:
    """Each device's name for people, as its connections record it."""
    names = {UNCLAIMED: UNCLAIMED_NAME}
    wanted = [d for d in devices if d != UNCLAIMED]
    if wanted:
        rows = s.execute(
            select(CalendarConnection.owner_device, CalendarConnection.owner_device_name)
            .where(CalendarConnection.owner_device.in_(wanted),
                   CalendarConnection.owner_device_name.is_not(None))
        ).all()
        names.update({device: name for device, name in rows})
    return names


def take(s: Session, row: CalendarConnection, device: str, name: str) -> Holder | None:
    """Make ``device`` the holder of ``row``; the holder before, when it was another device.

    Jobs of the staff member handed to the device before are unaddressed again, so the next drain of
    any device plans them anew (and hands them here when they are this connection's).
    """
    before = holder_of(row) if row.owner_device not in (None, device) else None
    row.owner_device, row.owner_device_name = device, name
    if before is not None:
        bookings = select(Booking.id).where(Booking.staff_id == row.staff_id)
        s.execute(
            update(OutboxJob)
            .where(and_(OutboxJob.status == JobStatus.PENDING, OutboxJob.for_device == before.device,
                        OutboxJob.booking_id.in_(bookings)))
            .values(for_device=None)
            .execution_options(synchronize_session=False)
        )
    return before


def rename(s: Session, device: str, name: str) -> int:
    """Every connection of ``device`` shows its new ``name``; how many there are."""
    result = s.execute(
        update(CalendarConnection)
        .where(CalendarConnection.owner_device == device)
        .values(owner_device_name=name)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
