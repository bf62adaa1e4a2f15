"""The token guardian against the Google fake: renew before expiry, persist at once; only a definite
refusal (``invalid_grant``) counts, and three in 24 hours switch a connection off and tell the listeners
once, while an unreachable token endpoint, a 5xx or a 429 never count however long they last."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

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


@pytest.fixture
def no_google_auth_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth tries a 5xx or 429 three times, 1 s and 2 s apart; against the fake, without waiting."""
    from google.auth import _exponential_backoff

    monkeypatch.setattr(_exponential_backoff, "time", SimpleNamespace(sleep=lambda seconds: None))


def refresh_rows(services):  # type: ignore[no-untyped-def]
    """The guardian's log rows, oldest first."""
    return [r for r in reversed(services.sync_log.entries()) if r.action == "refresh"]


def assert_untouched(services, conn: int) -> None:  # type: ignore[no-untyped-def]
    view = services.connections.get(conn)
    assert (view.active, view.status) == (True, "active")


async def test_an_unreachable_token_endpoint_never_counts_against_the_connection(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    services = google_services
    conn = save_google(services, expiring_in(google_fake.grant_token_json(), 5))
    alerts: list = []  # type: ignore[type-arg]
    services.guardian.listeners.add(alerts.append)
    google_fake.stop()  # the laptop is off the network: nothing answers on the token endpoint's port

    start = datetime.now(UTC)
    for check in range(12):  # an hour of checks five minutes apart: four times the three allowed
        report = await services.guardian.check_all(now=start + timedelta(minutes=5 * check))
        assert (report.failed, report.refused, report.deactivated) == ([conn], [], [])

    assert_untouched(services, conn)
    assert alerts == []
    rows = refresh_rows(services)
    assert len(rows) == 12
    assert all(r.outcome == "skipped" and "transient" in r.message and "next check" in r.message for r in rows)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_5xx_and_429_from_the_token_endpoint_never_count(  # type: ignore[no-untyped-def]
    google_services, google_fake, no_google_auth_waits, status: int
) -> None:
    services = google_services
    conn = save_google(services, expiring_in(google_fake.grant_token_json(), 5))
    tries = 1 if status == 502 else 3  # google-auth itself retries 500, 503 and 429, not 502

    for _ in range(4):
        google_fake.inject("oauth.token", status, count=tries)
        report = await services.guardian.check_all()
        assert (report.failed, report.refused, report.deactivated) == ([conn], [], [])
    assert_untouched(services, conn)
    assert google_fake.counts["oauth.token"] == 4 * tries

    report = await services.guardian.check_all()  # Google answers again: the next check renews
    assert report.refreshed == [conn] and report.failed == []
    rows = refresh_rows(services)
    assert [r.outcome for r in rows] == ["skipped"] * 4 + ["success"]
    assert all("transient" in r.message for r in rows[:4])


async def test_only_refusals_count_three_in_a_day_deactivate_and_alert_once(  # type: ignore[no-untyped-def]
    google_services, google_fake
) -> None:
    services = google_services
    conn = save_google(services, expiring_in(google_fake.grant_token_json(), 1))
    alerts: list = []  # type: ignore[type-arg]
    services.guardian.listeners.add(alerts.append)

    google_fake.inject("oauth.token", 502)  # a bad gateway first: not counted
    assert (await services.guardian.check_all()).refused == []
    assert_untouched(services, conn)

    google_fake.revoke_refresh_tokens()  # then the user revokes access in their Google account
    for _ in range(2):
        report = await services.guardian.check_all()
        assert report.refused == [conn] and report.deactivated == []
    view = services.connections.get(conn)  # twice refused: bookings fail over, the connection stays
    assert (view.active, view.status) == (True, "needs_reconnect") and alerts == []

    google_fake.inject("oauth.token", 502)  # an outage in between changes nothing
    assert (await services.guardian.check_all()).refused == []
    assert services.connections.get(conn).status == "needs_reconnect" and alerts == []

    third = await services.guardian.check_all()
    assert third.refused == [conn]
    assert len(alerts) == 1 and "reconnect" in alerts[0].message
    view = services.connections.get(conn)
    assert (view.active, view.status) == (False, "deactivated")
    assert [r.outcome for r in refresh_rows(services)] == ["skipped", "failure", "failure", "skipped", "failure"]

    fourth = await services.guardian.check_all()  # a deactivated connection is left alone
    assert fourth.checked == 0 and len(alerts) == 1


async def test_refusals_spread_over_more_than_a_day_do_not_deactivate(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    services = google_services
    conn = save_google(services, expiring_in(google_fake.grant_token_json(), 1))
    google_fake.revoke_refresh_tokens()
    start = datetime.now(UTC)

    for hours in (0, 13, 26):  # never three within 24 hours
        report = await services.guardian.check_all(now=start + timedelta(hours=hours))
        assert report.refused == [conn] and report.deactivated == []
    assert services.connections.get(conn).status == "needs_reconnect"

    report = await services.guardian.check_all(now=start + timedelta(hours=27))  # 13, 26, 27: three
    assert len(report.deactivated) == 1
    assert services.connections.get(conn).status == "deactivated"


def test_config_default_points_at_google() -> None:
    assert Config.load("/tmp/unused").google.token_uri == "https://oauth2.googleapis.com/token"
