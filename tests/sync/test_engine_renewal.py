"""The engine against the Google and Microsoft fakes when a write meets a 401 (issue 15).

The engine itself does not renew: each provider's session answers a 401 by renewing the access token
once and retrying the request, and raises ``AuthError`` only when the retry is refused too
(``GoogleSession.request``, ``MicrosoftSession.request``). So an ``AuthError`` reaching the engine is
already a definite refusal and marks the connection *needs reconnect*; a renewal that merely failed
for now (a bad gateway, a 503) is a ``TransientError`` the engine retries, and the connection stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bizcal_desktop.config import Config
from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake
from tests.fixtures.microsoft import signed_in_cache
from tests.support.connections import seed_connection

FAST_RETRIES = {"BIZCAL_BACKOFF_BASE": "0.01", "BIZCAL_BACKOFF_CAP": "0.05", "BIZCAL_MAX_ATTEMPTS": "3",
                "BIZCAL_REQUEST_TIMEOUT": "5"}


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]):  # type: ignore[no-untyped-def]
    from bizcal_desktop.wiring import build_services

    for name, value in {**env, **FAST_RETRIES}.items():
        monkeypatch.setenv(name, value)
    services = build_services(Config.load(tmp_path / "data"))
    services.directory.add_staff("Sarah", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    return services


@pytest.fixture
def google_services(tmp_path, google_fake: GoogleFake, google_client_file, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    e = google_fake.endpoints(google_client_file)
    services = build(tmp_path, monkeypatch, {
        "BIZCAL_GOOGLE_CLIENT_FILE": str(google_client_file), "BIZCAL_GOOGLE_AUTH_URI": e.auth_uri,
        "BIZCAL_GOOGLE_TOKEN_URI": e.token_uri, "BIZCAL_GOOGLE_REVOKE_URI": e.revoke_uri,
        "BIZCAL_GOOGLE_API_BASE": e.api_base})
    seed_connection(services, staff="Sarah", provider="google", display_name="Google – sarah",
                    calendar_id="primary", calendar_name="Sarah", secret=google_fake.grant_token_json())
    yield services
    services.close()


@pytest.fixture
def ms_services(tmp_path, ms_fake: MicrosoftFake, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    services = build(tmp_path, monkeypatch, ms_fake.env())
    seed_connection(services, staff="Sarah", provider="microsoft", display_name="Microsoft 365 – sarah",
                    calendar_id=ms_fake.primary.id, calendar_name="Calendar", secret=signed_in_cache(ms_fake))
    yield services
    services.close()


def outcome(services, booking_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(the booking's mapping state, its connection's status)."""
    [mapping] = services.bookings.get(booking_id).mappings
    return mapping.state, services.connections.get(mapping.connection_id).status


# ------------------------------------------------------------------------------------------ Google


async def test_google_a_401_that_a_renewal_cures_syncs_and_keeps_the_connection(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    google_fake.inject("events.insert", 401)
    booking = google_services.bookings.add("Sarah", "Massage", "Emma", "2026-12-01T10:00")

    report = await google_services.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert outcome(google_services, booking.id) == ("synced", "active")
    assert (google_fake.counts["events.insert"], google_fake.counts["oauth.token"]) == (2, 1)


async def test_google_a_401_whose_renewal_meets_a_bad_gateway_is_retried_not_a_reconnect(  # type: ignore[no-untyped-def]
    google_services, google_fake
) -> None:
    google_fake.inject("events.insert", 401)
    google_fake.inject("oauth.token", 502)  # google-auth calls this "not retryable"; it says nothing of the grant
    booking = google_services.bookings.add("Sarah", "Massage", "Emma", "2026-12-01T10:00")

    report = await google_services.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert outcome(google_services, booking.id) == ("synced", "active")
    assert google_fake.counts["events.insert"] == 2  # the 401, then the engine's retry


async def test_google_a_401_that_survives_the_renewal_needs_reconnect(google_services, google_fake) -> None:  # type: ignore[no-untyped-def]
    google_fake.inject("events.insert", 401, count=2)
    booking = google_services.bookings.add("Sarah", "Massage", "Emma", "2026-12-01T10:00")

    report = await google_services.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert outcome(google_services, booking.id) == ("failed", "needs_reconnect")
    # renewed once, retried once, and no more: a definite refusal is not retried by the engine
    assert (google_fake.counts["events.insert"], google_fake.counts["oauth.token"]) == (2, 1)


# ------------------------------------------------------------------------------------------ Microsoft


async def synced_then_moved(services) -> int:  # type: ignore[no-untyped-def]
    """A booking whose event exists; moved, so the next drain PATCHes it (a write)."""
    booking = services.bookings.add("Sarah", "Massage", "Emma", "2026-12-01T10:00")
    assert (await services.engine.drain()).synced == 1
    services.bookings.move(booking.id, "2026-12-01T13:00")
    return int(booking.id)


async def test_microsoft_a_401_that_a_renewal_cures_syncs_and_keeps_the_connection(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake
) -> None:
    booking_id = await synced_then_moved(ms_services)
    renewals = ms_fake.identity.grants.count("refresh_token")
    ms_fake.inject("events.patch", 401)

    report = await ms_services.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert outcome(ms_services, booking_id) == ("synced", "active")
    assert ms_fake.counts["events.patch"] == 2
    assert ms_fake.identity.grants.count("refresh_token") == renewals + 1


async def test_microsoft_a_401_whose_renewal_meets_a_503_is_retried_not_a_reconnect(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake
) -> None:
    booking_id = await synced_then_moved(ms_services)
    ms_fake.inject("events.patch", 401)
    ms_fake.inject("identity.token", 503)

    report = await ms_services.engine.drain()

    assert (report.synced, report.failed) == (1, 0)
    assert outcome(ms_services, booking_id) == ("synced", "active")


async def test_microsoft_a_401_that_survives_the_renewal_needs_reconnect(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake
) -> None:
    booking_id = await synced_then_moved(ms_services)
    renewals = ms_fake.identity.grants.count("refresh_token")
    ms_fake.inject("events.patch", 401, count=2)

    report = await ms_services.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert outcome(ms_services, booking_id) == ("failed", "needs_reconnect")
    assert ms_fake.counts["events.patch"] == 2
    assert ms_fake.identity.grants.count("refresh_token") == renewals + 1
