"""``bizcal booking add`` / ``move`` onto a time the staff member is booked already: one line, exit 1.

On both engines: on PostgreSQL two computers (own data folders, one team database), on SQLite two
commands on one data folder. The refusal comes from the database (``store/booking_slots.py``); the
CLI prints its sentence as it prints every error, and nothing is saved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_computer import Computer

TAKEN = ("bizcal: error: That time was just taken: Mark already has a booking from 10:00 to 11:00 on "
         "Tue 7 Dec. Pick another time.\n")


def _computers(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Computer, Computer]:
    if database_url.startswith("sqlite"):
        shared = ["--data-dir", str(tmp_path / "data")]
        return Computer(shared, capsys), Computer(shared, capsys)
    return tuple(Computer(["--data-dir", str(tmp_path / name), "--database-url", database_url], capsys)
                 for name in ("desk", "laptop"))  # type: ignore[return-value]


def test_booking_or_moving_onto_a_taken_time_is_refused_in_one_line(  # type: ignore[no-untyped-def]
    database_url: str, tmp_path: Path, capsys
) -> None:
    desk, laptop = _computers(database_url, tmp_path, capsys)
    desk.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    desk.ok("service", "add", "Massage", "--duration", "60")
    book = ("booking", "add", "--staff", "Mark", "--service", "Massage", "--no-sync", "--no-check")
    desk.ok(*book, "--customer", "Emma", "--start", "2027-12-07T10:00")

    assert laptop.run(*book, "--customer", "Olaf", "--start", "2027-12-07T10:30") == (1, "", TAKEN)
    later = laptop.ok(*book, "--customer", "Olaf", "--start", "2027-12-07T11:00")  # touching is fine
    assert laptop.run("booking", "move", str(later["id"]), "--start", "2027-12-07T09:15", "--no-sync") == (
        1, "", TAKEN)
    listed = desk.ok("booking", "list")
    assert [(b["customer_name"], b["start"]) for b in listed] == [
        ("Emma", "2027-12-07T09:00:00+00:00"), ("Olaf", "2027-12-07T10:00:00+00:00")]
