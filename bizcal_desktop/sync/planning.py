"""Planning one booking's sync: which provider calls make its calendars match it now.

A job names only a booking, so the plan is made from the booking's *current* row each time it runs —
after a conflict too, which is how a calendar that changed under us is answered with the newest
booking rather than the plan we held. Planning also commits the mapping rows (state ``pending``)
before any provider call: a crash after the write then finds a pending mapping without an ETag, and
the provider's create-if-absent adopts the event instead of duplicating it.

A booking whose write would go to a *paused* connection waits (``wait_reason``): a pause is the
user's choice, so the booking neither fails nor moves to another calendar. An event left behind in
a calendar that stopped working (its mapping *superseded* when the booking moved on) is deleted once
that connection works again (reconnected), so a booking is never shown in two calendars.

On a team's shared database a device runs only the calls to connections whose secret it holds: the
plan is made from the shared rows as on any device, then the calls to other devices' connections are
taken out and the plan names the device of the first of them (``hand_to``); the engine hands the
booking's jobs to it once this device's calls are done (``store/ownership.py``). Only the write
(create or update) persists from plan to plan — deletes are done once — so a booking whose calls
span two devices goes from one to the other at most once and back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.privacy import BookingFacts, PrivacyLevel, event_description, event_title
from bizcal_desktop.providers.base import ConnectionInfo, EventRef, EventSpec
from bizcal_desktop.store import event_deletions
from bizcal_desktop.store.audit import cause_of
from bizcal_desktop.store.connections import connection_info
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    MappingState,
    SyncAction,
)
from bizcal_desktop.store.ownership import Holder, holder_of, is_here
from bizcal_desktop.store.privacy import level_for
from bizcal_desktop.store.settings import business_in


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
    #: The person's change this write follows (an ``AuditEvent`` id): copied to its log row.
    caused_by: int | None = None


@dataclass(frozen=True)
class Handover:
    """The device the booking's jobs go to after this device's calls, and the calendar it holds."""

    holder: Holder
    connection_name: str


@dataclass(frozen=True)
class BookingPlan:
    booking_id: int
    targets: list[SyncTarget]
    skip_reason: str | None = None
    #: Nothing is written now: a connection the booking must be written to is paused.
    wait_reason: str | None = None
    #: Calls left for another device (``targets`` are this device's only); None: nothing left.
    hand_to: Handover | None = None


def build_event_spec(booking: Booking, level: PrivacyLevel) -> EventSpec:
    """The event a booking becomes in a calendar of privacy ``level``, in the staff member's zone.

    What it says of the customer is the level's alone (``domain/privacy.py``); it never names anyone
    as an attendee, so no calendar ever sends an invitation for a booking.
    """
    facts = BookingFacts(
        booking_id=booking.id, service=booking.service.name, customer=booking.customer_name,
        staff=booking.staff.name, start=booking.start_utc, end=booking.end_utc, timezone=booking.timezone,
    )
    return EventSpec(
        booking_public_id=booking.public_id,
        summary=event_title(level, facts),
        description=event_description(level, facts),
        start=booking.start_utc,
        end=booking.end_utc,
        timezone=booking.timezone,
        sequence=booking.version,
    )


def plan_booking(s: Session, booking_id: int, device: str | None = None) -> BookingPlan:
    """Decide the provider calls for a booking and make sure their mapping rows exist.

    With a ``device``, only the calls to its own connections are in the plan (see the module docstring).
    """
    return on_device(s, _plan(s, booking_id), device)


def on_device(s: Session, plan: BookingPlan, device: str | None) -> BookingPlan:
    """``plan`` with only ``device``'s calls, and the device of the first call left to another one."""
    if device is None or not plan.targets:
        return plan
    mine: list[SyncTarget] = []
    theirs: list[tuple[SyncTarget, CalendarConnection]] = []
    for target in plan.targets:
        row = s.get(CalendarConnection, target.connection.id)
        if row is None or is_here(row, device):
            mine.append(target)
        else:
            theirs.append((target, row))
    if not theirs:
        return plan
    first, row = theirs[0]
    return replace(plan, targets=mine, hand_to=Handover(holder_of(row), first.connection_name))


def _plan(s: Session, booking_id: int) -> BookingPlan:
    booking = s.get(Booking, booking_id)
    if booking is None:
        return BookingPlan(booking_id, [], skip_reason="the booking no longer exists")
    business_level = business_in(s).event_privacy
    spec = build_event_spec(booking, level_for(None, business_level))
    mappings = list(
        s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id)
                  .order_by(CalendarEventMapping.id)).all()
    )
    if booking.status == BookingStatus.CANCELLED:
        return _at_privacy_levels(s, booking, _plan_delete(booking, spec, mappings), business_level)
    return _at_privacy_levels(s, booking, _plan_upsert(s, booking, spec, mappings), business_level)


