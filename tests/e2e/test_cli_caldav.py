"""`bizcal` driven as a subprocess, as a new user would, against a real Radicale server.

Secrets: under ``with-keychain`` (CI and ``scripts/run-tests``) these runs use the real Secret
Service (gnome-keyring on a private D-Bus); ``BIZCAL_E2E_REAL_KEYCHAIN=1`` then also asserts that the
backend really is the Secret Service. Elsewhere they fall back to a file keyring in a temp folder,
so a developer's own keychain is never touched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import REAL_KEYCHAIN, Cli
from tests.fixtures.radicale import CalendarReader
from tests.sync.test_importer_caldav import vevent

BERLIN = ZoneInfo("Europe/Berlin")

pytestmark = pytest.mark.e2e


def test_keychain_backend_is_the_real_secret_service(cli: Cli) -> None:
    if not REAL_KEYCHAIN:
        pytest.skip("not running under with-keychain (scripts/run-tests and CI do)")
    out = subprocess.run(
        [sys.executable, "-c", "import keyring; k = keyring.get_keyring(); "
         "print(type(getattr(k, 'backends', [k])[0]).__module__)"],
        capture_output=True, text=True, env=cli.env, timeout=60, check=True,
    ).stdout
    # keyring writes to the highest-priority backend; it must be the Secret Service.
    assert out.strip() == "keyring.backends.SecretService"


def test_full_flow_as_a_new_user(cli: Cli, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    reader: CalendarReader = caldav_calendar.reader()

    staff = cli.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Massage", "--duration", "60", "--buffer-after", "15")

    # Wrong password: one clear line, exit 1, nothing saved.
    bad = cli.run("connect", "caldav", "--staff", "Mark", "--provider", "generic", "--url", server.url,
                  "--username", server.username, "--password-stdin", "--calendar", caldav_calendar.url,
                  stdin="wrong-password\n")
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("bizcal: error:")
    assert "Traceback" not in bad.stderr and "wrong-password" not in bad.stderr
    assert cli.ok("connections") == []

    conn = cli.ok("connect", "caldav", "--staff", "Mark", "--provider", "generic", "--url", server.url,
                  "--username", server.username, "--password-stdin", "--calendar", caldav_calendar.url,
                  stdin=f"{server.password}\n")
    assert conn["is_default"] is True and conn["staff_id"] == staff["id"]
    # The password is in the keychain, and nowhere in the data folder.
    for path in cli.data_dir.rglob("*"):
        if path.is_file():
            assert server.password.encode() not in path.read_bytes(), f"password leaked into {path}"
    listed = cli.ok("connections")
    assert [c["id"] for c in listed] == [conn["id"]]

    booking = cli.ok("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                     "--start", "2026-12-01T10:00")
    assert booking["sync_state"] == "synced"
    assert booking["start"] == "2026-12-01T09:00:00+00:00"
    events = reader.events()
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == "Massage"  # a new install: service only

    moved = cli.ok("booking", "move", str(booking["id"]), "--start", "2026-12-01T14:00+01:00")
    assert moved["version"] == 2 and moved["sync_state"] == "synced"
    events = reader.events()
    assert len(events) == 1 and events[0].decoded("DTSTART").hour == 14

    cancelled = cli.ok("booking", "cancel", str(booking["id"]))
    assert cancelled["status"] == "cancelled"
    assert reader.events() == []

    log = cli.ok("log", "--limit", "10")
    assert [(r["action"], r["outcome"]) for r in log[:3]] == [
        ("delete", "success"), ("update", "success"), ("create", "success")
    ]
    assert all(r["at"].endswith("+00:00") for r in log)

    # Disconnect deletes the secret at once.
    secret_key = _secret_key(cli)
    account = f"{secret_key}:password"
    assert cli.keyring_get(account) == server.password
    cli.ok("connections", "disconnect", str(conn["id"]))
    assert cli.keyring_get(account) is None
    assert cli.ok("connections") == []


def _secret_key(cli: Cli) -> str:
    import sqlite3

    with sqlite3.connect(cli.data_dir / "bizcal.sqlite3") as db:
        return db.execute("SELECT secret_key FROM calendar_connection").fetchone()[0]


def test_a_password_in_the_url_goes_to_the_keychain_only(cli: Cli, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    cli.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Massage", "--duration", "60")
    url = server.url.replace("://", f"://{server.username}:{server.password}@")

    # Pasted as is, with the username and password given as usual as well.
    first = cli.ok("connect", "caldav", "--staff", "Mark", "--url", url, "--username", server.username,
                   "--password-stdin", "--calendar", caldav_calendar.url, stdin=f"{server.password}\n")
    assert (first["server_url"], first["calendar_href"]) == (server.url, caldav_calendar.url)
    listed = cli.run("connections", "--json")
    assert listed.returncode == 0 and server.password not in listed.stdout
    assert [c["server_url"] for c in json.loads(listed.stdout)] == [server.url]
    assert_only_in_the_keychain(cli, server.password)

    # No --username, no --password-stdin: both come from the URL, with a warning about ps and history.
    second = cli.run("connect", "caldav", "--staff", "Mark", "--url", url, "--calendar", caldav_calendar.url,
                     "--json")
    assert second.returncode == 0, second.stderr
    assert "warning" in second.stderr and "--password-stdin" in second.stderr
    assert server.password not in second.stdout + second.stderr
    assert json.loads(second.stdout)["server_url"] == server.url

    # A different user in the URL and in --username: one line, nothing saved, no password shown.
    other = cli.run("connect", "caldav", "--staff", "Mark", "--url", url, "--username", "anna")
    assert other.returncode == 1 and other.stderr.count("\n") == 1
    assert "'alice'" in other.stderr and "'anna'" in other.stderr and server.password not in other.stderr

    booking = cli.ok("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                     "--start", "2026-12-01T10:00")
    assert booking["sync_state"] == "synced"  # the keychain's password works
    assert cli.keyring_get(f"{_secret_key(cli)}:password") == server.password
    assert server.password not in cli.run("connections", "--json").stdout
    assert_only_in_the_keychain(cli, server.password)


def assert_only_in_the_keychain(cli: Cli, password: str) -> None:
    """Not in the database (nor its WAL), the log file or anything else in the data folder."""
    files = [path for path in cli.data_dir.rglob("*") if path.is_file()]
    assert {"bizcal.sqlite3", "bizcal.log"} <= {path.name for path in files}
    for path in files:
        assert password.encode() not in path.read_bytes(), f"password leaked into {path}"


def test_server_down_then_retry_failed(cli: Cli, fresh_radicale) -> None:  # type: ignore[no-untyped-def]
    calendar_url = fresh_radicale.make_calendar()
    cli.ok("staff", "add", "Lydia", "--timezone", "America/New_York")
    cli.ok("service", "add", "Training", "--duration", "90")
    cli.ok("connect", "caldav", "--staff", "Lydia", "--url", fresh_radicale.url, "--username",
           fresh_radicale.username, "--password-stdin", stdin=fresh_radicale.password + "\n")
    fresh_radicale.stop()
    result = cli.run("booking", "add", "--staff", "Lydia", "--service", "Training", "--customer", "Acme",
                     "--start", "2026-11-01T09:00", "--json")
    assert result.returncode == 0  # the booking is saved even though the calendar is down
    assert json.loads(result.stdout)["sync_state"] == "failed"
    assert "warning" in result.stderr
    failed = cli.ok("log", "--failed")
    assert failed and failed[0]["outcome"] == "failure"

    fresh_radicale.start()
    retry = cli.run("retry", "--failed", "--json")
    assert retry.returncode == 0, retry.stderr
    assert json.loads(retry.stdout)["report"]["synced"] == 1
    events = CalendarReader(calendar_url, fresh_radicale.username, fresh_radicale.password).events()
    # 2026-11-01 is the day New York leaves daylight time: 09:00 local is 14:00 UTC, not 13:00.
    assert len(events) == 1
    assert events[0].decoded("DTSTART").isoformat().startswith("2026-11-01T09:00:00-05:00")


def test_usage_and_input_errors_are_one_line(cli: Cli) -> None:
    usage = cli.run("booking", "add", "--staff", "X")
    assert usage.returncode == 2
    missing = cli.run("booking", "move", "42", "--start", "2026-12-01T10:00")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "bizcal: error: No booking 42; see `bizcal booking list`."
    bad_date = cli.run("resync", "--from", "yesterday")
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr


def _soon(hour: int) -> tuple[str, datetime]:
    """``hour`` o'clock in Berlin three days from now: the ``--start`` text and the aware time."""
    day = datetime.now(BERLIN).date() + timedelta(days=3)
    at = datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)
    return at.strftime("%Y-%m-%dT%H:%M"), at


