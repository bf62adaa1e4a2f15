"""The audit trail names the person (issue 19 item 6) through the CLI's doors: ``--as NAME``,
``BIZCAL_PERSON``, and this computer's saved answer on a team database; ``bizcal audit`` shows them in
JSON, CSV and the table. On a solo SQLite file the person stays empty unless ``--as`` names one.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bizcal_desktop.config import Config
from bizcal_desktop.wiring import build_services
from tests.support.cli_computer import Computer


def _book(computer: Computer, hour: int, *flags: str) -> int:
    """A booking for the first staff member (by id: names change) at ``hour`` on 7 December 2027."""
    made = computer.ok("booking", "add", "--staff", "1", "--service", "Cut", "--customer", "Ana",
                       "--start", f"2027-12-07T{hour:02d}:00", "--no-sync", "--no-check", *flags)
    return int(made["id"])


def _made_by(computer: Computer, booking_id: int) -> tuple[int | None, str | None]:
    [row] = [r for r in computer.ok("audit") if r["subject"] == f"booking {booking_id}"]
    return row["staff_member_id"], row["person"]


def test_on_a_team_database_changes_name_the_person(  # type: ignore[no-untyped-def]
    postgres_url: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = Computer(["--data-dir", str(tmp_path / "laptop"), "--database-url", postgres_url], capsys)
    sarah = laptop.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")["id"]
    assert sarah == 1  # the staff member _book books
    jo = laptop.ok("staff", "add", "Jo", "--timezone", "Europe/Berlin")["id"]
    laptop.ok("service", "add", "Cut", "--duration", "60")

    assert _made_by(laptop, _book(laptop, 9)) == (None, None)  # not answered yet: nobody
    assert _made_by(laptop, _book(laptop, 10, "--as", "Sarah")) == (sarah, "Sarah")
    monkeypatch.setenv("BIZCAL_PERSON", "Jo")
    assert _made_by(laptop, _book(laptop, 11)) == (jo, "Jo")
    assert _made_by(laptop, _book(laptop, 12, "--as", "Sarah")) == (sarah, "Sarah")  # --as wins
    monkeypatch.delenv("BIZCAL_PERSON")

    # The desktop's answer to "Who uses this computer?", saved in this computer's data folder.
    services = build_services(Config.load(tmp_path / "laptop", postgres_url))
    try:
        services.person.choose("Sarah")
    finally:
        services.close()
    code, out, _err = laptop.run("device")
    assert code == 0 and out.rstrip().endswith("Changes are recorded as made by Sarah.")
    last = _book(laptop, 13)
    assert _made_by(laptop, last) == (sarah, "Sarah")
    # Renamed later: history keeps the name it was made with, new changes take the new one.
    laptop.ok("staff", "rename", "Sarah", "Sara")
    assert _made_by(laptop, last) == (sarah, "Sarah")
    assert _made_by(laptop, _book(laptop, 14)) == (sarah, "Sara")

    code, out, _err = laptop.run("audit", "--limit", "1")
    assert code == 0 and "Sara (" in out.splitlines()[-1]
    code, out, _err = laptop.run("audit", "--csv", "--limit", "1")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert (row["person"], row["staff_member_id"]) == ("Sara", str(sarah))

    code, out, err = laptop.run("booking", "list", "--as", "Nobody")
    assert (code, out) == (1, "") and err.startswith(
        "bizcal: error: No staff member 'Nobody' to make changes as (--as or BIZCAL_PERSON)")


def test_a_solo_file_records_no_person_unless_told(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    solo = Computer(["--data-dir", str(tmp_path / "data")], capsys)
    sarah = solo.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")["id"]
    assert sarah == 1  # the staff member _book books
    solo.ok("service", "add", "Cut", "--duration", "60")
    (tmp_path / "data" / "person.json").write_text(json.dumps({"staff_id": sarah, "name": "Sarah"}))
    assert _made_by(solo, _book(solo, 9)) == (None, None)  # no question on a solo file: its answer is unused
    assert _made_by(solo, _book(solo, 10, "--as", "Sarah")) == (sarah, "Sarah")


def test_an_admin_answers_who_uses_this_computer_from_the_command_line(  # type: ignore[no-untyped-def]
    postgres_url: str, tmp_path: Path, capsys
) -> None:
    desk = Computer(["--data-dir", str(tmp_path / "desk"), "--database-url", postgres_url], capsys)
    desk.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")
    desk.ok("service", "add", "Cut", "--duration", "60")

    assert desk.ok("device", "used-by", "Sarah")["person"] == "Sarah"
    assert _made_by(desk, _book(desk, 9)) == (1, "Sarah")  # a later run reads the saved answer
    assert desk.ok("device", "used-by", "--several")["person"] is None
    assert _made_by(desk, _book(desk, 10)) == (None, None)
    code, _out, err = desk.run("device", "used-by", "Nobody")
    assert code != 0 and "Nobody" in err and "Traceback" not in err


def test_a_solo_file_is_not_asked_who_uses_the_computer(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    solo = Computer(["--data-dir", str(tmp_path / "solo")], capsys)
    solo.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")
    code, _out, err = solo.run("device", "used-by", "Sarah")
    assert code != 0 and "Only a team database" in err