def _at_privacy_levels(s: Session, booking: Booking, plan: BookingPlan, business_level: str) -> BookingPlan:
    """Each target's event says what its own calendar's level allows (its override, or the business's),
    and names the newest audited change among the booking's waiting jobs as its cause."""
    cause = cause_of(s, booking.id)
    targets = []
    for target in plan.targets:
        mapping = s.get(CalendarEventMapping, target.mapping_id)
        level = level_for(mapping.connection if mapping is not None else None, business_level)
        targets.append(replace(target, spec=build_event_spec(booking, level), caused_by=cause))
    return replace(plan, targets=targets)


def _known(mapping: CalendarEventMapping) -> EventRef | None:
    return EventRef(mapping.external_id, mapping.href, mapping.etag) if mapping.external_id else None


def _paused(booking: Booking, connections: list[CalendarConnection]) -> BookingPlan | None:
    """A plan that waits when one of ``connections`` is paused, else None."""
    paused = next((c for c in connections if c.paused), None)
    if paused is None:
        return None
    return BookingPlan(booking.id, [], wait_reason=f"{paused.display_name} is paused; it is written when resumed")


def sync_target(action: str, booking: Booking, mapping: CalendarEventMapping, spec: EventSpec) -> SyncTarget:
    """One call of a plan: ``action`` on ``booking``'s event in ``mapping``'s calendar (also used by
    :mod:`.batches`, which plans never-written bookings together and must build the very same targets)."""
    connection = mapping.connection
    return SyncTarget(action, booking.id, mapping.id, connection_info(connection), connection.display_name, spec,
                      _known(mapping))


def _plan_upsert(
    s: Session, booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]
) -> BookingPlan:
    # Keep the event where it already lives while that connection works; otherwise the staff
    # member's default, or the next active connection when the default is switched off.
    current = event_deletions.live(mappings)
    mapping = current[0] if current else None
    connection = event_deletions.write_connection(s, booking, mappings)
    if connection is None:
        return BookingPlan(
            booking.id, [],
            skip_reason=f"{booking.staff.name} has no active calendar connection; "
            "connect or reconnect one, then run Resync",
        )
    # Events left in a calendar that works again after the booking moved on: removed, not kept twice.
    left_behind = event_deletions.left_behind(mappings, connection.id)
    waiting = _paused(booking, [connection, *(m.connection for m in left_behind)])
    if waiting is not None:
        return waiting
    if mapping is None:
        mapping = _mapping_on(s, booking, connection, mappings)
    if mapping.state != MappingState.PENDING:
        mapping.state = MappingState.PENDING
    s.flush()  # a left-behind mapping stays superseded, also if deleting its event fails
    action = SyncAction.UPDATE if mapping.synced_version is not None else SyncAction.CREATE
    targets = [sync_target(action, booking, mapping, spec)]
    targets += [sync_target(SyncAction.DELETE, booking, stale, spec) for stale in left_behind]
    return BookingPlan(booking.id, targets)


#: Mapping states a disconnect gave (``store/disconnects.py``): never turned into *superseded*.
_KEPT = (MappingState.LEFT, MappingState.REMOVING, MappingState.REMOVED)


def _mapping_on(
    s: Session, booking: Booking, connection: CalendarConnection, mappings: list[CalendarEventMapping]
) -> CalendarEventMapping:
    """The booking's mapping on ``connection`` (made if missing); the ones on broken connections superseded."""
    for stale in mappings:
        # An event left in a disconnected calendar stays "left": connecting that calendar again takes it over.
        if stale.connection_id != connection.id and not stale.connection.usable and stale.state not in _KEPT:
            stale.state = MappingState.SUPERSEDED
    mapping = next((m for m in mappings if m.connection_id == connection.id), None)
    if mapping is None:
        mapping = CalendarEventMapping(booking_id=booking.id, connection_id=connection.id, state=MappingState.PENDING)
        s.add(mapping)
    elif mapping.deleted or mapping.state == MappingState.SUPERSEDED:
        # Its event was deleted (or left behind and may be gone): write it anew, never update a ghost.
        mapping.external_id = mapping.href = mapping.etag = None
        mapping.synced_version = None
    mapping.deleted = False
    return mapping


def _plan_delete(booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]) -> BookingPlan:
    # A mapping row is committed before any write, so no mapping means no event was ever made.
    present = event_deletions.present(mappings)
    waiting = _paused(booking, [m.connection for m in present])
    if waiting is not None:
        return waiting
    targets = []
    for mapping in present:
        mapping.state = MappingState.PENDING
        targets.append(sync_target(SyncAction.DELETE, booking, mapping, spec))
    if not targets:
        if any(not m.deleted for m in mappings):
            reason = "its calendar connection needs attention; reconnecting it deletes the event"
        else:
            reason = "cancelled before any calendar event was made"
        return BookingPlan(booking.id, [], skip_reason=reason)
    return BookingPlan(booking.id, targets)
