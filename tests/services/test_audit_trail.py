"""The audit trail of people: each kind of change with who, the door, before and after; the engine's
log rows linked to the change that caused them; append-only, in the code and in the database.

On the real services, store and engine, with in-memory calendars (the importer too, for a move that
flows back from a calendar).
"""

from __future__ import annotations

import getpass
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from bizcal_desktop.errors import StorageError
from bizcal_desktop.services.audit import AuditEntry, AuditService
from bizcal_desktop.store.models import CalendarSyncLog
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.sync.importer import AvailabilityImporter
from bizcal_desktop.wiring import Services
from tests.support.connections import seed_connection
from tests.sync.test_engine_memory import MemoryCalendars


def when(days: int, hour: int = 10) -> datetime:
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


class Shop:
    def __init__(self, services: Services) -> None:
        self.services = services
        services.directory.add_staff("Mark", "Europe/Berlin")
        services.directory.add_service("Massage", 60)
        self.calendars = MemoryCalendars()
        self.engine = SyncEngine(services.db, self.calendars, BackoffPolicy(base=0.001, cap=0.01, max_attempts=3))  # type: ignore[arg-type]
        self.work = seed_connection(services, staff="Mark", provider="caldav", display_name="Work", secret="x",
                                    calendar_id="work", calendar_href="work", calendar_name="Work", door="cli").id

    def audit(self) -> list[AuditEntry]:
        return list(reversed(self.services.audit.entries()))  # oldest first

    def log_rows(self, booking_id: int) -> list[CalendarSyncLog]:
        with self.services.db.session() as s:
            rows = list(s.scalars(select(CalendarSyncLog).where(CalendarSyncLog.booking_id == booking_id)
                                  .order_by(CalendarSyncLog.id)))
            for row in rows:
                s.expunge(row)
            return rows


@pytest.fixture
def shop(services: Services) -> Shop:
    return Shop(services)


def test_the_device_is_the_name_people_gave_this_computer(shop: Shop) -> None:
    """On a team, "Sarah's laptop" tells computers apart where two host names may not."""
    shop.services.devices.rename("Sarah's laptop")
    shop.services.bookings.add("Mark", "Massage", "Emma Schmidt", when(3), door="desktop")
    [made] = [e for e in shop.audit() if e.kind == "booking"]
    assert (made.os_user, made.device) == (getpass.getuser(), "Sarah's laptop")


def test_booking_changes_say_who_which_door_before_and_after(shop: Shop) -> None:
    bookings = shop.services.bookings
    booking = bookings.add("Mark", "Massage", "Emma Schmidt", when(3), door="desktop")
    bookings.move(booking.id, when(4), door="cli")
    bookings.cancel(booking.id, door="desktop")

    made, moved, cancelled = [e for e in shop.audit() if e.kind == "booking"]
    assert (made.action, made.door, made.subject) == ("create", "desktop", f"booking {booking.id}")
    assert (made.os_user, made.device, made.staff_member_id) == (getpass.getuser(), socket.gethostname(), None)
    assert made.before is None and made.after is not None
    assert made.after["customer"] == "Emma Schmidt" and made.after["status"] == "confirmed"
    assert (moved.action, moved.door) == ("move", "cli")
    assert moved.before is not None and moved.after is not None
    assert moved.before["start"] == when(3).isoformat() and moved.after["start"] == when(4).isoformat()
    assert (cancelled.action, cancelled.door) == ("cancel", "desktop")
    assert cancelled.before is not None and cancelled.after is not None
    assert (cancelled.before["status"], cancelled.after["status"]) == ("confirmed", "cancelled")
    assert all(e.at.tzinfo is UTC and abs(e.at - datetime.now(UTC)) < timedelta(minutes=1) for e in shop.audit())


