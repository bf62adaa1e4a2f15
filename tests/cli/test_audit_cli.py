"""``bizcal audit`` (table, --json, --csv, --since, --text), and the CLI's changes audited through its door."""

from __future__ import annotations

import csv
import getpass
import io
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bizcal_desktop.services.audit import CSV_COLUMNS
from tests.cli.test_privacy_cli import seeded_connection
from tests.cli.test_staff_service_cli import Run


@pytest.fixture
def bizcal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(tmp_path / "data", capsys)


@pytest.fixture
def changes(bizcal: Run) -> Run:
    """A connection (saved outside the CLI), a booking added, moved and cancelled, a setting changed."""
    cid = seeded_connection(bizcal.data_dir)
    bizcal.json("service", "add", "Massage", "--duration", "60")
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    booking = bizcal.json("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma Schmidt",
                          "--start", f"{day}T10:00", "--no-sync", "--no-check")
    bizcal.json("booking", "move", str(booking["id"]), "--start", f"{day}T12:00", "--no-sync")
    bizcal.json("booking", "cancel", str(booking["id"]), "--no-sync")
    bizcal.json("settings", "set", "--step", "30")
    bizcal.json("connections", "set-default", str(cid))
    bizcal.json("connections", "pause", str(cid))
    return bizcal


def test_json_lists_every_change_newest_first_with_the_cli_door(changes: Run) -> None:
    rows = changes.json("audit")
    assert [(r["kind"], r["action"], r["door"]) for r in rows] == [
        ("connection", "pause", "cli"), ("connection", "set_default", "cli"), ("setting", "update", "cli"), ("booking", "cancel", "cli"),
        ("booking", "move", "cli"), ("booking", "create", "cli"), ("connection", "connect", "unknown"),
    ]
    assert rows[2]["before"] == {"slot_step_minutes": 15} and rows[2]["after"] == {"slot_step_minutes": 30}
    assert {(r["os_user"], r["device"]) for r in rows} == {(getpass.getuser(), socket.gethostname())}
    assert changes.json("audit", "--text", "emma")[0]["action"] == "cancel"
    assert len(changes.json("audit", "--text", "emma")) == 3
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert changes.json("audit", "--since", tomorrow) == []
    assert len(changes.json("audit", "--since", datetime.now(UTC).date().isoformat())) == 7


def test_csv_has_the_export_columns_and_one_row_per_change(changes: Run) -> None:
    code, out, err = changes("audit", "--csv")
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert len(body) == 7
    created = next(r for r in body if r["action"] == "create")
    assert created["door"] == "cli" and created["kind"] == "booking" and '"customer": "Emma Schmidt"' in created["after"]
    assert created["before"] == "" and created["staff_member_id"] == ""
    assert datetime.fromisoformat(created["at_utc"]).utcoffset() == timedelta(0)


def test_a_table_for_people_and_a_sentence_for_a_bad_date(changes: Run) -> None:
    code, out, _err = changes("audit", "--limit", "2")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split()[:4] == ["ID", "WHEN", "(UTC)", "WHO"] and len(lines) == 3
    assert f"{getpass.getuser()}@{socket.gethostname()}" in lines[1]
    code, _out, err = changes("audit", "--since", "last week")
    assert code == 1 and "is not a date" in err


def test_connecting_from_the_cli_is_audited_through_its_door(
    bizcal: Run, caldav_calendar, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    bizcal.json("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{server.password}\n"))
    connected = bizcal.json("connect", "caldav", "--staff", "Mark", "--url", server.url, "--username",
                            server.username, "--password-stdin", "--calendar", caldav_calendar.url)
    [row] = bizcal.json("audit")
    assert (row["kind"], row["action"], row["door"], row["connection_id"]) == (
        "connection", "connect", "cli", connected["id"])
    assert server.password not in str(row) and "secret_key" not in row["after"]


def test_retention_is_a_setting_that_keeps_everything_by_default(bizcal: Run) -> None:
    assert bizcal.json("settings", "show")["audit_retention_days"] is None
    assert bizcal.json("settings", "set", "--audit-retention", "730")["audit_retention_days"] == 730
    code, _out, err = bizcal("settings", "set", "--audit-retention", "7")
    assert code == 1 and "at least 30 days" in err
    assert bizcal.json("settings", "set", "--audit-retention", "keep")["audit_retention_days"] is None
    [newest, older] = bizcal.json("audit")
    assert (newest["before"], newest["after"]) == ({"audit_retention_days": 730}, {"audit_retention_days": None})
    assert older["door"] == "cli"
