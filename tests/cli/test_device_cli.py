"""Two computers, one team database (PostgreSQL), a real CalDAV server: the CLI's side of issue 19 item 3.

Sarah's laptop connects her calendar (its app password goes to the laptop's keychain); a booking made
at the front desk is not written from there — ``bizcal sync`` says it waits for Sarah's laptop — and
``connections reconnect`` there refuses, naming the laptop, until ``--take-over``; then the front desk
writes it, and Radicale holds the event. Each computer has its own data folder (``device.json``) and
keychain service, as two machines would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.radicale import CalendarFixture
from tests.support.cli_computer import Computer


def test_a_calendar_is_written_by_its_computer_until_another_takes_it_over(  # type: ignore[no-untyped-def]
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, caldav_calendar: CalendarFixture,
) -> None:
    laptop = Computer.with_own_keychain(tmp_path / "laptop", postgres_url, monkeypatch, capsys)
    desk = Computer.with_own_keychain(tmp_path / "desk", postgres_url, monkeypatch, capsys)
    assert laptop.ok("device", "rename", "Sarah's laptop")["name"] == "Sarah's laptop"
    laptop.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")
    laptop.ok("service", "add", "Cut", "--duration", "60")
    conn = laptop.ok("connect", "caldav", "--staff", "Sarah", "--url", caldav_calendar.server.url, "--username",
                     caldav_calendar.username, "--password-stdin", "--calendar", caldav_calendar.url,
                     stdin=caldav_calendar.password + "\n")
    assert laptop.ok("device")["connections"] == [conn["id"]]
    desk_device = desk.ok("device")
    assert desk_device["connections"] == [] and desk_device["id"] != laptop.ok("device")["id"]

    desk.ok("booking", "add", "--staff", "Sarah", "--service", "Cut", "--customer", "Ana",
            "--start", "2026-12-01T10:00")
    code, out, _ = desk.run("sync")
    assert code == 0 and "1 change waits for Sarah's laptop." in out
    assert caldav_calendar.reader().events() == []

    code, _, err = desk.run("connections", "reconnect", str(conn["id"]), "--password-stdin",
                            stdin=caldav_calendar.password + "\n")
    assert code == 1 and "used by Sarah's laptop. Use it on this computer instead?" in err and "--take-over" in err

    code, out, err = desk.run("connections", "reconnect", str(conn["id"]), "--password-stdin", "--take-over",
                              stdin=caldav_calendar.password + "\n")
    assert code == 0, err
    assert "used on this computer now, no longer on Sarah's laptop" in out and "Synced 1, failed 0" in out
    assert len(caldav_calendar.reader().events()) == 1
    assert desk.ok("device")["connections"] == [conn["id"]] and laptop.ok("device")["connections"] == []
    code, out, _ = laptop.run("sync")
    assert code == 0 and "wait for" not in out
