"""`bizcal connect google` and booking sync through the real code path against the loopback fake.

Only the endpoints differ from production (``BIZCAL_GOOGLE_*``); the consent page is "opened" by the
fake browser script named in ``BROWSER``, exactly as Python's webbrowser would start a real one.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, berlin_time, day_in_the_import_window
from tests.fixtures.google import browser_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def google_cli(cli: Cli, google_fake, google_client_file) -> Cli:  # type: ignore[no-untyped-def]
    endpoints = google_fake.endpoints(google_client_file)
    cli.env.update(
        BIZCAL_GOOGLE_CLIENT_FILE=str(google_client_file),
        BIZCAL_GOOGLE_AUTH_URI=endpoints.auth_uri,
        BIZCAL_GOOGLE_TOKEN_URI=endpoints.token_uri,
        BIZCAL_GOOGLE_REVOKE_URI=endpoints.revoke_uri,
        BIZCAL_GOOGLE_API_BASE=endpoints.api_base,
        BROWSER=browser_command(),
    )
    return cli


def test_connect_google_then_bookings_flow_and_busy_import(google_cli: Cli, google_fake) -> None:  # type: ignore[no-untyped-def]
    cli = google_cli
    cli.ok("staff", "add", "Sarah", "--timezone", "Europe/Berlin")
    cli.ok("service", "add", "Cut", "--duration", "45")
    conn = cli.ok("connect", "google", "--staff", "Sarah", "--timeout", "60")
    assert conn["provider"] == "google" and conn["is_default"] is True
    assert conn["calendar_id"]

    calendar = google_fake.calendar(conn["calendar_id"] if conn["calendar_id"] != "primary" else "primary")
    day = day_in_the_import_window()
    booking = cli.ok("booking", "add", "--staff", "Sarah", "--service", "Cut", "--customer", "Jess",
                     "--start", f"{day}T15:00")
    assert booking["sync_state"] == "synced"
    event = calendar.get(booking["public_id"])
    assert event is not None and event["summary"] == "Cut"  # a new install: service only
    assert event["start"]["timeZone"] == "Europe/Berlin"
    assert event["extendedProperties"]["private"]["bizcalBooking"] == booking["public_id"]

    cli.ok("booking", "move", str(booking["id"]), "--start", f"{day}T16:00")
    moved = calendar.get(booking["public_id"])
    assert moved["start"]["dateTime"].startswith(f"{day}T16:00")

    # A dentist appointment added in Google blocks time after an import; our own event does not.
    calendar.add_event({"id": "dentist01", "summary": "Dentist",
                        "start": {"dateTime": berlin_time(day, "10:00")},
                        "end": {"dateTime": berlin_time(day, "11:00")}})
    imported = cli.ok("import")
    assert [(c["ok"], c["added"]) for c in imported["connections"]] == [(True, 1)]

    cli.ok("booking", "cancel", str(booking["id"]))
    gone = calendar.get(booking["public_id"])
    assert gone is None or gone.get("status") == "cancelled"

    cli.ok("connections", "disconnect", str(conn["id"]))
    assert cli.ok("connections") == []
    assert google_fake.counts["oauth.revoke"] == 1  # the grant is revoked at Google too
    log = cli.ok("log", "--limit", "20")
    assert {"connect", "create", "update", "delete", "import", "disconnect"} <= {r["action"] for r in log}
