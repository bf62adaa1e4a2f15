"""The token guardian with Microsoft connections: renew before expiry and write MSAL's cache back to
the keychain — each rotated refresh token before it is used again; a revoked grant ends in deactivation
after three refusals, with one alert; an unreachable or failing token endpoint never counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bizcal_desktop.config import Config
from tests.fakes.microsoft import MicrosoftFake
from tests.fixtures.microsoft import signed_in_cache
from tests.support.connections import seed_connection


@pytest.fixture
def ms_services(tmp_path, ms_fake: MicrosoftFake, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    """The real services, configured through the environment (as in production) for the fake."""
    from bizcal_desktop.wiring import build_services

    for name, value in ms_fake.env().items():
        monkeypatch.setenv(name, value)
    services = build_services(Config.load(tmp_path / "data"))
    services.directory.add_staff("Sarah", "Europe/Berlin")
    yield services
    services.close()


def save_microsoft(services, fake: MicrosoftFake, lifetime: int) -> int:  # type: ignore[no-untyped-def]
    fake.identity.access_token_lifetime = lifetime
    view = seed_connection(
        services,
        staff="Sarah", provider="microsoft", display_name="Microsoft 365 – sarah", calendar_id=fake.primary.id,
        calendar_name="Calendar", secret=signed_in_cache(fake),
    )
    fake.identity.access_token_lifetime = 3600
    return view.id


def access_tokens(cache_json: str) -> set[str]:
    return {entry["secret"] for entry in json.loads(cache_json)["AccessToken"].values()}


async def test_renews_only_expiring_tokens_and_writes_the_cache_back(ms_services, ms_fake: MicrosoftFake) -> None:  # type: ignore[no-untyped-def]
    services = ms_services
    soon = save_microsoft(services, ms_fake, lifetime=7 * 60)  # MSAL would still use it; we renew
    later = save_microsoft(services, ms_fake, lifetime=50 * 60)
    before = services.secrets.get(services.connections.info(soon).secret_key, "msal_cache")
    later_before = services.secrets.get(services.connections.info(later).secret_key, "msal_cache")

    report = await services.guardian.check_all()
    assert report.checked == 2 and report.refreshed == [soon] and report.failed == []
    after = services.secrets.get(services.connections.info(soon).secret_key, "msal_cache")
    assert access_tokens(after) - access_tokens(before)  # a new access token, in the keychain
    assert services.secrets.get(services.connections.info(later).secret_key, "msal_cache") == later_before
    logged = " ".join(r.message for r in services.sync_log.entries())
    assert not any(token in logged for token in access_tokens(after))


async def test_a_revoked_grant_deactivates_after_three_refusals(ms_services, ms_fake: MicrosoftFake) -> None:  # type: ignore[no-untyped-def]
    services = ms_services
    conn = save_microsoft(services, ms_fake, lifetime=60)
    alerts: list = []  # type: ignore[type-arg]
    services.guardian.listeners.add(alerts.append)
    ms_fake.revoke_refresh_tokens()
    for _ in range(2):
        report = await services.guardian.check_all()
        assert report.refused == [conn] and report.deactivated == []
    view = services.connections.get(conn)
    assert (view.active, view.status) == (True, "needs_reconnect") and alerts == []
    report = await services.guardian.check_all()
    assert report.refused == [conn]
    assert len(alerts) == 1 and "reconnect" in alerts[0].message
    assert services.connections.get(conn).status == "deactivated"


def refresh_rows(services):  # type: ignore[no-untyped-def]
    """The guardian's log rows, oldest first."""
    return [r for r in reversed(services.sync_log.entries()) if r.action == "refresh"]


async def test_an_unreachable_sign_in_service_never_counts(ms_services, ms_fake: MicrosoftFake) -> None:  # type: ignore[no-untyped-def]
    services = ms_services
    conn = save_microsoft(services, ms_fake, lifetime=60)
    ms_fake.stop()  # off the network: nothing answers on the fake's port

    start = datetime.now(UTC)
    for check in range(12):  # an hour of checks five minutes apart
        report = await services.guardian.check_all(now=start + timedelta(minutes=5 * check))
        assert (report.failed, report.refused, report.deactivated) == ([conn], [], [])
    view = services.connections.get(conn)
    assert (view.active, view.status) == (True, "active")
    rows = refresh_rows(services)
    assert len(rows) == 12 and all(r.outcome == "skipped" and "transient" in r.message for r in rows)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_5xx_and_429_from_the_token_endpoint_never_count(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake, status: int
) -> None:
    services = ms_services
    conn = save_microsoft(services, ms_fake, lifetime=60)
    for _ in range(4):
        ms_fake.inject("identity.token", status)
        report = await services.guardian.check_all()
        assert (report.failed, report.refused, report.deactivated) == ([conn], [], [])
    view = services.connections.get(conn)
    assert (view.active, view.status) == (True, "active")

    report = await services.guardian.check_all()  # the sign-in service answers again
    assert report.refreshed == [conn] and report.failed == []
    rows = refresh_rows(services)
    assert [r.outcome for r in rows] == ["skipped"] * 4 + ["success"]
    assert all("transient" in r.message for r in rows[:4])


def refresh_token_in(cache_json: str) -> str:
    [entry] = json.loads(cache_json)["RefreshToken"].values()
    return str(entry["secret"])


def redeem(fake: MicrosoftFake, refresh_token: str) -> requests.Response:
    """Offer ``refresh_token`` to the fake's token endpoint directly, as a stale copy would."""
    return requests.post(f"{fake.base_url}/common/oauth2/v2.0/token", verify=str(fake.tls.cert), timeout=10, data={
        "client_id": fake.client_id, "grant_type": "refresh_token", "refresh_token": refresh_token,
        "scope": "Calendars.ReadWrite offline_access openid profile"})


async def test_each_rotated_refresh_token_is_in_the_keychain_before_it_is_used_again(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake
) -> None:
    services = ms_services
    conn = save_microsoft(services, ms_fake, lifetime=7 * 60)
    ms_fake.identity.access_token_lifetime = 7 * 60  # every renewed token again expires within 10 minutes
    key = services.connections.info(conn).secret_key
    previous = refresh_token_in(services.secrets.get(key, "msal_cache"))

    for _ in range(3):
        report = await services.guardian.check_all()
        assert report.refreshed == [conn] and report.failed == []
        kept = refresh_token_in(services.secrets.get(key, "msal_cache"))
        assert kept == list(ms_fake.identity.refresh_tokens)[-1]  # the newest Microsoft issued
        assert ms_fake.identity.redeemed_refresh_tokens[-1] == previous != kept
        refused = redeem(ms_fake, previous)  # the one it replaced is spent
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
        previous = kept
    assert services.connections.get(conn).status == "active"
