"""`bizcal connections reconnect|pause|resume` as a subprocess against a real Radicale (issue 15 items 5, 6).

The password is revoked on the server under a working connection; the next booking's write is
refused and the connection needs reconnect; a booking is cancelled meanwhile. ``reconnect ID
--password-stdin`` keeps the connection (same id, no second row), puts the new password in the
keychain (the real Secret Service under ``with-keychain``), and drains: the waiting booking is
written and the cancelled one's event deleted. Pause holds new bookings without failing them;
resume writes them.
"""

from __future__ import annotations

import json

import pytest

from bizcal_desktop.providers.base import booking_uid
from tests.e2e.conftest import Cli
from tests.fixtures.radicale import CalendarReader, RadicaleServer

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "alice-new-app-password"


def _secret_key(cli: Cli) -> str:
    import sqlite3

    with sqlite3.connect(cli.data_dir / "bizcal.sqlite3") as db:
        return db.execute("SELECT secret_key FROM calendar_connection").fetchone()[0]


def _setup(cli: Cli, server: RadicaleServer) -> tuple[dict, CalendarReader]:  # type: ignore[type-arg]
    calendar_url = server.make_calendar("work", "Work")
    cli.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Massage", "--duration", "60")
    conn = cli.ok("connect", "caldav", "--staff", "Mark", "--url", server.url, "--username", server.username,
                  "--password-stdin", "--calendar", calendar_url, stdin=server.password + "\n")
    return conn, CalendarReader(calendar_url, server.username, server.password)


def test_reconnect_with_a_new_password_keeps_the_connection_and_drains(cli: Cli, fresh_radicale) -> None:  # type: ignore[no-untyped-def]
    conn, reader = _setup(cli, fresh_radicale)
    doomed = cli.ok("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Doomed",
                    "--start", "2026-12-01T10:00", "--no-check")
    assert doomed["sync_state"] == "synced"

    fresh_radicale.set_password("alice", NEW_PASSWORD)
    reader = CalendarReader(reader.calendar_url, "alice", NEW_PASSWORD)
    waiting = cli.run("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Waiting",
                      "--start", "2026-12-02T10:00", "--no-check", "--json")
    assert json.loads(waiting.stdout)["sync_state"] == "failed"
    cli.ok("booking", "cancel", str(doomed["id"]))
    [listed] = cli.ok("connections")
    assert listed["status"] == "needs_reconnect"
    assert len(reader.events()) == 1  # the cancelled booking's event cannot be deleted yet

    wrong = cli.run("connections", "reconnect", str(conn["id"]), "--password-stdin", stdin="nope\n")
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1 and "nope" not in wrong.stderr

    done = cli.ok("connections", "reconnect", str(conn["id"]), "--password-stdin", stdin=NEW_PASSWORD + "\n")

    assert done["connection"]["id"] == conn["id"] and done["connection"]["status"] == "active"
    assert (done["queued"], done["report"]["synced"], done["report"]["failed"]) == (2, 2, 0)
    assert [c["id"] for c in cli.ok("connections", "--all")] == [conn["id"]]  # no second row
    [event] = reader.events()
    assert str(event["UID"]) == booking_uid(json.loads(waiting.stdout)["public_id"])
    assert cli.keyring_get(f"{_secret_key(cli)}:password") == NEW_PASSWORD
    again = cli.run("connections", "reconnect", str(conn["id"]), "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert again.returncode == 1 and "nothing to reconnect" in again.stderr


def test_pause_holds_bookings_and_resume_writes_them(cli: Cli, fresh_radicale) -> None:  # type: ignore[no-untyped-def]
    conn, reader = _setup(cli, fresh_radicale)
    paused = cli.ok("connections", "pause", str(conn["id"]))
    assert paused["paused"] is True
    human = cli.run("connections")
    assert "active, paused" in human.stdout

    booking = cli.run("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                      "--start", "2026-12-01T10:00", "--no-check", "--json")
    assert booking.returncode == 0, booking.stderr
    assert json.loads(booking.stdout)["sync_state"] != "failed"
    sync = cli.ok("sync")
    assert (sync["synced"], sync["failed"]) == (0, 0)
    assert reader.events() == []
    assert any("waits: " in r["message"] and "is paused" in r["message"] for r in cli.ok("log", "--limit", "10"))

    resumed = cli.ok("connections", "resume", str(conn["id"]))
    assert resumed["connection"]["paused"] is False
    assert (resumed["report"]["synced"], resumed["report"]["failed"]) == (1, 0)
    assert len(reader.events()) == 1
