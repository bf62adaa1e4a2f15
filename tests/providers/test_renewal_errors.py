"""What a failed token renewal means, per provider: only a definite refusal is an ``AuthError`` (issue 15).

Everything else a token endpoint or the way to it may produce (a proxy's 502 page, a 5xx, 429, an OAuth
error that is not about the grant, an answer with neither token nor error) is a ``TransientError``, so
it never counts against a connection. The end-to-end checks against the fakes are in
``tests/sync/test_token_guardian.py``, ``tests/providers/test_microsoft_guardian.py`` and
``tests/sync/test_engine_renewal.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from google.auth.exceptions import RefreshError

from bizcal_desktop.errors import AuthError, TransientError
from bizcal_desktop.providers.google.session import GoogleSession, refresh_error
from bizcal_desktop.providers.microsoft.oauth import renewal_error

REFUSED = AuthError
FOR_NOW = TransientError


@pytest.mark.parametrize(("error", "meaning"), [
    (RefreshError("invalid_grant: Token has been expired or revoked.",
                  {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}), REFUSED),
    (RefreshError("deleted_client: The OAuth client was deleted.", {"error": "deleted_client"}), REFUSED),
    (RefreshError("Reauthentication is needed. Please run `gcloud auth application-default login`."), REFUSED),
    # google-auth calls a 502 "not retryable"; it says nothing about the grant
    (RefreshError("<html><body>502 Bad Gateway</body></html>", retryable=False), FOR_NOW),
    (RefreshError("{...}", {"error": {"code": 502, "message": "Bad Gateway"}}, retryable=False), FOR_NOW),
    (RefreshError("server_error: try later", {"error": "server_error"}, retryable=True), FOR_NOW),
    (RefreshError("No access token in response.", {"expires_in": 3600}), FOR_NOW),
    (RefreshError("invalid_scope: Bad Request", {"error": "invalid_scope"}), FOR_NOW),
])
def test_google_refresh_errors(error: RefreshError, meaning: type) -> None:
    assert type(refresh_error(error)) is meaning


async def test_google_a_stored_token_without_a_refresh_token_is_refused_before_any_request() -> None:
    token = {"token": "ya29.old", "refresh_token": None, "client_id": "id", "client_secret": "secret",
             "expiry": (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None).isoformat() + "Z"}
    session = GoogleSession(json.dumps(token), "http://127.0.0.1:9/api", "http://127.0.0.1:9/token", 1.0, None)
    try:
        with pytest.raises(AuthError, match="cannot be renewed"):
            await session.refresh_if_expiring(timedelta(minutes=10))
    finally:
        await session.aclose()


@pytest.mark.parametrize(("result", "meaning"), [
    (None, REFUSED),  # MSAL: no refresh token in the cache to renew with
    ({"error": "invalid_grant", "error_description": "AADSTS50173: The provided grant has expired"}, REFUSED),
    ({"error": "interaction_required", "suberror": "basic_action"}, REFUSED),
    ({"error": "temporarily_unavailable"}, FOR_NOW),
    ({"error": "invalid_request", "error_description": "AADSTS900144"}, FOR_NOW),
    ({"token_type": "Bearer"}, FOR_NOW),  # neither a token nor an error
])
def test_microsoft_silent_renewal_results(result: dict[str, str] | None, meaning: type) -> None:
    assert type(renewal_error(result)) is meaning
