"""Read-only answers the tray and the Integrations window need: is anything wrong, and where.

Why a service of its own: the tray asks "how many failed, how many pending, which connections are
not active, anything new in the log" after every drain. Asking through the booking list would
load every booking; these are a few indexed COUNT/SELECT queries, and the UI keeps no SQL.

On a team's shared database the status is this device's: the changes it has to sync, and — apart —
the changes that wait for the device holding their calendar's secret ("3 changes wait for Sarah's
laptop", ``store/ownership``); problems and failed writes are those of its own connections, which
only it can mend (another device's are told on that device).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bizcal_desktop.store import deletion_holds, ownership
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.deletion_holds import HeldDeletions
from bizcal_desktop.store.models import (
    Booking,
    CalendarConnection,
    CalendarEventMapping,
    CalendarSyncLog,
    ConnectionStatus,
    MappingState,
    Staff,
)
from bizcal_desktop.store.ownership import Waiting, is_here


@dataclass(frozen=True)
class ConnectionProblem:
    connection_id: int
    display_name: str
    staff_name: str
    status: str
    last_error: str | None


@dataclass(frozen=True)
class FailedWrite:
    """A booking whose event could not be written (a failed mapping), and to which calendar."""

    mapping_id: int
    booking_id: int
    connection_id: int
    connection_name: str


@dataclass(frozen=True)
class StatusSummary:
    """Everything the tray icon and its tooltip show."""

    pending_jobs: int
    failed_mappings: int
    synced_mappings: int
    connections: int
    problems: list[ConnectionProblem]
    last_success_at: datetime | None
    last_log_id: int
    #: Every failed mapping of a connection in use (the calm alerts judge how long each lasts).
    failed_writes: tuple[FailedWrite, ...] = ()
    #: The names of the connections the user paused (their bookings wait; not a problem).
    paused: tuple[str, ...] = ()
    #: Changes that wait for other devices (they hold the calendars' secrets), per device.
    waiting_elsewhere: tuple[Waiting, ...] = ()
    #: Calendars whose deletions the mass-deletion guard holds for the user's confirmation.
    held_deletions: tuple[HeldDeletions, ...] = ()


@dataclass(frozen=True)
class MappingRow:
    """One event mapping with enough of its booking to recognise it in a list."""

    id: int
    booking_id: int
    connection_id: int
    customer_name: str
    service_name: str
    start: datetime  #: UTC
    timezone: str
    booking_status: str
    state: str
    deleted: bool
    attempts: int
    last_error: str | None
    external_id: str | None


#: Disconnected, or being disconnected (its events being removed, ``services/event_removal.py``): no problem to show.
_GONE = (ConnectionStatus.DISCONNECTED, ConnectionStatus.REMOVING)


class StatusService:
    """Counts and lists for the tray, the notifications and the mapping details."""

    def __init__(self, db: Database, device: str | None = None) -> None:
        self._db = db
        self._device = device  #: this installation's id (None: every connection counts as its own)

    def summary(self) -> StatusSummary:
        with self._db.session() as s:
            pending = ownership.pending_here(s, self._device)
            states = dict(
                s.execute(
                    select(CalendarEventMapping.state, func.count(CalendarEventMapping.id))
                    .join(CalendarConnection, CalendarConnection.id == CalendarEventMapping.connection_id)
                    .where(CalendarConnection.status.not_in(_GONE), *ownership.owned_by(self._device))
                    .group_by(CalendarEventMapping.state)
                ).all()
            )
            rows = s.execute(
                select(CalendarConnection, Staff.name)
                .join(Staff, Staff.id == CalendarConnection.staff_id)
                .where(CalendarConnection.status.not_in(_GONE))
            ).all()
            problems = [
                ConnectionProblem(c.id, c.display_name, staff_name, c.status, c.last_error)
                for c, staff_name in rows
                if c.status != ConnectionStatus.ACTIVE and is_here(c, self._device)
            ]
            last_success = max((c.last_success_at for c, _ in rows if c.last_success_at), default=None)
            last_log_id = s.scalar(select(func.max(CalendarSyncLog.id))) or 0
            return StatusSummary(
                pending_jobs=int(pending or 0),
                failed_mappings=int(states.get(MappingState.FAILED, 0)),
                synced_mappings=int(states.get(MappingState.SYNCED, 0)),
                connections=len(rows),
                problems=problems,
                last_success_at=last_success,
                last_log_id=int(last_log_id),
                failed_writes=_failed_writes(s, self._device),
                paused=tuple(c.display_name for c, _ in rows if c.paused),
                waiting_elsewhere=tuple(ownership.waiting_elsewhere(s, self._device)),
                held_deletions=tuple(deletion_holds.held(s)),
            )

    def mappings(self, connection_id: int, limit: int = 500) -> list[MappingRow]:
        """A connection's event mappings, newest booking first."""
        with self._db.session() as s:
            query = (
                select(CalendarEventMapping, Booking)
                .join(Booking, Booking.id == CalendarEventMapping.booking_id)
                .where(CalendarEventMapping.connection_id == int(connection_id))
                .order_by(Booking.start_utc.desc())
                .limit(limit)
            )
            return [
                MappingRow(
                    id=m.id,
                    booking_id=b.id,
                    connection_id=m.connection_id,
                    customer_name=b.customer_name,
                    service_name=b.service.name,
                    start=b.start_utc,
                    timezone=b.timezone,
                    booking_status=b.status,
                    state=m.state,
                    deleted=m.deleted,
                    attempts=m.attempts,
                    last_error=m.last_error,
                    external_id=m.external_id,
                )
                for m, b in s.execute(query).all()
            ]


def waiting_text(waiting: Waiting) -> str:
    """"3 changes wait for Sarah's laptop"."""
    if waiting.changes == 1:
        return f"1 change waits for {waiting.name}"
    return f"{waiting.changes} changes wait for {waiting.name}"


def _failed_writes(s: Session, device: str | None) -> tuple[FailedWrite, ...]:
    query = (
        select(
            CalendarEventMapping.id,
            CalendarEventMapping.booking_id,
            CalendarConnection.id,
            CalendarConnection.display_name,
        )
        .join(CalendarConnection, CalendarConnection.id == CalendarEventMapping.connection_id)
        .where(
            CalendarEventMapping.state == MappingState.FAILED,
            CalendarConnection.status != ConnectionStatus.DISCONNECTED,
            *ownership.owned_by(device),
        )
        .order_by(CalendarEventMapping.id)
    )
    return tuple(FailedWrite(*row) for row in s.execute(query).all())