async def test_a_move_that_flowed_back_from_a_calendar_comes_through_the_calendar_door(shop: Shop) -> None:
    booking = shop.services.bookings.add("Mark", "Massage", "Emma", when(2), door="desktop")
    await shop.engine.drain()
    importer = AvailabilityImporter(shop.services.db, shop.calendars, shop.services.settings)  # type: ignore[arg-type]
    await importer.import_all()
    shop.calendars[shop.work].move_event(f"{booking.public_id}@bizcal-desktop", when(2, 14), when(2, 15))
    report = await importer.import_all()
    assert report.connections[0].moved_bookings == 1

    flowed = shop.audit()[-1]
    assert (flowed.kind, flowed.action, flowed.door) == ("booking", "move", "calendar")
    assert flowed.before is not None and flowed.after is not None
    assert (flowed.before["start"], flowed.after["start"]) == (when(2).isoformat(), when(2, 14).isoformat())
    assert "Work" in flowed.summary


def test_connection_changes(shop: Shop) -> None:
    second = seed_connection(shop.services, staff="Mark", provider="caldav", display_name="Home", secret="x",
                             calendar_id="home", calendar_href="home", calendar_name="Home", door="desktop").id
    shop.services.connections.set_default(second, door="desktop")
    shop.services.connections.set_privacy(shop.work, "busy", door="cli")
    shop.services.connections.set_paused(shop.work, True, door="desktop")
    shop.services.connections.set_paused(shop.work, False, door="cli")

    connect, connect_home, default, privacy, paused, resumed = [e for e in shop.audit() if e.kind == "connection"]
    assert (connect.action, connect.door, connect.connection_id) == ("connect", "cli", shop.work)
    assert connect.before is None and connect.after is not None
    assert connect.after["calendar_name"] == "Work" and connect.after["staff"] == "Mark"
    assert not {"secret_key", "sync_cursor", "password"} & set(connect.after)
    assert connect_home.door == "desktop"
    assert (default.action, default.door, default.before, default.after) == (
        "set_default", "desktop", {"is_default": False}, {"is_default": True})
    assert (privacy.action, privacy.door, privacy.before, privacy.after) == (
        "set_privacy", "cli", {"event_privacy": None}, {"event_privacy": "busy"})
    assert (paused.action, paused.door, paused.before, paused.after) == (
        "pause", "desktop", {"paused": False}, {"paused": True})
    assert (resumed.action, resumed.door, resumed.after) == ("resume", "cli", {"paused": False})


def test_setting_changes_record_only_what_changed(shop: Shop) -> None:
    settings = shop.services.settings
    settings.update(door="desktop", slot_step_minutes=30, timezone="UTC")  # the zone is unchanged
    settings.update(door="desktop", slot_step_minutes=30)  # a Save without an edit: no row
    settings.set_staff_hours(1, {"mon": ["10:00-14:00"]}, door="cli")
    settings.set_event_privacy("initials", door="cli")

    step, hours, privacy = [e for e in shop.audit() if e.kind == "setting"]
    assert (step.door, step.subject, step.before, step.after) == (
        "desktop", "business settings", {"slot_step_minutes": 15}, {"slot_step_minutes": 30})
    assert (hours.door, hours.subject, hours.before) == ("cli", "working hours of staff 1", {"working_hours": None})
    assert hours.after is not None and hours.after["working_hours"]["mon"] == ["10:00-14:00"]
    assert hours.after["working_hours"]["tue"] == []
    assert (privacy.before, privacy.after) == ({"event_privacy": "service"}, {"event_privacy": "initials"})


async def test_the_engines_log_rows_name_the_change_that_caused_them(shop: Shop) -> None:
    booking = shop.services.bookings.add("Mark", "Massage", "Emma", when(3), door="desktop")
    await shop.engine.drain()
    shop.services.bookings.move(booking.id, when(5), door="cli")
    await shop.engine.drain()
    shop.services.settings.set_event_privacy("busy", door="desktop")
    await shop.engine.drain()

    made, moved, privacy = [e.id for e in shop.audit() if e.action in ("create", "move") or e.kind == "setting"]
    writes = [(r.action, r.audit_event_id) for r in shop.log_rows(booking.id)]
    assert writes == [("create", made), ("update", moved), ("update", privacy)]
    [entry] = [e for e in shop.services.sync_log.entries(booking_id=booking.id) if e.audit_event_id == moved]
    assert entry.caused_by == (f"audit #{moved}: booking move by {getpass.getuser()}@{socket.gethostname()} "
                               "(cli)")
    with shop.services.db.session() as s:
        privacy_row = s.scalars(select(CalendarSyncLog).where(CalendarSyncLog.action == "privacy")).one()
        assert privacy_row.audit_event_id == privacy