def _checks(cli: Cli) -> int:
    return sum("checked before booking" in r["message"] for r in cli.ok("log", "--limit", "100"))


def test_booking_add_reads_the_calendar_first_and_refuses_a_busy_time(cli: Cli, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    cli.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Massage", "--duration", "60")
    work = cli.ok("connect", "caldav", "--staff", "Mark", "--provider", "generic", "--url", server.url,
                  "--username", server.username, "--password-stdin", "--calendar", caldav_calendar.url,
                  stdin=f"{server.password}\n")["display_name"]
    cli.ok("import")  # the periodic import ran before the dentist appointment was made
    ten, ten_at = _soon(10)
    caldav_calendar.reader().put(f"{caldav_calendar.url}dentist.ics",
                                 vevent("dentist", ten_at, ten_at + timedelta(hours=1)))

    refused = cli.run("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                      "--start", ten.replace("T10:00", "T10:30"))
    assert refused.returncode == 1
    assert refused.stderr == (f"bizcal: error: Mark is busy then: a busy time in {work} (10:00–11:00); "
                              "use --force to book anyway.\n")
    assert cli.ok("booking", "list") == []
    assert _checks(cli) == 1

    forced = cli.ok("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                    "--start", ten, "--force")
    assert forced["start"] == ten_at.astimezone(UTC).isoformat() and forced["sync_state"] == "synced"

    # --no-check: the calendar is not read, so an event made since the last read is not known.
    two, two_at = _soon(14)
    caldav_calendar.reader().put(f"{caldav_calendar.url}school.ics",
                                 vevent("school", two_at, two_at + timedelta(hours=1), "Recital"))
    checks_before = _checks(cli)
    unchecked = cli.ok("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Finn",
                       "--start", two, "--no-check")
    assert unchecked["start"] == two_at.astimezone(UTC).isoformat()
    assert _checks(cli) == checks_before


def test_booking_add_goes_on_with_a_note_when_the_calendar_cannot_be_read(cli: Cli, fresh_radicale) -> None:  # type: ignore[no-untyped-def]
    calendar_url = fresh_radicale.make_calendar()
    cli.ok("staff", "add", "Mark", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Massage", "--duration", "60")
    work = cli.ok("connect", "caldav", "--staff", "Mark", "--url", fresh_radicale.url, "--username",
                  fresh_radicale.username, "--password-stdin", "--calendar", calendar_url,
                  stdin=fresh_radicale.password + "\n")["display_name"]
    cli.ok("import")
    fresh_radicale.stop()
    ten, _ = _soon(10)
    result = cli.run("booking", "add", "--staff", "Mark", "--service", "Massage", "--customer", "Emma",
                     "--start", ten, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "confirmed"  # saved; its sync waits for the server
    [note] = [line for line in result.stderr.splitlines() if line.startswith("bizcal: note:")]
    assert note.startswith(f"bizcal: note: Could not check {work} just now (")
    assert "; showing busy times from " in note
