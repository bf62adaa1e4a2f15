"""A group planned together gets the plans each booking gets alone, and leaves the same mapping rows.

``sync/batches.py`` plans a group's never-written bookings with a query per staff member and one
insert instead of ``plan_booking`` per booking; everything else still goes through ``plan_booking``.
Here one database holds every kind of booking a drain meets - new ones at the business's and at a
calendar's own privacy level, one whose staff member has no calendar, one whose calendar is paused,
one cancelled before any write, one already written and then moved, one cancelled after its write,
one of a calendar another device holds - and the two ways of planning must agree on each, with and
without a device. Both run in a transaction that is rolled back, so each sees the same rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, update

from bizcal_desktop.store.models import CalendarConnection, CalendarEventMapping, OutboxJob
from bizcal_desktop.sync import batches
from bizcal_desktop.sync.planning import BookingPlan, plan_booking
from tests.support.connections import seed_connection
from tests.sync.test_engine_memory import World, world  # noqa: F401 - the fixture, as the other engine tests use it

OTHER_DEVICE = "0f0f0f0f-other-device"


def _plain(plans: dict[int, BookingPlan]) -> dict[int, BookingPlan]:
    """Plans with mapping ids left out (the two paths insert the rows in another order)."""
    return {booking_id: replace(plan, targets=[replace(t, mapping_id=0) for t in plan.targets])
            for booking_id, plan in plans.items()}


def _rows(s: Any) -> list[tuple[object, ...]]:
    return sorted(s.execute(select(CalendarEventMapping.booking_id, CalendarEventMapping.connection_id,
                                   CalendarEventMapping.state, CalendarEventMapping.deleted,
                                   CalendarEventMapping.external_id, CalendarEventMapping.synced_version)).all())


def _planned(world: World, booking_ids: list[int], device: str | None,  # noqa: F811
             together: bool) -> tuple[object, ...]:
    with world.services.db.session() as s:
        if together:
            plans = batches.plan_group(s, booking_ids, device)
        else:
            plans = {booking_id: plan_booking(s, booking_id, device) for booking_id in booking_ids}
        result = (_plain(plans), _rows(s))
        s.rollback()
    return result


@pytest.fixture
def every_kind(world: World) -> list[int]:  # noqa: F811
    services = world.services
    second = world.connect("Calendar B")
    services.directory.add_staff("Jo", "America/New_York")  # no calendar at all
    services.directory.add_staff("Sam", "Asia/Kolkata")
    sams = [seed_connection_for(world, "Sam", name) for name in ("Sam A", "Sam B")]
    services.directory.add_staff("Ana", "Europe/Lisbon")
    anas = seed_connection_for(world, "Ana", "Ana's")
    services.directory.add_staff("Lee", "Europe/Paris")
    lees = seed_connection_for(world, "Lee", "Lee's")

    written = world.book("Written", "2026-12-01T09:00")
    cancelled_after_write = world.book("Cancelled later", "2026-12-01T11:00")
    asyncio.run(world.engine.drain())
    services.bookings.move(written.id, "2026-12-01T13:00")
    services.bookings.cancel(cancelled_after_write.id)

    services.connections.set_privacy(second, "busy")
    services.connections.set_privacy(sams[0], "initials")
    services.connections.set_paused(anas, True)
    with services.db.session() as s:  # Lee's calendar is another device's
        s.execute(update(CalendarConnection).where(CalendarConnection.id == lees)
                  .values(owner_device=OTHER_DEVICE, owner_device_name="Front desk"))
    cancelled_before = world.book("Never written", "2026-12-02T09:00")
    services.bookings.cancel(cancelled_before.id)
    new = [world.book(f"New {i}", f"2026-12-0{3 + i}T10:00").id for i in range(3)]
    new += [services.bookings.add("Jo", "Massage", "Jo's customer", "2026-12-03T10:00").id,
            services.bookings.add("Sam", "Massage", "Sam's customer", "2026-12-03T10:00").id,
            services.bookings.add("Ana", "Massage", "Ana's customer", "2026-12-03T10:00").id,
            services.bookings.add("Lee", "Massage", "Lee's customer", "2026-12-03T10:00").id]
    with services.db.session() as s:
        pending = set(s.scalars(select(OutboxJob.booking_id).where(OutboxJob.status == "pending")))
    return sorted({*new, written.id, cancelled_after_write.id, cancelled_before.id} | pending)


def seed_connection_for(world: World, staff: str, name: str) -> int:  # noqa: F811 - the fixture's value
    return seed_connection(world.services, staff=staff, provider="caldav", display_name=name, secret="unused",
                           calendar_id=name, calendar_href=name, calendar_name=name).id


@pytest.mark.parametrize("on_device", [False, True])
def test_a_group_is_planned_as_each_booking_alone(world: World, every_kind: list[int],  # noqa: F811
                                                 on_device: bool) -> None:
    device = world.services.config.device.id if on_device else None
    together = _planned(world, every_kind, device, together=True)
    alone = _planned(world, every_kind, device, together=False)
    assert together == alone
    plans, rows = together
    kinds = {(bool(p.targets), p.skip_reason is not None, p.wait_reason is not None, p.hand_to is not None)
             for p in plans.values()}  # type: ignore[attr-defined]
    assert len(kinds) == 3 + on_device  # writes, skips, waits and (with a device) handovers were all compared
    assert len(rows) > 2  # new mapping rows were made by both


def test_the_group_path_took_the_plain_new_bookings(world: World, every_kind: list[int]) -> None:  # noqa: F811
    with world.services.db.session() as s:
        bookings, mapped = batches._load_bookings(s, every_kind)
        fast = batches._first_writes(s, [b for b in bookings if b.id not in mapped], None)
        s.rollback()
    assert len(fast) >= 4  # Mark's three at two privacy levels, Sam's, Lee's: made together
