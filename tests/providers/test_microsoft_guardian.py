"""The token guardian with Microsoft connections: renew before expiry and write MSAL's cache back to
the keychain; a revoked grant ends in deactivation after three failures, with one alert."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

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


async def test_a_revoked_grant_deactivates_after_three_failures(ms_services, ms_fake: MicrosoftFake) -> None:  # type: ignore[no-untyped-def]
    services = ms_services
    conn = save_microsoft(services, ms_fake, lifetime=60)
    alerts: list = []  # type: ignore[type-arg]
    services.guardian.listeners.add(alerts.append)
    ms_fake.revoke_refresh_tokens()
    for _ in range(3):
        report = await services.guardian.check_all()
        assert report.failed == [conn]
    assert len(alerts) == 1 and "reconnect" in alerts[0].message
    assert services.connections.get(conn).status == "deactivated"
