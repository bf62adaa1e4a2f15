"""The database itself refuses two confirmed bookings of one staff member at overlapping times.

Run on both engines (an exclusion constraint on PostgreSQL, triggers on SQLite). Two devices that
both saw the time free and book it at the same moment: exactly one wins, the other is told the time
was just taken, and nothing of its attempt is saved. A row written past Python (plain SQL) is refused
too. Bookings that overlapped before migration 0012 survive it unchanged, marked grandfathered.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from bizcal_desktop.errors import SlotTakenError
from bizcal_desktop.store import booking_changes, booking_slots
from bizcal_desktop.store.database import MIGRATIONS_DIR, Database, open_database
from bizcal_desktop.store.models import AuditEvent, Booking, OutboxJob, Service, Staff

#: Tuesday 7 December 2027, 10:00 in Berlin.
TEN = datetime(2027, 12, 7, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _team(database_url: str, tmp_path: Path, devices: int = 2) -> list[Database]:
    path = tmp_path / "bizcal.sqlite3"
    first = open_database(path, database_url)
    return [first] + [Database(path, url=database_url) for _ in range(devices - 1)]


def _directory(db: Database) -> tuple[int, int, int]:
    """Mark and Ana (Berlin), a one-hour Massage: their ids."""
    with db.session() as s:
        mark, ana = Staff(name="Mark", timezone="Europe/Berlin"), Staff(name="Ana", timezone="Europe/Berlin")
        massage = Service(name="Massage", duration_minutes=60)
        s.add_all([mark, ana, massage])
        s.flush()
        return mark.id, ana.id, massage.id


def _book(db: Database, staff_id: int, service_id: int, start: datetime, customer: str = "Kim") -> int:
    with db.session() as s:
        booking = booking_changes.create_booking(s, s.get(Staff, staff_id), s.get(Service, service_id), customer, start)
        return booking.id


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(table)) for table in (Booking, AuditEvent, OutboxJob))


@pytest.fixture
def team(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    devices = _team(database_url, tmp_path)
    yield devices
    for db in devices:
        db.dispose()


def test_two_devices_booking_one_time_at_once_one_wins(team: list[Database]) -> None:
    mark, _ana, massage = _directory(team[0])
    both_saw_it_free = threading.Barrier(len(team))
    outcomes: dict[str, object] = {}

    def book(name: str, db: Database) -> None:
        try:
            with db.session() as s:
                staff, service = s.get(Staff, mark), s.get(Service, massage)
                assert booking_slots.holder(s, mark, TEN, TEN + HOUR) is None
                both_saw_it_free.wait(30)
                outcomes[name] = booking_changes.create_booking(s, staff, service, f"Customer of {name}", TEN).id
        except SlotTakenError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=book, args=(f"device-{n}", db)) for n, db in enumerate(team)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    refused = [o for o in outcomes.values() if isinstance(o, SlotTakenError)]
    won = [o for o in outcomes.values() if isinstance(o, int)]
    assert len(won) == 1 and len(refused) == 1, outcomes
    assert str(refused[0]) == ("That time was just taken: Mark already has a booking from 10:00 to 11:00 on "
                               "Tue 7 Dec. Pick another time.")
    assert "Customer" not in str(refused[0])
    assert _counts(team[0]) == (1, 1, 1)  # the loser left no booking, no audit event, no job


def test_a_unit_of_work_that_fails_after_the_booking_leaves_nothing(team: list[Database]) -> None:
    mark, _ana, massage = _directory(team[0])
    with pytest.raises(RuntimeError), team[0].session() as s:
        booking_changes.create_booking(s, s.get(Staff, mark), s.get(Service, massage), "Kim", TEN)
        raise RuntimeError("the caller fails after the booking was written")
    assert _counts(team[0]) == (0, 0, 0)


def test_a_move_into_another_booking_is_refused_and_nothing_changes(team: list[Database]) -> None:
    mark, _ana, massage = _directory(team[0])
    _book(team[0], mark, massage, TEN)
    later = _book(team[1], mark, massage, TEN + 2 * HOUR)
    before = _counts(team[0])
    with pytest.raises(SlotTakenError, match="Mark already has a booking from 10:00 to 11:00"), \
            team[1].session() as s:
        booking_changes.reschedule(s, s.get(Booking, later), TEN + HOUR / 2)
    with team[0].session() as s:
        moved = s.get(Booking, later)
        assert (moved.start_utc, moved.version) == (TEN + 2 * HOUR, 1)
    assert _counts(team[0]) == before


def test_touching_times_other_staff_and_cancelled_bookings_do_not_block(team: list[Database]) -> None:
    mark, ana, massage = _directory(team[0])
    first = _book(team[0], mark, massage, TEN)
    _book(team[1], mark, massage, TEN + HOUR)  # 11:00 starts where 10:00-11:00 ends
    _book(team[1], mark, massage, TEN - HOUR)  # and 09:00-10:00 ends where it starts
    _book(team[1], ana, massage, TEN)  # another staff member, same time
    with pytest.raises(SlotTakenError):
        _book(team[1], mark, massage, TEN + HOUR / 4)
    with team[0].session() as s:
        booking_changes.cancel(s, s.get(Booking, first))
    _book(team[1], mark, massage, TEN)  # the cancelled booking's time is free again


def test_a_row_written_past_python_is_refused_by_the_database(team: list[Database]) -> None:
    mark, _ana, massage = _directory(team[0])
    _book(team[0], mark, massage, TEN)
    stamp = "2027-12-07 09:30:00.000000"
    with pytest.raises(IntegrityError) as refused, team[1].engine.begin() as c:
        c.execute(text(
            "INSERT INTO booking (public_id, customer_name, service_id, staff_id, start_utc, end_utc, timezone, "
            "status, version, created_at, updated_at, overlap_grandfathered) VALUES ('raw', 'Raw', :service, "
            ":staff, :start, '2027-12-07 10:30:00.000000', 'UTC', 'confirmed', 1, :start, :start, false)"),
            {"service": massage, "staff": mark, "start": stamp})
    assert booking_slots.is_slot_taken(refused.value)


def _upgrade_to(db: Database, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _old_booking(c, name: str, start: str, end: str, status: str = "confirmed") -> None:  # type: ignore[no-untyped-def]
    c.execute(text(
        "INSERT INTO booking (public_id, customer_name, service_id, staff_id, start_utc, end_utc, timezone, "
        "status, version, created_at, updated_at) VALUES (:name, 'Old', 1, 1, :start, :end, 'Europe/Berlin', "
        ":status, 3, :start, :start)"),
        {"name": name, "start": f"2027-12-07 {start}:00.000000",
         "end": f"2027-12-07 {end}:00.000000", "status": status})


_ROWS = "SELECT public_id, start_utc, end_utc, status, version FROM booking ORDER BY public_id"


def test_bookings_that_overlapped_before_survive_the_migration(database_url: str, tmp_path: Path) -> None:
    db = Database(tmp_path / "bizcal.sqlite3", url=database_url)
    try:
        _upgrade_to(db, "0011")
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO staff (name, timezone, created_at) VALUES "
                           "('Mark', 'Europe/Berlin', '2026-01-01 00:00:00.000000')"))
            c.execute(text("INSERT INTO service (name, duration_minutes, buffer_before_minutes, "
                           "buffer_after_minutes) VALUES ('Massage', 60, 0, 0)"))
            _old_booking(c, "first", "09:00", "10:00")  # overlaps "second" (double-booked before the rule)
            _old_booking(c, "second", "09:30", "10:30")
            _old_booking(c, "touching", "10:30", "11:30")  # touches "second" only: not an overlap
            _old_booking(c, "cancelled", "09:00", "10:00", status="cancelled")
            rows_before = c.execute(text(_ROWS)).all()
        db.upgrade()
        with db.engine.connect() as c:
            assert c.execute(text(_ROWS)).all() == rows_before
        with db.session() as s:
            old = {b.public_id: b for b in s.scalars(select(Booking))}
            assert {name: b.overlap_grandfathered for name, b in old.items()} == {
                "first": True, "second": True, "touching": False, "cancelled": False}
            mark, massage = s.scalars(select(Staff)).one(), s.scalars(select(Service)).one()
            old_nine = datetime(2027, 12, 7, 9, 0, tzinfo=UTC)
            # A grandfathered booking still holds its time against new bookings...
            with pytest.raises(SlotTakenError, match="from 10:00 to 11:00 on Tue 7 Dec"):
                booking_changes.create_booking(s, mark, massage, "New", old_nine + HOUR / 4)
            # ... and moved to a free time it is an ordinary booking again.
            booking_changes.reschedule(s, old["second"], old_nine + 3 * HOUR)
            assert old["second"].overlap_grandfathered is False
        with pytest.raises(SlotTakenError), db.session() as s:
            booking_changes.create_booking(s, s.merge(mark), s.merge(massage), "New", old_nine + 3 * HOUR)
    finally:
        db.dispose()
