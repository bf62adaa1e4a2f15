"""The token guardian against the Google fake: renew before expiry, persist at once, switch off a
connection after three failed renewals in 24 hours and tell the listeners once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.config import Config
from tests.support.connections import seed_connection


@pytest.fixture
def google_services(tmp_path, google_fake, google_client_file, monkeypatch):  # type: ignore[no-untyped-def]
    """The real services, configured (through the environment, as in production) for the fake."""
    from bizcal_desktop.wiring import build_services

    endpoints = google_fake.endpoints(google_client_file)
    for name, value in {
        "BIZCAL_GOOGLE_CLIENT_FILE": str(google_client_file), "BIZCAL_GOOGLE_AUTH_URI": endpoints.auth_uri,
        "BIZCAL_GOOGLE_TOKEN_URI": endpoints.token_uri, "BIZCAL_GOOGLE_REVOKE_URI": endpoints.revoke_uri,
        "BIZCAL_GOOGLE_API_BASE": endpoints.api_base,
    }.items():
        monkeypatch.setenv(name, value)
    services = build_services(Config.load(tmp_path / "data"))
    services.directory.add_staff("Sarah", "Europe/Berlin")
    yield services
    services.close()


def save_google(services, token_json: str) -> int:  # type: ignore[no-untyped-def]
    view = seed_connection(
        services,
        staff="Sarah", provider="google", display_name="Google – sarah@example.com",
        calendar_id="primary", calendar_name="Sarah", secret=token_json,
    )
    return view.id


def expiring_in(token_json: str, minutes: int) -> str:
    data = json.loads(token_json)
    data["expiry"] = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(tzinfo=None).isoformat() + "Z"
    return json.dumps(data)


async def test_renews_only_tokens_expiring_within_ten_minutes_and_persists(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    services = google_services
    soon = save_google(services, expiring_in(google_fake.grant_token_json(), 5))
    services.directory.add_staff("Jess", "Europe/Berlin")
    later_view = seed_connection(
        services,
        staff="Jess", provider="google", display_name="Google – jess@example.com", calendar_id="primary",
        secret=expiring_in(google_fake.grant_token_json(), 50),
    )
    before = services.secrets.get(services.connections.info(soon).secret_key, "oauth_token")

    report = await services.guardian.check_all()
    assert report.checked == 2 and report.refreshed == [soon] and report.failed == []
    after = services.secrets.get(services.connections.info(soon).secret_key, "oauth_token")
    assert json.loads(after)["token"] != json.loads(before)["token"]  # written back to the keychain
    new_expiry = datetime.fromisoformat(json.loads(after)["expiry"].rstrip("Z")).replace(tzinfo=UTC)
    assert new_expiry - datetime.now(UTC) > timedelta(minutes=10)
    assert services.connections.get(later_view.id).status == "active"
    refresh_rows = [r for r in services.sync_log.entries() if r.action == "refresh"]
    assert [(r.outcome, r.connection_id) for r in refresh_rows] == [("success", soon)]
    secrets_in_log = " ".join(r.message for r in services.sync_log.entries())
    assert json.loads(after)["token"] not in secrets_in_log


async def test_three_failures_in_a_day_deactivate_and_alert_once(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    services = google_services
    conn = save_google(services, expiring_in(google_fake.grant_token_json(), 1))
    alerts = []
    services.guardian.listeners.add(alerts.append)

    # Google's token endpoint is down (google-auth itself tries 3 times, so 3 answers per check).
    google_fake.inject("oauth.token", 500, count=3)
    first = await services.guardian.check_all()
    assert first.failed == [conn] and alerts == []
    assert services.connections.get(conn).status == "active"  # transient: not the user's problem yet

    google_fake.revoke_refresh_tokens()  # then the user revokes access in their Google account
    second = await services.guardian.check_all()
    assert second.failed == [conn] and alerts == []
    assert services.connections.get(conn).status == "needs_reconnect"  # bookings fail over meanwhile
    third = await services.guardian.check_all()
    assert third.failed == [conn]
    assert len(alerts) == 1 and "reconnect" in alerts[0].message
    view = services.connections.get(conn)
    assert (view.active, view.status) == (False, "deactivated")

    fourth = await services.guardian.check_all()  # a deactivated connection is left alone
    assert fourth.checked == 0 and len(alerts) == 1


def test_config_default_points_at_google() -> None:
    assert Config.load("/tmp/unused").google.token_uri == "https://oauth2.googleapis.com/token"
