"""Disconnect with removal when the calendar misbehaves, on in-memory calendars: a delete that fails
for now (the rest waits, the secret kept), a calendar that refuses or a credential refused mid-way (the
removal ends: the secret deleted, the rest left and counted), a secret already gone."""

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


async def test_a_delete_that_fails_for_now_keeps_the_secret_and_the_next_run_removes_the_rest(
        practice: Practice) -> None:
    p = practice
    p.calendar.fail_next("delete", TransientError("The server did not answer."), booking_public_id=p.bookings[1].public_id)
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.removing, result.not_removed) == (1, 2, 0)
    assert result.message == ("Disconnected Work; removed 1 of BizCal's future events so far; the other 2 are removed "
                              "in the background (The server did not answer.) and its secret is kept in the keychain "
                              "until then (Forget now stops that).")
    assert p.secret() == "app-password" and p.connections.get(p.id).status == "removing"
    assert p.connections.list() == [] and len(p.connections.list(include_disconnected=True)) == 1

    [state] = await p.connections.removals.resume_all()
    assert (state.finished, state.removed, state.total, state.left) == (True, 3, 3, 0)
    assert p.calendar.own_events() == [] and [e.summary for e in p.calendar.events()] == ["Dentist"]
    assert p.secret() is None and p.connections.get(p.id).status == "disconnected"
    assert (p.last_log().outcome, p.last_log().message) == (
        "success", "Removed 3 of BizCal's 3 future event(s) from Work; its secret was deleted from the keychain.")


async def test_a_calendar_that_refuses_a_delete_keeps_the_rest(practice: Practice) -> None:
    p = practice
    p.calendar.fail_always("delete", PermanentError("The calendar is read-only."))
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.not_removed, result.left) == (0, 3, 3)
    assert len(p.calendar.own_events()) == 3
    assert [c.operation for c in p.calendar.calls].count("delete") == 1  # stopped at the first refusal


async def test_credentials_refused_mid_removal_end_it_with_the_secret_deleted_and_the_rest_counted(
        practice: Practice) -> None:
    p = practice
    p.calendar.fail_next("delete", AuthError("The calendar server refused the password."),
                         booking_public_id=p.bookings[1].public_id)
    result = await p.connections.disconnect_and_revoke(p.id, remove_events=True)
    assert (result.removed, result.not_removed, result.left, result.removing) == (1, 2, 2, 0)
    assert result.message == ("Disconnected Work; removed 1 of BizCal's future events (2 could not be removed and "
                              "stay in the calendar: the calendar refused: The calendar server refused the "
                              "password.); its secrets were deleted from the keychain.")
    assert p.secret() is None and p.connections.get(p.id).status == "disconnected"
    assert len(p.calendar.own_events()) == 2
    assert (p.last_log().outcome, p.last_log().message) == (
        "failure", ("Removed 1 of BizCal's 3 future event(s) from Work; 2 stay in the calendar (the calendar "
                    "refused: The calendar server refused the password.); its secret was deleted from the keychain."))
    with p.services.db.session() as s:
        states = sorted(m.state for m in s.scalars(select(CalendarEventMapping)))
    assert states == ["left", "left", "removed"]  # a reconnect takes the two left ones over


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
