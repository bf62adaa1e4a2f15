"""Which of a booking's events its plan deletes, and where: one answer for the planner and the guard.

Why in the store and shared: the planner (``sync/planning.py``) decides a booking's provider calls,
and the mass-deletion guard (``sync/deletion_guard.py``) must count, before anything is planned,
every deletion a drain would make in one calendar — a cancelled booking's events, and an event left
behind by failover in a calendar that works again (its mapping *superseded*). Both read the same
rules from here, so the guard can neither miss a kind of deletion the planner makes nor count one
it does not; the held deletions a person confirms (``store/deletion_holds.py``) are listed per
calendar by the same rules.

These are pure selections over a booking's mapping rows (nothing is changed); a disconnect's removal
is not here — it is not planned by the engine (``services/event_removal.py``) and the user already
confirmed its count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from bizcal_desktop.store.connections import usable_connections
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    MappingState,
)


def present(mappings: Iterable[CalendarEventMapping]) -> list[CalendarEventMapping]:
    """The events a cancelled booking's plan deletes: every one not deleted in a usable calendar."""
    return [m for m in mappings if not m.deleted and m.connection.usable]


def live(mappings: Iterable[CalendarEventMapping]) -> list[CalendarEventMapping]:
    """Where a booking's event lives now: written, in a calendar that works, not left behind."""
    return [m for m in mappings if m.connection.usable and not m.deleted and m.state != MappingState.SUPERSEDED]


def left_behind(mappings: Iterable[CalendarEventMapping], written_to: int) -> list[CalendarEventMapping]:
    """Events left in a calendar that works again after the booking moved on (to ``written_to``)."""
    return [m for m in mappings if m.state == MappingState.SUPERSEDED and not m.deleted
            and m.connection.usable and m.connection_id != written_to]


def write_connection(s: Session, booking: Booking,
                     mappings: list[CalendarEventMapping]) -> CalendarConnection | None:
    """Where a confirmed booking's event is written: where it lives while that calendar works;
    otherwise the staff member's default, or the next usable connection."""
    current = live(mappings)
    if current:
        return current[0].connection
    return s.scalars(usable_connections(booking.staff_id)).first()


def planned_deletions(s: Session, booking_ids: Iterable[int]) -> dict[int, set[int]]:
    """connection id -> the bookings among ``booking_ids`` whose plan deletes an event there now.

    Calendars that are paused are left out: a plan waits for Resume there rather than deleting.
    """
    ids = _may_delete(s, list(booking_ids))
    per_calendar: dict[int, set[int]] = defaultdict(set)
    if not ids:
        return per_calendar
    mappings: dict[int, list[CalendarEventMapping]] = defaultdict(list)
    for mapping in s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id.in_(ids))
                             .order_by(CalendarEventMapping.id)):
        mappings[mapping.booking_id].append(mapping)
    for booking in s.scalars(select(Booking).where(Booking.id.in_(list(mappings)))):
        rows = mappings[booking.id]
        if booking.status == BookingStatus.CANCELLED:
            deleted = present(rows)
        else:
            target = write_connection(s, booking, rows)
            deleted = left_behind(rows, target.id) if target is not None else []
        for mapping in deleted:
            if not mapping.connection.paused:
                per_calendar[mapping.connection_id].add(booking.id)
    return per_calendar


def _may_delete(s: Session, booking_ids: list[int]) -> list[int]:
    """The bookings among ``booking_ids`` whose plan can delete anything: cancelled ones, and those
    with an event left behind (one indexed query; a drain of moves and new bookings loads nothing more)."""
    if not booking_ids:
        return []
    cancelled = select(Booking.id).where(Booking.id.in_(booking_ids), Booking.status == BookingStatus.CANCELLED)
    left = select(CalendarEventMapping.booking_id).where(
        CalendarEventMapping.booking_id.in_(booking_ids), CalendarEventMapping.state == MappingState.SUPERSEDED,
        CalendarEventMapping.deleted.is_(False))
    return list(s.scalars(union(cancelled, left)))
