"""What a reconnect changes in the store: the row back in use, and the bookings its break left behind.

Why queue exactly these bookings and not all of them: while a connection needed the user, the engine
marked the write that met the refusal *failed*, planned a cancelled booking's delete as "nothing to
do until it is reconnected", moved other bookings to the staff member's next connection (the event
left here is *superseded*) or, with no other connection, skipped them. Each of those is a booking
whose calendars no longer match it; every other booking is as it was. So a reconnect queues:

* every booking with a mapping on this connection that is not done (failed, pending, left behind),
  that holds an older version of the booking (moved meanwhile), or whose booking was cancelled
  while its event is still here;
* every confirmed booking of the staff member not over yet that has no event anywhere in use (it
  was skipped; older ones are left to Resync, as for a connection made after its bookings).

Why forget the events when the calendar changes: a connection whose calendar is gone is reconnected
to a calendar the user chooses. The events of the gone calendar cannot be reached; a confirmed
booking's mapping is reset so its event is written anew into the chosen calendar, and a cancelled
(or left-behind) one is closed, as there is nothing left to delete.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bizcal_desktop.store.booking_changes import enqueue
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    BusyBlock,
    CalendarConnection,
    CalendarEventMapping,
    MappingState,
)


def choose_calendar(s: Session, row: CalendarConnection, calendar_id: str, href: str | None, name: str) -> bool:
    """Point ``row`` at the calendar (the same or another); True when it is another one."""
    if calendar_id == row.calendar_id:
        row.calendar_name = name or row.calendar_name
        return False
    old = row.calendar_id
    row.calendar_id, row.calendar_href, row.calendar_name = calendar_id, href, name
    busy = [b for b in json.loads(row.busy_calendar_ids or "[]") if b not in (old, calendar_id)]
    row.busy_calendar_ids = json.dumps([calendar_id, *busy]) if busy else None
    row.sync_cursor = None  # the busy times of the gone calendar are read no more
    s.execute(delete(BusyBlock).where(BusyBlock.connection_id == row.id))
    for mapping in s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.connection_id == row.id)):
        _forget_event(mapping)
    return True


def _forget_event(mapping: CalendarEventMapping) -> None:
    if mapping.deleted:
        return
    if mapping.booking.status == BookingStatus.CANCELLED or mapping.state == MappingState.SUPERSEDED:
        mapping.deleted = True  # its calendar is gone: nothing left to delete
        mapping.state = MappingState.SYNCED
        return
    mapping.external_id = mapping.href = mapping.etag = None
    mapping.synced_version = None
    mapping.state = MappingState.PENDING


def queue_left_behind(s: Session, row: CalendarConnection, now: datetime, reason: str = "reconnect") -> list[int]:
    """Queue the bookings the connection's break left behind (see the module docstring); their ids."""
    queued = set(s.scalars(
        select(CalendarEventMapping.booking_id)
        .join(Booking, Booking.id == CalendarEventMapping.booking_id)
        .where(
            CalendarEventMapping.connection_id == row.id,
            CalendarEventMapping.deleted.is_(False),
            or_(CalendarEventMapping.state != MappingState.SYNCED, Booking.status == BookingStatus.CANCELLED,
                CalendarEventMapping.synced_version.is_(None), CalendarEventMapping.synced_version != Booking.version),
        )
    ))
    with_event = (
        select(CalendarEventMapping.booking_id)
        .join(CalendarConnection, CalendarConnection.id == CalendarEventMapping.connection_id)
        .where(CalendarEventMapping.deleted.is_(False), CalendarEventMapping.state != MappingState.SUPERSEDED,
               CalendarConnection.active.is_(True))
    )
    queued |= set(s.scalars(
        select(Booking.id).where(Booking.staff_id == row.staff_id, Booking.status == BookingStatus.CONFIRMED,
                                 Booking.end_utc > now, Booking.id.not_in(with_event))
    ))
    for booking_id in sorted(queued):
        enqueue(s, booking_id, reason)
    return sorted(queued)
