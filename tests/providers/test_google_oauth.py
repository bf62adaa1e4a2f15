"""Connecting Google end to end: the real loopback flow against the fake, with a scripted browser."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest

from bizcal_desktop.config import GoogleEndpoints
from bizcal_desktop.errors import AuthError, ConfigurationError
from bizcal_desktop.providers.google import SCOPES, GoogleProvider, authorize_google, revoke
from tests.fakes.google import GoogleFake
from tests.fixtures.google import browser_command


@pytest.fixture(autouse=True)
def _no_insecure_transport_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)


@pytest.mark.usefixtures("fake_browser")
async def test_connect_obtains_a_working_token_with_pkce(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    seen_urls: list[str] = []
    grant = await authorize_google(google_endpoints, timeout=30, on_url=seen_urls.append)

    data = json.loads(grant.token_json)
    assert data["refresh_token"] in google_fake.oauth.refresh_tokens
    assert data["client_id"] == google_fake.client_id
    assert sorted(data["scopes"]) == sorted(SCOPES)
    assert grant.account_email == google_fake.account_email
    # The consent request carried an S256 challenge and the fake accepted the verifier for it.
    assert len(google_fake.oauth.challenges_seen) == 1
    assert "code_challenge_method=S256" in seen_urls[0]
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in seen_urls[0]
    assert google_fake.counts["oauth.token"] == 1
    # The insecure-transport switch for the http fake was not left behind.
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ

    async with GoogleProvider(grant.token_json, "primary", google_endpoints, "Europe/Berlin") as provider:
        calendars = await provider.list_calendars()
    assert [c.calendar_id for c in calendars] == [google_fake.account_email]


async def test_the_fake_refuses_a_code_without_the_right_verifier(google_fake: GoogleFake) -> None:
    """PKCE is really enforced: a stolen code is useless without the app's verifier."""
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    redirect = "http://127.0.0.1:9/"
    async with httpx.AsyncClient(base_url=google_fake.base_url) as client:
        consent = await client.get("/o/oauth2/auth", params={
            "client_id": google_fake.client_id, "redirect_uri": redirect, "response_type": "code",
            "scope": SCOPES[0], "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
        code = httpx.URL(consent.headers["location"]).params["code"]
        refused = await client.post("/token", auth=(google_fake.client_id, google_fake.client_secret), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
            "code_verifier": "w" * 64})
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


@pytest.mark.usefixtures("fake_browser")
async def test_an_answer_with_a_wrong_state_is_rejected(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    google_fake.oauth.tamper_state = "forged-by-someone-else"
    # The forged answer gets a 400 and the wait goes on (tests/security/test_loopback.py): it times out.
    with pytest.raises(AuthError, match="No answer from Google"):
        await authorize_google(google_endpoints, timeout=2)
    assert google_fake.counts["oauth.token"] == 0  # the code was never exchanged


@pytest.mark.usefixtures("fake_browser")
async def test_a_denied_consent_says_so(google_fake: GoogleFake, google_endpoints: GoogleEndpoints) -> None:
    google_fake.oauth.consent = "deny"
    with pytest.raises(AuthError, match="not granted"):
        await authorize_google(google_endpoints, timeout=30)


async def test_times_out_when_nobody_comes_back(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setenv("BROWSER", browser_command("--abandon"))  # opens the page, never consents
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    with pytest.raises(AuthError, match="No answer from Google"):
        await authorize_google(google_endpoints, timeout=1.0)
    assert google_fake.counts["oauth.auth"] == 1
    assert google_fake.counts["oauth.token"] == 0


async def test_missing_client_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="BIZCAL_GOOGLE_CLIENT_FILE"):
        await authorize_google(GoogleEndpoints(client_file=None))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        await authorize_google(GoogleEndpoints(client_file=str(tmp_path / "absent.json")))


async def test_plain_http_endpoints_are_refused_off_loopback(tmp_path: Path, google_fake: GoogleFake) -> None:
    client_file = google_fake.write_client_file(tmp_path / "client.json")
    endpoints = GoogleEndpoints(client_file=str(client_file), auth_uri="http://accounts.example.com/auth",
                                token_uri="http://accounts.example.com/token")
    with pytest.raises(ConfigurationError, match="https"):
        await authorize_google(endpoints, timeout=1)


async def test_revoke_ends_the_grant_and_is_idempotent(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    token_json = google_fake.grant_token_json()
    refresh_token = json.loads(token_json)["refresh_token"]
    await revoke(token_json, google_endpoints)
    assert google_fake.oauth.refresh_tokens[refresh_token].revoked
    await revoke(token_json, google_endpoints)  # already revoked: still fine
    async with GoogleProvider(token_json, "primary", google_endpoints, "Europe/Berlin") as provider:
        with pytest.raises(AuthError, match="reconnect"):
            await provider.list_calendars()
