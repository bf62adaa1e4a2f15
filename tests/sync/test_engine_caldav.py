"""The sync engine end to end against a real Radicale server, checked with an independent reader."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bizcal_desktop.services.pending_connection import ConnectionTestFailed
from bizcal_desktop.store.models import (
    CalendarConnection,
    CalendarEventMapping,
    CalendarSyncLog,
    JobStatus,
    OutboxJob,
)
from bizcal_desktop.sync.engine import SyncEngine
from tests.fixtures.radicale import CalendarReader

BERLIN = ZoneInfo("Europe/Berlin")


async def connect(services, server, calendar_url: str, staff: str = "Mark"):  # type: ignore[no-untyped-def]
    return await services.connections.connect_caldav(
        staff=staff, provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar_url,
    )


@pytest.fixture
def mark(services):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.settings.update(event_privacy="full")  # events name their customer: tests tell them apart
    return services


def only_event(reader: CalendarReader):  # type: ignore[no-untyped-def]
    events = reader.events()
    assert len(events) == 1, f"expected exactly one event, found {len(events)}"
    return events[0]


def log_rows(services) -> list[CalendarSyncLog]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return list(s.scalars(select(CalendarSyncLog).order_by(CalendarSyncLog.id)))


async def test_create_move_cancel_reach_the_calendar(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    await connect(services, caldav_calendar.server, caldav_calendar.url)
    reader = caldav_calendar.reader()

    booking = services.bookings.add("Mark", "Massage", "Emma", "2026-12-01T10:00")
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    event = only_event(reader)
    assert str(event["UID"]) == f"{booking.public_id}@bizcal-desktop"
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and getattr(start.tzinfo, "key", None) == "Europe/Berlin"
    assert start == datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN)
    assert str(event["SUMMARY"]) == "Massage – Emma"

    view = services.bookings.get(booking.id)
    assert [m.state for m in view.mappings] == ["synced"]

    services.bookings.move(booking.id, "2026-12-01T13:30")
    await services.engine.drain()
    moved = only_event(reader)
    assert str(moved["UID"]) == str(event["UID"])
    assert moved.decoded("DTSTART") == datetime(2026, 12, 1, 13, 30, tzinfo=BERLIN)
    assert int(moved["SEQUENCE"]) == 2

    services.bookings.cancel(booking.id)
    await services.engine.drain()
    assert reader.events() == []

    actions = [(r.action, r.outcome) for r in log_rows(services) if r.booking_id == booking.id]
    assert actions == [("create", "success"), ("update", "success"), ("delete", "success")]
    view = services.bookings.get(booking.id)
    assert view.mappings[0].deleted and view.mappings[0].state == "synced"


async def test_wrong_password_saves_nothing(mark, caldav_calendar, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    services = mark
    server = caldav_calendar.server
    with pytest.raises(ConnectionTestFailed) as info:
        await services.connections.connect_caldav(
            staff="Mark", provider_type="generic", url=server.url, username=server.username,
            password="not-the-password", calendar=caldav_calendar.url,
        )
    assert "password" in str(info.value).lower()
    assert "not-the-password" not in str(info.value)
    assert services.connections.list(include_disconnected=True) == []
    assert memory_keyring.store == {}


async def test_stopped_server_fails_its_jobs_only_and_retry_recovers(  # type: ignore[no-untyped-def]
    mark, caldav_calendar, fresh_radicale
) -> None:
    services = mark
    services.directory.add_staff("Lydia", "America/New_York")
    await connect(services, caldav_calendar.server, caldav_calendar.url)
    lydia_calendar = fresh_radicale.make_calendar()
    await connect(services, fresh_radicale, lydia_calendar, staff="Lydia")

    ok = [services.bookings.add("Mark", "Massage", f"Customer {i}", f"2026-12-0{i + 1}T09:00") for i in range(3)]
    doomed = [services.bookings.add("Lydia", "Massage", f"Client {i}", f"2026-12-0{i + 1}T09:00") for i in range(2)]
    fresh_radicale.stop()

    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 2)
    for b in ok:
        assert services.bookings.get(b.id).sync_state == "synced"
    for b in doomed:
        view = services.bookings.get(b.id)
        assert view.sync_state == "failed"
        assert view.mappings[0].attempts == 3  # BIZCAL_MAX_ATTEMPTS in the fixture
        assert "reach" in (view.mappings[0].last_error or "").lower()
    failures = services.sync_log.entries(failed_only=True)
    assert {r.booking_id for r in failures} == {b.id for b in doomed}

    fresh_radicale.start()
    mapping_id = services.bookings.get(doomed[0].id).mappings[0].id
    booking_id = services.recovery.retry_mapping(mapping_id)
    assert booking_id == doomed[0].id
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)  # exactly that one job, nothing else
    assert services.bookings.get(doomed[1].id).sync_state == "failed"

    assert services.recovery.retry_failed() == [doomed[1].id]
    await services.engine.drain()
    reader = CalendarReader(lydia_calendar, fresh_radicale.username, fresh_radicale.password)
    assert len(reader.events()) == 2


def gone_process_owner() -> str:
    """A claim holder on this machine whose process has ended (started, then reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:crashed"


class SimulatedCrash(BaseException):
    """Not an Exception: nothing in the engine may swallow it, like a power cut."""


async def test_crash_between_write_and_mapping_commit_converges_without_duplicate(  # type: ignore[no-untyped-def]
    mark, caldav_calendar
) -> None:
    services = mark
    await connect(services, caldav_calendar.server, caldav_calendar.url)
    booking = services.bookings.add("Mark", "Massage", "Emma", "2026-12-03T15:00")

    def crash(_mapping_id: int) -> None:
        raise SimulatedCrash

    services.engine.after_write_hook = crash
    services.engine.owner = gone_process_owner()  # the process that crashed: its pid has ended
    with pytest.raises(SimulatedCrash):
        await services.engine.drain()
    reader = caldav_calendar.reader()
    assert len(reader.events()) == 1  # the write landed ...
    with services.db.session() as s:  # ... but nothing recorded it
        assert s.scalar(select(CalendarEventMapping.etag)) is None
        assert s.scalar(select(OutboxJob.status)) == JobStatus.PENDING

    # "Restart": a new engine on the same database; the booking also moved meanwhile.
    services.bookings.move(booking.id, "2026-12-03T16:00")
    restarted = SyncEngine(services.db, services.providers, services.engine._backoff)
    report = await restarted.drain()
    assert (report.synced, report.failed) == (1, 0)
    event = only_event(reader)
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 16, 0, tzinfo=BERLIN)
    assert services.bookings.get(booking.id).sync_state == "synced"