def test_append_only_no_api_and_the_database_refuses(shop: Shop) -> None:
    shop.services.bookings.add("Mark", "Massage", "Emma", when(3), door="desktop")
    public = {name for name in dir(AuditService) if not name.startswith("_")}
    assert public == {"entries", "get", "export_csv"}, "the audit service only reads"
    engine = shop.services.db.engine
    for statement in ("UPDATE audit_event SET door = 'cli'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as c:
            c.execute(text(statement))
    assert len(shop.services.audit.entries()) == 2  # the connection and the booking, unchanged
    with pytest.raises(StorageError), shop.services.db.session() as s:  # the ORM cannot either
        s.execute(text("DELETE FROM audit_event"))


def test_retention_removes_only_rows_older_than_it(shop: Shop) -> None:
    engine = shop.services.db.engine
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit_event (at, os_user, device, door, kind, action, subject, summary) "
                       "VALUES ('2020-01-01 00:00:00.000000', 'old', 'pc', 'cli', 'setting', 'update', 'x', 'old')"))
    shop.services.bookings.add("Mark", "Massage", "Emma", when(3), door="desktop")
    assert "old" in [e.os_user for e in shop.services.audit.entries()]  # kept: the default keeps all

    shop.services.settings.update(door="cli", audit_retention_days=365)  # recorded, then applied
    users = [e.os_user for e in shop.services.audit.entries()]
    assert "old" not in users and len(users) == 3
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as c:
        c.execute(text("DELETE FROM audit_event"))  # a young row is still refused


def test_a_save_that_spells_the_same_hours_differently_is_no_change(shop: Shop) -> None:
    week = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []}
    shop.services.settings.update(door="desktop", working_hours=week)  # the window sends every day
    assert [e for e in shop.audit() if e.kind == "setting"] == []


def test_the_set_up_wizards_hours_are_audited_through_the_desktop_door(services: Services) -> None:
    from bizcal_desktop.services.setup import ServiceDraft, SetupDraft

    services.setup.save_basics(SetupDraft("Anna", "Europe/Berlin", (ServiceDraft("Physio", 45),),
                                          {"mon": ["08:00-12:00"]}))
    [hours] = [e for e in services.audit.entries() if e.kind == "setting"]
    assert (hours.door, hours.subject) == ("desktop", "business settings")
    assert hours.before is not None and hours.after is not None
    assert hours.before["working_hours"]["mon"] == ["09:00-17:00"]
    assert hours.after["working_hours"]["mon"] == ["08:00-12:00"]
    assert (hours.before["timezone"], hours.after["timezone"]) == ("UTC", "Europe/Berlin")


async def test_a_reconnect_is_audited_through_its_door(services: Services, fresh_radicale) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    server = fresh_radicale
    url = server.make_calendar("work", "Work")
    view = await services.connections.connect_caldav("Mark", "generic", server.url, server.username, server.password,
                                                     calendar=url, door="desktop")
    server.set_password("alice", "a-new-app-password")
    services.bookings.add("Mark", "Massage", "Emma", when(2), door="desktop")
    await services.engine.drain()
    assert services.connections.get(view.id).status == "needs_reconnect"

    await services.connections.reconnect(view.id, "a-new-app-password", door="cli")
    [reconnect] = [e for e in services.audit.entries() if e.action == "reconnect"]
    assert (reconnect.kind, reconnect.door, reconnect.connection_id) == ("connection", "cli", view.id)
    assert reconnect.before is not None and reconnect.after is not None
    assert (reconnect.before["status"], reconnect.after["status"]) == ("needs_reconnect", "active")
    assert "a-new-app-password" not in str(reconnect)
    [row] = [e for e in services.sync_log.entries(limit=20) if e.message.startswith("Reconnected")]
    assert row.audit_event_id == reconnect.id
