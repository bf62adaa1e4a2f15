"""Disconnect with removal when the calendar misbehaves, on in-memory calendars: a delete that fails
for now, a calendar that refuses, a listing that cannot be read, a secret already gone. The secret is
deleted at once in every case, and what could not be removed stays (and is said)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.providers.memory import MemoryProvider
from bizcal_desktop.services.connections import ConnectionService
from bizcal_desktop.store.models import CalendarEventMapping, CalendarSyncLog
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.wiring import Services
from tests.sync.test_engine_memory import MemoryCalendars


class Calendars(MemoryCalendars):
    """The factory the connection service gets: saved and in-memory-secret providers are the same calendar."""

    def build_unsaved(self, info: ConnectionInfo, secret: str, keep) -> MemoryProvider:  # type: ignore[no-untyped-def]
        return self[info.id]

    def secret_name(self, provider: str) -> str:
        return "password"


class Practice:
    def __init__(self, services: Services) -> None:
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.directory.add_service("Massage", 60)
        self.services = services
        self.calendars = Calendars()
        self.connections = ConnectionService(services.db, services.secrets, services.directory, services.config,
                                             self.calendars)  # type: ignore[arg-type]
        self.engine = SyncEngine(services.db, self.calendars, BackoffPolicy(base=0.001, cap=0.01, max_attempts=2))  # type: ignore[arg-type]
        self.id = self.connections._save_connection(
            staff="Mark", provider="caldav", display_name="Work", secret="app-password", calendar_id="work",
            calendar_href="work", calendar_name="Work").id
        self.calendar = self.calendars[self.id]
        start = datetime.now(UTC).replace(microsecond=0)
        self.bookings = [services.bookings.add("Mark", "Massage", f"C{i}", start + timedelta(days=i + 1))
                         for i in range(3)]
        self.calendar.add_busy(start + timedelta(days=1, hours=3), start + timedelta(days=1, hours=4), summary="Dentist")

    def secret(self) -> str | None:
        return self.services.secrets.get(self.connections.info(self.id).secret_key, "password")

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
    assert (report.synced, report.failed) == (3, 0)
    return built


async def test_a_delete_that_fails_for_now_leaves_that_event_and_the_others_go(practice: Practice) -> None:
    p = practice
    p.calendar.fail_next("delete", TransientError("The server did not answer."), booking_public_id=p.bookings[1].public_id)
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.not_removed, result.left) == (2, 1, 1)
    assert "(1 could not be removed and stay in the calendar)" in result.message
    assert [e.key.split("@")[0] for e in p.calendar.own_events()] == [p.bookings[1].public_id]
    assert [e.summary for e in p.calendar.events() if not e.own] == ["Dentist"]
    assert p.secret() is None
    log = p.last_log()
    assert (log.outcome, log.message) == (
        "failure", "Removed 2 of BizCal's future events from Work; 1 could not be removed and stay in the calendar")
    with p.services.db.session() as s:
        left = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.state == "left")).all()
        assert [m.booking_id for m in left] == [p.bookings[1].id]


async def test_a_calendar_that_refuses_a_delete_keeps_the_rest(practice: Practice) -> None:
    p = practice
    p.calendar.fail_always("delete", PermanentError("The calendar is read-only."))
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.not_removed, result.left) == (0, 3, 3)
    assert len(p.calendar.own_events()) == 3
    assert [c.operation for c in p.calendar.calls].count("delete") == 1  # stopped at the first refusal


async def test_a_listing_that_cannot_be_read_keeps_every_event_and_says_why(practice: Practice) -> None:
    p = practice
    p.calendar.fail_next("list_own_events", AuthError("The calendar server refused the password."))
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.left, result.removal_error) == (0, 3, "The calendar server refused the password.")
    assert result.message == ("Disconnected Work; its secrets were deleted from the keychain, but BizCal's events "
                              "could not be removed (The calendar server refused the password.); they stay in the "
                              "calendar.")
    assert p.secret() is None and len(p.calendar.own_events()) == 3
    assert p.last_log().message.startswith("Could not remove BizCal's events from Work")


async def test_a_preview_that_cannot_read_the_calendar_raises_and_changes_nothing(practice: Practice) -> None:
    p = practice
    p.calendar.fail_next("list_own_events", TransientError("The server did not answer."))
    with pytest.raises(TransientError):
        await p.connections.removal_preview(p.id)
    assert p.secret() == "app-password" and p.connections.get(p.id).status == "active"
    assert (await p.connections.removal_preview(p.id)).count == 3


async def test_a_missing_secret_disconnects_and_says_the_events_stay(practice: Practice) -> None:
    p = practice
    p.services.secrets.delete(p.connections.info(p.id).secret_key, "password")
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert result.removal_error == "its password or token was missing" and result.left == 3
    assert len(p.calendar.own_events()) == 3
    with pytest.raises(Exception, match="already disconnected"):
        await p.connections.disconnect_and_revoke(p.id, remove_events=True)
