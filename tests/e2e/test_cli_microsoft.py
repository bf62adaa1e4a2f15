"""`bizcal connect microsoft` and booking sync through the real code path against the HTTPS fake.

Only the endpoints differ from production (``BIZCAL_MS_*``, the fake's throw-away certificate trusted
through ``BIZCAL_MS_CA_BUNDLE``); MSAL "opens" the sign-in page with the fake browser named in
``BROWSER``, exactly as Python's webbrowser would start a real one.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, day_in_the_import_window
from tests.fakes.microsoft import MicrosoftFake
from tests.fixtures.microsoft import ms_browser_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def ms_cli(cli: Cli, ms_fake: MicrosoftFake) -> Cli:
    cli.env.update(ms_fake.env(), BROWSER=ms_browser_command(ms_fake.tls.cert))
    return cli


def test_connect_microsoft_then_bookings_flow_and_busy_import(ms_cli: Cli, ms_fake: MicrosoftFake) -> None:
    cli = ms_cli
    cli.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Cut", "--duration", "45")
    conn = cli.ok("connect", "microsoft", "--staff", "Sarah", "--timeout", "60")
    assert conn["provider"] == "microsoft" and conn["is_default"] is True
    assert conn["calendar_id"] == ms_fake.primary.id and conn["username"] == ms_fake.username
    assert ms_fake.identity.verifiers_ok == 1
    assert ms_fake.primary.all_events() == []  # the write probe cleaned up after itself

    day = day_in_the_import_window()
    booking = cli.ok("booking", "add", "--staff", "Sarah", "--service", "Cut", "--customer", "Jess",
                     "--start", f"{day}T15:00")
    assert booking["sync_state"] == "synced"
    [event] = ms_fake.primary.all_events()
    assert event["subject"] == "Cut"  # a new install: service only
    assert event["start"] == {"dateTime": f"{day}T15:00:00", "timeZone": "Europe/Berlin"}
    assert event["transactionId"] == f"bizcal-{booking['public_id']}"

    cli.ok("booking", "move", str(booking["id"]), "--start", f"{day}T16:00")
    [event] = ms_fake.primary.all_events()
    assert event["start"]["dateTime"] == f"{day}T16:00:00"

    # A dentist appointment added in Outlook blocks time after an import; our own event does not.
    ms_fake.primary.add_event({"subject": "Dentist",
                               "start": {"dateTime": f"{day}T10:00:00", "timeZone": "Europe/Berlin"},
                               "end": {"dateTime": f"{day}T11:00:00", "timeZone": "Europe/Berlin"}})
    imported = cli.ok("import")
    assert [(c["ok"], c["added"]) for c in imported["connections"]] == [(True, 1)]

    cli.ok("booking", "cancel", str(booking["id"]))
    assert [e["subject"] for e in ms_fake.primary.all_events()] == ["Dentist"]

    cli.ok("connections", "disconnect", str(conn["id"]))
    assert cli.ok("connections") == []
    log = cli.ok("log", "--limit", "20")
    assert {"connect", "create", "update", "delete", "import", "disconnect"} <= {r["action"] for r in log}
