"""Planning one booking's sync: which provider calls make its calendars match it now.

A job names only a booking, so the plan is made from the booking's *current* row each time it runs —
after a conflict too, which is how a calendar that changed under us is answered with the newest
booking rather than the plan we held. Planning also commits the mapping rows (state ``pending``)
before any provider call: a crash after the write then finds a pending mapping without an ETag, and
the provider's create-if-absent adopts the event instead of duplicating it.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.providers.base import ConnectionInfo, EventRef, EventSpec
from bizcal_desktop.store.connections import connection_info, usable_connections
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarEventMapping,
    MappingState,
    SyncAction,
)


@dataclass(frozen=True)
class SyncTarget:
    """One provider call the plan asks for."""

    action: str  # SyncAction.CREATE / UPDATE / DELETE
    booking_id: int
    mapping_id: int
    connection: ConnectionInfo
    connection_name: str
    spec: EventSpec
    known: EventRef | None


@dataclass(frozen=True)
class BookingPlan:
    booking_id: int
    targets: list[SyncTarget]
    skip_reason: str | None = None


def build_event_spec(booking: Booking) -> EventSpec:
    """The event a booking becomes: "Service – Customer", in the staff member's zone."""
    zone = ZoneInfo(booking.timezone)
    local_start = booking.start_utc.astimezone(zone)
    minutes = int((booking.end_utc - booking.start_utc).total_seconds() // 60)
    description = "\n".join(
        [
            f"Service: {booking.service.name} ({minutes} min)",
            f"Customer: {booking.customer_name}",
            f"Staff: {booking.staff.name}",
            f"When: {local_start:%A %d %B %Y, %H:%M} ({booking.timezone})",
            f"Booking #{booking.id} — managed by BizCal Desktop; change it there, not here.",
        ]
    )
    return EventSpec(
        booking_public_id=booking.public_id,
        summary=f"{booking.service.name} – {booking.customer_name}",
        description=description,
        start=booking.start_utc,
        end=booking.end_utc,
        timezone=booking.timezone,
        sequence=booking.version,
    )


def plan_booking(s: Session, booking_id: int) -> BookingPlan:
    """Decide the provider calls for a booking and make sure their mapping rows exist."""
    booking = s.get(Booking, booking_id)
    if booking is None:
        return BookingPlan(booking_id, [], skip_reason="the booking no longer exists")
    spec = build_event_spec(booking)
    mappings = list(
        s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id)).all()
    )
    if booking.status == BookingStatus.CANCELLED:
        return _plan_delete(booking, spec, mappings)
    return _plan_upsert(s, booking, spec, mappings)


def _known(mapping: CalendarEventMapping) -> EventRef | None:
    return EventRef(mapping.external_id, mapping.href, mapping.etag) if mapping.external_id else None


def _plan_upsert(
    s: Session, booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]
) -> BookingPlan:
    # Keep the event where it already lives while that connection works; otherwise the staff
    # member's default, or the next active connection when the default is switched off.
    live = [m for m in mappings if m.connection.usable and not m.deleted]
    if live:
        mapping = live[0]
        connection = mapping.connection
    else:
        connection = s.scalars(usable_connections(booking.staff_id)).first()
        if connection is None:
            return BookingPlan(
                booking.id, [],
                skip_reason=f"{booking.staff.name} has no active calendar connection; "
                "connect one, then run Resync",
            )
        for stale in mappings:
            if stale.connection_id != connection.id and not stale.connection.usable:
                stale.state = MappingState.SUPERSEDED
        mapping = next((m for m in mappings if m.connection_id == connection.id), None)
        if mapping is None:
            mapping = CalendarEventMapping(
                booking_id=booking.id, connection_id=connection.id, state=MappingState.PENDING
            )
            s.add(mapping)
        mapping.deleted = False
    if mapping.state != MappingState.PENDING:
        mapping.state = MappingState.PENDING
    s.flush()
    action = SyncAction.UPDATE if mapping.synced_version is not None else SyncAction.CREATE
    target = SyncTarget(
        action, booking.id, mapping.id, connection_info(connection), connection.display_name, spec,
        _known(mapping),
    )
    return BookingPlan(booking.id, [target])


def _plan_delete(booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]) -> BookingPlan:
    # A mapping row is committed before any write, so no mapping means no event was ever made.
    targets = []
    for mapping in mappings:
        if mapping.deleted or not mapping.connection.usable:
            continue
        mapping.state = MappingState.PENDING
        targets.append(
            SyncTarget(
                SyncAction.DELETE, booking.id, mapping.id, connection_info(mapping.connection),
                mapping.connection.display_name, spec, _known(mapping),
            )
        )
    if not targets:
        if any(not m.deleted for m in mappings):
            reason = "its calendar connection needs attention; reconnect it, then run Resync"
        else:
            reason = "cancelled before any calendar event was made"
        return BookingPlan(booking.id, [], skip_reason=reason)
    return BookingPlan(booking.id, targets)
