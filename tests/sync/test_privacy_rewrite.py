"""Changing what events show rewrites the future events, once, through the outbox; the past stays.

On the in-memory provider with the real engine, store and services: the business's level, a
connection's own override (which the business's change then leaves alone), and going back to the
business's level. Each change is one log row with the count.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import CalendarSyncLog, JobStatus, OutboxJob
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.wiring import Services
from tests.support.connections import seed_connection
from tests.sync.test_engine_memory import MemoryCalendars


def when(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT10:00+00:00")


class Practice:
    """Mark and Nina, one memory calendar each; two future bookings and a past one for Mark."""

    def __init__(self, services: Services) -> None:
        self.services = services
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.directory.add_staff("Nina", "Europe/Berlin")
        services.directory.add_service("Massage", 60)
        services.settings.set_event_privacy("full")
        self.calendars = MemoryCalendars()
        self.engine = SyncEngine(services.db, self.calendars, BackoffPolicy(base=0.001, cap=0.01, max_attempts=3))  # type: ignore[arg-type]
        self.mark = self.connect("Mark", "Mark's calendar")
        self.nina = self.connect("Nina", "Nina's calendar")
        self.past = services.bookings.add("Mark", "Massage", "Paula Past", when(-3))
        self.future = [services.bookings.add("Mark", "Massage", name, when(d))
                       for name, d in (("Emma Schmidt", 2), ("Otto Meyer", 9))]
        self.ninas = services.bookings.add("Nina", "Massage", "Lea Roth", when(4))

    def connect(self, staff: str, name: str) -> int:
        return seed_connection(self.services, staff=staff, provider="caldav", display_name=name, secret="unused",
                               calendar_id=name, calendar_href=name, calendar_name=name).id

    def titles(self, connection_id: int) -> dict[str, str]:
        return {e.key.split("@")[0]: e.summary for e in self.calendars[connection_id].own_events()}

    def upserts(self, connection_id: int) -> int:
        return sum(1 for c in self.calendars[connection_id].calls if c.operation == "upsert")

    def pending_reasons(self) -> list[str]:
        with self.services.db.session() as s:
            return sorted(s.scalars(select(OutboxJob.reason).where(OutboxJob.status == JobStatus.PENDING)))

    def last_log(self) -> CalendarSyncLog:
        with self.services.db.session() as s:
            row = s.scalars(select(CalendarSyncLog).order_by(CalendarSyncLog.id.desc())).first()
            assert row is not None
            s.expunge(row)
            return row


@pytest.fixture
async def practice(services: Services) -> Practice:
    built = Practice(services)
    report = await built.engine.drain()
    assert (report.synced, report.failed) == (4, 0)
    return built


async def test_business_level_rewrites_future_events_once(practice: Practice) -> None:
    p = practice
    before = p.upserts(p.mark)

    change = p.services.settings.set_event_privacy("initials")
    assert change.rewrites == 3  # two of Mark's, one of Nina's; not the past one
    assert p.pending_reasons() == ["privacy"] * 3
    log = p.last_log()
    assert (log.action, log.outcome) == ("privacy", "success")
    assert log.message == "Privacy changed to Initials: 3 future events will be rewritten"

    report = await p.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    titles = p.titles(p.mark)
    assert titles[p.future[0].public_id] == "Massage – E. S."
    assert titles[p.future[1].public_id] == "Massage – O. M."
    assert titles[p.past.public_id] == "Massage – Paula Past"  # history keeps what it said
    assert p.titles(p.nina)[p.ninas.public_id] == "Massage – L. R."
    assert p.upserts(p.mark) == before + 2

    again = await p.engine.drain()
    assert again.bookings == 0 and p.upserts(p.mark) == before + 2  # once, not on every drain
    assert p.services.settings.set_event_privacy("initials").rewrites == 0  # same level: nothing queued


async def test_a_connection_override_rewrites_only_its_calendar(practice: Practice) -> None:
    p = practice
    change = p.services.connections.set_privacy(p.nina, "busy")
    assert (change.rewrites, change.level) == (1, "busy")
    assert change.message == "Privacy of Nina's calendar changed to Busy: 1 future event will be rewritten"
    assert p.last_log().connection_id == p.nina
    await p.engine.drain()
    assert p.titles(p.nina) == {p.ninas.public_id: "Busy"}
    assert p.calendars[p.nina].own_events()[0].description == ""
    assert "Emma Schmidt" in p.titles(p.mark)[p.future[0].public_id]  # Mark's calendar untouched

    # The business's level no longer reaches Nina's calendar, which has its own.
    assert p.services.settings.set_event_privacy("service").rewrites == 2
    await p.engine.drain()
    assert p.titles(p.nina) == {p.ninas.public_id: "Busy"}
    assert p.titles(p.mark)[p.future[1].public_id] == "Massage"

    # Back to the business's level: Nina's event follows it again.
    back = p.services.connections.set_privacy(p.nina, "default")
    assert (back.rewrites, back.level) == (1, "service")
    await p.engine.drain()
    assert p.titles(p.nina) == {p.ninas.public_id: "Massage"}
    assert p.services.connections.get(p.nina).event_privacy is None


async def test_an_unknown_level_is_refused_with_the_choices(practice: Practice) -> None:
    from bizcal_desktop.errors import UserInputError

    with pytest.raises(UserInputError, match="full, initials, service, busy"):
        practice.services.settings.set_event_privacy("secret")
    with pytest.raises(UserInputError, match="default"):
        practice.services.connections.set_privacy(practice.mark, "names")
    assert practice.pending_reasons() == []
