"""``bizcal staff rename|set-timezone|archive|restore`` and ``bizcal service edit|archive|restore``,
run in process through the CLI's entry point (the same parse → handler → one-line error path)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bizcal_desktop.cli.entry import main


class Run:
    def __init__(self, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data_dir, self.capsys = data_dir, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*args, "--data-dir", str(self.data_dir)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str):  # type: ignore[no-untyped-def]
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def bizcal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(tmp_path / "data", capsys)


def test_staff_verbs(bizcal: Run) -> None:
    bizcal.json("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    bizcal.json("service", "add", "Massage", "--duration", "60")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    bizcal.json("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                "--start", f"{day}T10:00", "--no-sync")
    assert bizcal.json("staff", "rename", "Mark", "Marcus")["name"] == "Marcus"
    assert bizcal.json("staff", "set-timezone", "Marcus", "America/New_York")["timezone"] == "America/New_York"
    code, out, err = bizcal("staff", "archive", "Marcus")
    assert code == 0 and err == ""
    assert out.strip() == ("Archived Marcus; no new bookings can be made with them. Kept: 1 future booking "
                           "(cancelling still removes the event; busy times are no longer read).")
    assert bizcal.json("staff", "list") == []
    [listed] = bizcal.json("staff", "list", "--all")
    assert listed["name"] == "Marcus" and listed["archived_at"] is not None
    code, out, err = bizcal("booking", "add", "--staff", "Marcus", "--service", "Massage", "--customer", "Eve",
                            "--start", f"{day}T14:00", "--no-sync")
    assert code == 1 and out == ""
    assert err.startswith("bizcal: error: Marcus is archived") and err.count("\n") == 1
    assert bizcal.json("staff", "restore", "1")["archived_at"] is None


def test_service_verbs(bizcal: Run) -> None:
    bizcal.json("service", "add", "Massage", "--duration", "60", "--buffer-after", "15")
    edited = bizcal.json("service", "edit", "Massage", "--name", "Deep massage", "--duration", "90",
                         "--buffer-before", "5", "--offered", "no")
    assert (edited["name"], edited["duration_minutes"], edited["buffer_before_minutes"],
            edited["buffer_after_minutes"], edited["offered"]) == ("Deep massage", 90, 5, 15, False)
    _code, out, _err = bizcal("service", "list")
    assert "Deep massage" in out and "not offered" in out
    archived = bizcal.json("service", "archive", "Deep massage")
    assert archived["archived_at"] is not None
    assert bizcal.json("service", "list") == []
    assert len(bizcal.json("service", "list", "--all")) == 1
    assert bizcal.json("service", "restore", "Deep massage")["archived_at"] is None


def test_errors_are_one_line(bizcal: Run) -> None:
    bizcal.json("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    for args, says in (
        (("staff", "set-timezone", "Mark", "Mars/Base"), "Unknown time zone 'Mars/Base'"),
        (("staff", "rename", "Nobody", "X"), "No staff member 'Nobody'"),
        (("service", "edit", "Nothing", "--duration", "5"), "No service 'Nothing'"),
        (("service", "archive", "Nothing"), "No service 'Nothing'"),
    ):
        code, out, err = bizcal(*args)
        assert (code, out) == (1, ""), args
        assert err.startswith(f"bizcal: error: {says}") and err.count("\n") == 1, err
