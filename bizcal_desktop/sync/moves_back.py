"""Two-way sync by change signals: a booking follows its event when someone moves it in the calendar.

Why here and not in the importer: deciding whether a read-back time is a real move (not the echo
of our own write, not older than a local change) is its own set of rules; the importer only hands
over what it read. Only a real move counts - the event's times differ from what we last wrote -
and a local change always wins: a booking with a queued sync, or one touched after the read began,
is left alone (its own sync will put the calendar right). A deleted event never cancels a booking;
that takes a human.

A move onto a time its staff member is booked already is refused by the database
(:mod:`bizcal_desktop.store.booking_slots`), as a person's would be. Here that never stops an import:
the booking keeps its time, one sync-log row says so, and the event is put back at the booking's time
by the next drain — what the book says is what the calendar shows, and the same move is not refused
again at every read. The other moves of the same read still go through (each in its own savepoint).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.local_time import wall_clock
from bizcal_desktop.errors import SlotTakenError
from bizcal_desktop.providers.base import BusyChanges, is_own_uid
from bizcal_desktop.store import booking_changes, sync_log
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
    JobStatus,
    MappingState,
    OutboxJob,
    Outcome,
    SyncAction,
)


def _as_written(mapping: CalendarEventMapping, read: tuple[datetime, datetime], zone: ZoneInfo) -> bool:
    """Whether the times read back are the ones we last wrote (then nothing was moved).

    Equal instants, or equal wall clocks in the booking's zone: an event written with a zone name
    at a time in the repeated hour of a fall-back night (before such times were written in UTC)
    reads back as the *first* 02:30 although we meant the second. Nobody moves an event by
    exactly that hour, so taking it for our own write is safe.
    """
    written = (mapping.synced_start_utc, mapping.synced_end_utc)
    if written == read:
        return True
    return all(w is not None and wall_clock(w, zone) == wall_clock(r, zone)
               for w, r in zip(written, read, strict=True))


def _refuse(
    s: Session, booking: Booking, mapping: CalendarEventMapping, connection_name: str,
    moved_to: tuple[datetime, datetime],
) -> None:
    """The booking stays; its event goes back to the booking's time at the next drain; the log says why."""
    booking_changes.put_event_back(s, booking, mapping)
    zone = ZoneInfo(booking.timezone)
    start, end = (moment.astimezone(zone) for moment in moved_to)
    sync_log.record(
        s, actor=f"calendar:{connection_name}"[:64], action=SyncAction.CONFLICT, outcome=Outcome.SKIPPED,
        booking_id=booking.id, connection_id=mapping.connection_id, mapping_id=mapping.id,
        message=(
            f"Booking {booking.id} ({booking.service.name}) was moved in {connection_name} to "
            f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} {booking.timezone}, but {booking.staff.name} already has a "
            f"booking then; the booking stays at {booking.start_utc.astimezone(zone):%Y-%m-%d %H:%M} and its "
            "event is put back there"
        ),
    )


def follow_moved_events(
    db: Database, connection_id: int, connection_name: str, changes: BusyChanges, fetched_at: datetime
) -> int:
    """Move bookings whose event was moved in the calendar; returns how many moved."""
    moved = 0
    if not changes.own_times:
        return moved
    with db.session() as s:
        for source, (start, end) in changes.own_times.items():
            uid = changes.own_events.get(source)
            if not uid or not is_own_uid(uid):
                continue
            booking = s.scalar(select(Booking).where(Booking.public_id == uid.split("@", 1)[0]))
            if booking is None or booking.status != BookingStatus.CONFIRMED:
                continue
            mapping = s.scalar(
                select(CalendarEventMapping).where(
                    CalendarEventMapping.booking_id == booking.id,
                    CalendarEventMapping.connection_id == connection_id,
                )
            )
            if mapping is None or mapping.state != MappingState.SYNCED or mapping.deleted:
                continue
            zone = ZoneInfo(booking.timezone)
            if _as_written(mapping, (start, end), zone):
                continue  # what we wrote: no echo of our own writes
            if mapping.updated_at >= fetched_at or booking.updated_at >= fetched_at:
                continue  # we wrote or changed it while this read was under way: ours is newer
            queued = s.scalar(
                select(func.count()).select_from(OutboxJob).where(
                    OutboxJob.booking_id == booking.id, OutboxJob.status == JobStatus.PENDING
                )
            )
            if queued:
                continue  # a local change is on its way to the calendar and wins
            before = booking.start_utc.astimezone(zone)
            try:
                booking_changes.follow_calendar_move(s, booking, mapping, start, end)
            except SlotTakenError:
                _refuse(s, booking, mapping, connection_name, (start, end))
                continue
            sync_log.record(
                s, actor=f"calendar:{connection_name}"[:64], action=SyncAction.UPDATE, outcome=Outcome.SUCCESS,
                booking_id=booking.id, connection_id=connection_id, mapping_id=mapping.id,
                message=(
                    f"Booking {booking.id} ({booking.service.name} – {booking.customer_name}) was moved in "
                    f"{connection_name} from {before:%Y-%m-%d %H:%M} to "
                    f"{start.astimezone(zone):%Y-%m-%d %H:%M}–{end.astimezone(zone):%H:%M} "
                    f"{booking.timezone}; the booking follows"
                ),
            )
            moved += 1
    return moved
