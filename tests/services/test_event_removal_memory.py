"""A disconnect's removal survives a crash, on in-memory calendars (issue 18 item 3).

The crash is injected into the calendar: the k-th delete raises a ``BaseException`` nothing of ours
catches, so the run is abandoned mid-way exactly as when the process dies there. A new service on the
same database (the restart) resumes: only our future events go, the foreign one stays, the secret is
deleted at the end. Also: the user stopping it (Forget now), the time limit, and a removal that two
tasks of one process start at once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bizcal_desktop.services.connections import ConnectionService
from bizcal_desktop.services.event_removal import REMOVAL_TIME_LIMIT
from bizcal_desktop.store.models import CalendarEventMapping
from bizcal_desktop.store.types import utcnow
from tests.services.test_disconnect_memory import Practice, practice  # noqa: F401  (the fixture)


class Crash(BaseException):
    """The process died here (not an error anything handles)."""


def restarted(p: Practice) -> ConnectionService:
    """A new process's connection service: same database, keychain and calendars, nothing in memory."""
    return ConnectionService(p.services.db, p.services.secrets, p.services.directory, p.services.config,
                             p.calendars)  # type: ignore[arg-type]


def states(p: Practice) -> list[str]:
    with p.services.db.session() as s:
        return [m.state for m in s.scalars(select(CalendarEventMapping).order_by(CalendarEventMapping.booking_id))]


async def crash_after_first_delete(p: Practice) -> None:
    p.calendar.fail_next("delete", Crash(), booking_public_id=p.bookings[1].public_id)
    with pytest.raises(Crash):
        await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert states(p) == ["removed", "removing", "removing"]
    assert p.secret() == "app-password" and p.connections.get(p.id).status == "removing"


async def test_a_removal_killed_after_one_delete_is_finished_after_a_restart(practice: Practice) -> None:  # noqa: F811
    p = practice
    await crash_after_first_delete(p)
    assert [e.key.split("@")[0] for e in p.calendar.own_events()] == [b.public_id for b in p.bookings[1:]]

    again = restarted(p)
    assert [(s.removed, s.total, s.finished) for s in again.removals.in_progress()] == [(1, 3, False)]
    [state] = await again.removals.resume_all()

    assert (state.finished, state.removed, state.left) == (True, 3, 0)
    assert p.calendar.own_events() == [] and [e.summary for e in p.calendar.events()] == ["Dentist"]
    assert p.secret() is None and again.get(p.id).status == "disconnected"
    assert states(p) == ["removed"] * 3 and again.removals.in_progress() == []
    deletes = [c.booking_public_id for c in p.calendar.calls if c.operation == "delete"]
    assert deletes == [b.public_id for b in (p.bookings[0], p.bookings[1], p.bookings[1], p.bookings[2])]


async def test_forget_now_ends_the_removal_and_leaves_the_rest(practice: Practice) -> None:  # noqa: F811
    p = practice
    await crash_after_first_delete(p)
    state = await restarted(p).removals.forget(p.id, actor="user", door="desktop")
    assert (state.finished, state.removed, state.left) == (True, 1, 2)
    assert state.message == ("Removed 1 of BizCal's 3 future event(s) from Work; 2 stay in the calendar (the removal "
                             "was stopped); its secret was deleted from the keychain.")
    assert p.secret() is None and p.connections.get(p.id).status == "disconnected"
    assert states(p) == ["removed", "left", "left"] and len(p.calendar.own_events()) == 2
    assert [e.action for e in p.services.audit.entries(limit=2)] == ["stop_removal", "disconnect"]
    assert await restarted(p).removals.resume_all() == []  # nothing more is deleted
    assert len(p.calendar.own_events()) == 2


async def test_a_removal_that_cannot_finish_within_the_limit_gives_up_and_deletes_the_secret(
        practice: Practice) -> None:  # noqa: F811
    p = practice
    await crash_after_first_delete(p)
    again = restarted(p)
    again.removals.clock = lambda: utcnow() + REMOVAL_TIME_LIMIT + timedelta(hours=1)
    [state] = await again.removals.resume_all()
    assert (state.finished, state.left, state.reason) == (True, 2, "not finished within 7 days")
    assert p.secret() is None and len(p.calendar.own_events()) == 2


async def test_two_tasks_of_one_process_do_not_remove_twice(practice: Practice) -> None:  # noqa: F811
    p = practice
    await crash_after_first_delete(p)
    first, second = await asyncio.gather(p.connections.removals.resume_all(), p.connections.removals.resume_all())
    assert sorted(s.finished for s in (*first, *second)) == [False, True]  # the second saw the first at work
    assert [c.operation for c in p.calendar.calls].count("delete") == 4
    assert p.secret() is None and p.calendar.own_events() == []


async def test_connecting_the_same_calendar_again_stops_the_removal_and_takes_the_rest_over(
        practice: Practice) -> None:  # noqa: F811
    p = practice
    await crash_after_first_delete(p)
    again = restarted(p)
    new_id = again._save_connection(staff="Mark", provider="caldav", display_name="Work", secret="app-password",
                                    calendar_id="work", calendar_href="work", calendar_name="Work").id
    [state] = await again.removals.resume_all()

    assert (state.finished, state.removed, state.left) == (True, 1, 0)
    assert [c.operation for c in p.calendar.calls].count("delete") == 2  # the crash's attempt, and no more
    assert p.secret() is None  # the old connection's secret
    with p.services.db.session() as s:
        on_new = sorted(m.booking_id for m in s.scalars(select(CalendarEventMapping)
                                                        .where(CalendarEventMapping.connection_id == new_id)))
    assert on_new == [b.id for b in p.bookings[1:]]
