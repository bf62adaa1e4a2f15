"""The guard against mass deletion (issue 18 item 4), on the in-memory provider.

Cancelling 30 bookings at once holds their deletions (pending, not failed), logs one row and asks
the user through the calm alerts; confirming releases exactly those, and the next drain deletes
them. A handful of cancellations goes straight through.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bizcal_desktop.services.attention import AttentionTracker
from bizcal_desktop.services.status import StatusService
from bizcal_desktop.store import deletion_holds
from bizcal_desktop.store.models import CalendarSyncLog, OutboxJob
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

    assert "Held back: 22 cancelled booking(s)" in await asyncio.to_thread(sync)
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
