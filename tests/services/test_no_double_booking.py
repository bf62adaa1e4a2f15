"""The booking service's doors meet the database's refusal of a double booking as one sentence.

On both engines, through :class:`BookingService` as the CLI and the windows call it: a new booking
and a move onto a taken time raise :class:`SlotTakenError` (a :class:`UserInputError`, so every door
shows its sentence), and nothing is saved — no booking, no moved time, no audit event, no outbox job.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bizcal_desktop.errors import SlotTakenError, UserInputError
from bizcal_desktop.services.bookings import BookingService
from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.store.database import Database, open_database
from bizcal_desktop.store.models import AuditEvent, OutboxJob

TEN = datetime(2027, 12, 7, 9, 0, tzinfo=UTC)  #: Tuesday 7 December 2027, 10:00 in Berlin
TAKEN = "That time was just taken: Mark already has a booking from 10:00 to 11:00 on Tue 7 Dec. Pick another time."


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> Iterator[Database]:
    opened = open_database(tmp_path / "bizcal.sqlite3", database_url)
    yield opened
    opened.dispose()


def _bookings(db: Database) -> BookingService:
    directory = DirectoryService(db)
    directory.add_staff("Mark", "Europe/Berlin")
    directory.add_service("Massage", 60)
    return BookingService(db, directory)


def _saved(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (AuditEvent, OutboxJob))


def test_booking_a_taken_time_is_one_sentence_and_saves_nothing(db: Database) -> None:
    bookings = _bookings(db)
    bookings.add("Mark", "Massage", "Emma Lind", TEN)
    saved = _saved(db)
    with pytest.raises(SlotTakenError) as refused:
        bookings.add("Mark", "Massage", "Olaf Berg", "2027-12-07T10:30")
    assert isinstance(refused.value, UserInputError)
    assert str(refused.value) == TAKEN
    assert "Emma" not in str(refused.value)
    assert [b.customer_name for b in bookings.list()] == ["Emma Lind"]
    assert _saved(db) == saved


def test_moving_onto_a_taken_time_keeps_the_booking_where_it_was(db: Database) -> None:
    bookings = _bookings(db)
    bookings.add("Mark", "Massage", "Emma Lind", TEN)
    later = bookings.add("Mark", "Massage", "Olaf Berg", TEN + timedelta(hours=3))
    saved = _saved(db)
    with pytest.raises(SlotTakenError, match="^That time was just taken: Mark already has a booking from 10:00"):
        bookings.move(later.id, "2027-12-07T09:30")
    again = bookings.get(later.id)
    assert (again.start, again.version) == (later.start, later.version)
    assert _saved(db) == saved
    moved = bookings.move(later.id, "2027-12-07T11:00")  # touching the first booking's end is fine
    assert moved.start == TEN + timedelta(hours=1)
