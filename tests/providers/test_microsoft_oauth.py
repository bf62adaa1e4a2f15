"""Connecting Microsoft end to end: MSAL's real interactive flow against the HTTPS fake, with a
scripted browser started through ``webbrowser`` (``BROWSER``), PKCE and the nonce checked."""

from __future__ import annotations

import json
import webbrowser

import pytest

from bizcal_desktop.config import MicrosoftEndpoints
from bizcal_desktop.errors import AuthError, ConfigurationError
from bizcal_desktop.providers.microsoft import MicrosoftProvider, authorize_microsoft
from tests.fakes.microsoft import MicrosoftFake
from tests.fixtures.microsoft import ms_browser_command


@pytest.mark.usefixtures("ms_browser")
async def test_sign_in_obtains_a_cache_that_works_with_pkce_verified(
    ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints
) -> None:
    grant = await authorize_microsoft(ms_endpoints, timeout=30)

    assert grant.username == ms_fake.username
    assert ms_fake.identity.verifiers_ok == 1 and len(ms_fake.identity.challenges_seen) == 1
    cache = json.loads(grant.cache_json)
    assert cache["RefreshToken"] and cache["Account"]
    async with MicrosoftProvider(grant.cache_json, None, ms_endpoints, "Europe/Berlin") as provider:
        calendars = await provider.list_calendars()
    assert [c.name for c in calendars] == ["Calendar"]


@pytest.mark.usefixtures("ms_browser")
async def test_a_denied_consent_says_so(ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints) -> None:
    ms_fake.identity.consent = "deny"
    with pytest.raises(AuthError, match="not granted"):
        await authorize_microsoft(ms_endpoints, timeout=30)
    assert ms_fake.counts["identity.token"] == 0


async def test_times_out_when_nobody_comes_back(
    ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER", ms_browser_command(ms_fake.tls.cert, "--abandon"))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    with pytest.raises(AuthError, match="No answer from Microsoft"):
        await authorize_microsoft(ms_endpoints, timeout=2)
    assert ms_fake.counts["identity.token"] == 0


async def test_no_browser_hands_the_sign_in_address_to_the_caller(
    ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER", "/nonexistent/browser %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    shown: list[str] = []
    with pytest.raises(AuthError, match="No answer"):
        await authorize_microsoft(ms_endpoints, timeout=2, on_url=shown.append)
    assert len(shown) == 1 and shown[0].startswith(f"{ms_fake.base_url}/common/oauth2/v2.0/authorize?")
    assert "code_challenge_method=S256" in shown[0]


async def test_missing_client_id_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="BIZCAL_MS_CLIENT_ID"):
        await authorize_microsoft(MicrosoftEndpoints(client_id=None), timeout=1)