async def test_resync_backfills_and_failover_uses_next_active_connection(  # type: ignore[no-untyped-def]
    mark, caldav_calendar, radicale_server
) -> None:
    services = mark
    early = services.bookings.add("Mark", "Massage", "Early", "2026-12-04T09:00")
    past = services.bookings.add("Mark", "Massage", "Past", "2026-11-01T09:00")
    report = await services.engine.drain()
    assert report.skipped == 2  # no connection yet: nothing to do, and the log says why

    first = await connect(services, radicale_server, caldav_calendar.url)
    second_url = radicale_server.make_calendar()
    second = await connect(services, radicale_server, second_url)
    assert first.is_default and not second.is_default

    queued = await services.recovery.resync(date(2026, 12, 1))
    assert queued == [early.id]  # the November booking is before --from
    await services.engine.drain()
    assert len(caldav_calendar.reader().events()) == 1
    assert await services.recovery.resync(date(2026, 12, 1)) == []  # nothing differs any more

    services.connections.disconnect(first.id)
    assert services.connections.get(second.id).is_default
    late = services.bookings.add("Mark", "Massage", "Late", "2026-12-05T09:00")
    await services.engine.drain()
    second_reader = CalendarReader(second_url, radicale_server.username, radicale_server.password)
    assert [str(e["SUMMARY"]) for e in second_reader.events()] == ["Massage – Late"]
    assert services.bookings.get(past.id).sync_state == "-"
    assert late.id != early.id


async def test_many_bookings_drain_concurrently_with_one_event_each(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    await connect(services, caldav_calendar.server, caldav_calendar.url)
    for i in range(12):
        services.bookings.add("Mark", "Massage", f"C{i}", datetime(2026, 12, 10 + i % 5, 8 + i // 5, tzinfo=UTC))
    # The same booking changed three times before the engine ran: one provider call suffices.
    target = services.bookings.add("Mark", "Massage", "Busy", "2026-12-20T09:00")
    services.bookings.move(target.id, "2026-12-20T10:00")
    services.bookings.move(target.id, "2026-12-20T11:00")
    report = await services.engine.drain()
    failures = [e.message for e in report.events if e.outcome != "success"]
    assert (report.bookings, report.synced, report.failed, failures) == (13, 13, 0, [])
    events = caldav_calendar.reader().events()
    assert len(events) == 13
    assert len({str(e["UID"]) for e in events}) == 13
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.status == "pending")) == 0
        assert s.scalar(select(func.count()).select_from(CalendarConnection)) == 1


async def test_refused_password_marks_connection_and_fails_over(  # type: ignore[no-untyped-def]
    mark, caldav_calendar, radicale_server, memory_keyring
) -> None:
    services = mark
    first = await connect(services, radicale_server, caldav_calendar.url)
    second_url = radicale_server.make_calendar()
    await connect(services, radicale_server, second_url)
    # The app-password was revoked on the server side: the keychain now holds a refused one.
    for key in memory_keyring.store:
        if key[1].endswith(":password") and services.connections.info(first.id).secret_key in key[1]:
            memory_keyring.store[key] = "revoked"
    doomed = services.bookings.add("Mark", "Massage", "Emma", "2026-12-01T10:00")
    report = await services.engine.drain()
    assert report.failed == 1 and "password" in report.events[0].message.lower()
    assert services.connections.get(first.id).status == "needs_reconnect"

    later = services.bookings.add("Mark", "Massage", "Noah", "2026-12-02T10:00")
    await services.engine.drain()
    assert services.bookings.get(later.id).sync_state == "synced"
    second_reader = CalendarReader(second_url, radicale_server.username, radicale_server.password)
    assert [str(e["SUMMARY"]) for e in second_reader.events()] == ["Massage – Noah"]
    # Retrying the failed one now also lands in the working calendar.
    services.recovery.retry_failed()
    await services.engine.drain()
    assert services.bookings.get(doomed.id).sync_state == "synced"
    assert len(second_reader.events()) == 2
