"""The guard against mass deletion (issue 18 item 4), on the in-memory provider.

Cancelling 30 bookings at once holds their deletions (pending, not failed), logs one row and asks
the user through the calm alerts; confirming releases exactly those, and the next drain deletes
them. A handful of cancellations goes straight through. Failover clean-up counts as deletions too; a
confirmation outlives a deferral; a disconnect's removal is never held.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bizcal_desktop.errors import TransientError
from bizcal_desktop.services.attention import AttentionTracker
from bizcal_desktop.services.status import StatusService
from bizcal_desktop.store import deletion_holds
from bizcal_desktop.store.booking_changes import enqueue
from bizcal_desktop.store.connections import switch_off, switch_on
from bizcal_desktop.store.models import CalendarConnection, CalendarSyncLog, ConnectionStatus, OutboxJob
from tests.sync.test_engine_memory import World, job_states, world  # noqa: F401 - the fixture


def book_many(world: World, count: int) -> list[int]:  # noqa: F811
    return [world.book(f"Customer {i}", f"2026-12-{1 + i // 8:02d}T{9 + i % 8:02d}:00").id for i in range(count)]


def held_rows(world: World) -> list[deletion_holds.HeldDeletions]:  # noqa: F811
    with world.services.db.session() as s:
        return deletion_holds.held(s)


async def test_cancelling_30_bookings_holds_their_deletions_until_confirmed(world: World) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    ids = book_many(world, 34)
    await world.engine.drain()
    assert len(calendar.events()) == 34
    for booking_id in ids[:30]:
        world.services.bookings.cancel(booking_id)

    report = await world.engine.drain()

    assert report.deletions_held == 30 and report.failed == 0
    assert len(calendar.events()) == 34 and not [c for c in calendar.calls if c.operation == "delete"]
    assert job_states(world, ids[0])[-1] == "pending"
    assert held_rows(world) == [deletion_holds.HeldDeletions(world.first, "Calendar A", 30)]
    with world.services.db.session() as s:
        message = s.scalars(select(CalendarSyncLog.message).order_by(CalendarSyncLog.id.desc())).first()
    assert message is not None and message.startswith("Held: this sync would remove 30 of BizCal's 34 event(s)")
    tracker = AttentionTracker(clock=lambda: 1000.0)
    tracker.observe(StatusService(world.services.db).summary())
    alert = tracker.evaluate()
    assert alert is not None and alert.opens == "sync_log"
    assert [line.text for line in tracker.status_lines()] == [
        "BizCal is about to remove 30 events from 'Calendar A': confirm in the Sync Log"]
    again = await world.engine.drain()  # held jobs are not claimed again
    assert (again.bookings, again.deletions_held) == (0, 0)

    with world.services.db.session() as s:
        assert deletion_holds.confirm(s, world.first, "user") == 30
    released = await world.engine.drain()

    assert (released.synced, released.deletions_held, released.failed) == (30, 0, 0)
    assert len(calendar.events()) == 4 and held_rows(world) == []
    tracker.observe(StatusService(world.services.db).summary())
    assert tracker.evaluate() is not None and tracker.status_lines() == []  # 'all good again'
    deleted = {c.booking_public_id for c in calendar.calls if c.operation == "delete"}
    assert len(deleted) == 30
    assert all(calendar.event_of(world.services.bookings.get(b).public_id) is not None for b in ids[30:])


async def test_a_few_cancellations_pass_straight_through(world: World) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    ids = book_many(world, 12)
    await world.engine.drain()
    for booking_id in ids[:5]:
        world.services.bookings.cancel(booking_id)

    report = await world.engine.drain()

    assert (report.synced, report.deletions_held) == (5, 0)
    assert len(calendar.events()) == 7 and held_rows(world) == []
    with world.services.db.session() as s:
        assert s.scalar(select(OutboxJob.id).where(OutboxJob.not_before.is_not(None))) is None


async def test_the_cli_holds_and_confirm_deletions_releases(world: World, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """``bizcal sync`` says what it held; ``bizcal sync --confirm-deletions`` removes them."""
    import argparse

    from bizcal_desktop.cli.output import Output
    from bizcal_desktop.cli.sync import cmd_sync

    calendar = world.calendars[world.first]
    ids = book_many(world, 24)
    await world.engine.drain()
    for booking_id in ids[:22]:
        world.services.bookings.cancel(booking_id)
    world.services.engine = world.engine  # type: ignore[misc] - the CLI drains on the memory calendars

    def sync(*flags: str) -> str:
        args = argparse.Namespace(confirm_deletions="--confirm-deletions" in flags)
        assert cmd_sync(args, world.services, Output(False)) == 0
        return capsys.readouterr().out

    assert "Held back: 22 booking(s)" in await asyncio.to_thread(sync)
    assert len(calendar.events()) == 24
    out = await asyncio.to_thread(sync, "--confirm-deletions")
    assert out.startswith("Confirmed the removal of 22 booking(s)' events. Synced 22, failed 0")
    assert len(calendar.events()) == 2 and held_rows(world) == []


async def test_bizcal_connections_confirm_deletions_releases_one_calendar(world: World, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import argparse

    from bizcal_desktop.cli.connections import cmd_connections
    from bizcal_desktop.cli.output import Output

    calendar = world.calendars[world.first]
    ids = book_many(world, 8)
    await world.engine.drain()
    for booking_id in ids[:5]:  # 5 of 8: more than half of what BizCal has there
        world.services.bookings.cancel(booking_id)
    assert (await world.engine.drain()).deletions_held == 5
    world.services.engine = world.engine  # type: ignore[misc]

    args = argparse.Namespace(verb="confirm-deletions", id=world.first)
    assert await asyncio.to_thread(cmd_connections, args, world.services, Output(False)) == 0
    assert capsys.readouterr().out.startswith("Confirmed the removal of 5 booking(s)' events. Synced 5")
    assert len(calendar.events()) == 3


async def test_the_limit_is_a_setting(world: World) -> None:  # noqa: F811
    """``bizcal settings set --mass-deletion-limit 3 --mass-deletion-percent 90``: 4 of 12 now wait."""
    from bizcal_desktop.cli.parser import build_parser
    from bizcal_desktop.cli.settings import apply_changes

    args = build_parser().parse_args(["settings", "set", "--mass-deletion-limit", "3", "--mass-deletion-percent", "90"])
    await asyncio.to_thread(apply_changes, args, world.services)
    ids = book_many(world, 12)
    await world.engine.drain()
    for booking_id in ids[:4]:
        world.services.bookings.cancel(booking_id)
    assert (await world.engine.drain()).deletions_held == 4


def requeue(world: World, booking_ids: list[int]) -> None:  # noqa: F811
    with world.services.db.session() as s:
        for booking_id in booking_ids:
            enqueue(s, booking_id, "resync")


async def test_failover_clean_up_is_counted_and_held_too(world: World) -> None:  # noqa: F811
    """Calendar A stopped working, 24 bookings moved to B; when A works again, removing the 24 events
    left behind there is one drain emptying A: held like 24 cancellations, then released."""
    calendar_a = world.calendars[world.first]
    second = world.connect("Calendar B")
    ids = book_many(world, 24)
    await world.engine.drain()
    with world.services.db.session() as s:
        switch_off(s, s.get(CalendarConnection, world.first), ConnectionStatus.NEEDS_RECONNECT)
    requeue(world, ids)
    assert (await world.engine.drain()).synced == 24
    assert len(world.calendars[second].events()) == 24 and len(calendar_a.events()) == 24
    with world.services.db.session() as s:
        switch_on(s, s.get(CalendarConnection, world.first))
    requeue(world, ids)

    report = await world.engine.drain()

    assert (report.deletions_held, report.failed) == (24, 0)
    assert len(calendar_a.events()) == 24 and not [c for c in calendar_a.calls if c.operation == "delete"]
    assert held_rows(world) == [deletion_holds.HeldDeletions(world.first, "Calendar A", 24)]
    with world.services.db.session() as s:
        assert deletion_holds.confirm(s, world.first, "user") == 24
    await world.engine.drain()
    assert calendar_a.events() == [] and len(world.calendars[second].events()) == 24


async def test_a_confirmed_deletion_deferred_by_a_transient_error_is_not_held_again(world: World) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    ids = book_many(world, 24)
    await world.engine.drain()
    for booking_id in ids[:22]:
        world.services.bookings.cancel(booking_id)
    assert (await world.engine.drain()).deletions_held == 22
    with world.services.db.session() as s:
        deletion_holds.confirm(s, world.first, "user")
    calendar.fail_always("delete", TransientError("The server did not answer."))
    deferred = await world.engine.drain()
    assert (deferred.deletions_held, deferred.synced) == (0, 0) and len(calendar.events()) == 24
    calendar.clear_failures()
    world.engine.outbox_view.bring_forward()  # "Sync now": the deferred deletions are due

    retried = await world.engine.drain()

    assert (retried.deletions_held, retried.synced) == (0, 22)
    assert len(calendar.events()) == 2 and held_rows(world) == []


async def test_a_disconnect_removal_is_not_held(world: World) -> None:  # noqa: F811
    """The user confirmed its count in the disconnect: 30 events go without a second question."""
    from bizcal_desktop.services.disconnect import DisconnectFlow

    for i in range(30):  # next year: all of them future events
        world.book(f"Customer {i}", f"2027-01-{1 + i // 8:02d}T{9 + i % 8:02d}:00")
    await world.engine.drain()
    world.calendars.secret_name = lambda _provider: "password"  # type: ignore[attr-defined]
    flow = DisconnectFlow(world.services.db, world.services.secrets, world.services.directory,
                          world.services.config, world.calendars)  # type: ignore[arg-type]
    result = await flow.disconnect_and_revoke(world.first, remove_events=True)
    assert (result.removed, result.removing) == (30, 0)
    assert world.calendars[world.first].events() == [] and held_rows(world) == []
