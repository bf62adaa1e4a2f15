"""Authorized HTTP to the Calendar API: token refresh, one retry on 401, and error translation.

google-auth's ``Credentials`` own the tokens; httpx carries the API calls. google-auth has no
refresh callback, so every refresh goes through :meth:`GoogleSession._refresh`, which hands the new
``to_json()`` to ``on_token_refreshed`` at once — the app writes it to the keychain before anything
else can fail and lose it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bizcal_desktop.errors import AuthError, ProviderError, TransientError
from bizcal_desktop.providers.async_backend import async_client
from bizcal_desktop.providers.http_errors import error_for_status, network_error, rest_api_words, retry_after

log = logging.getLogger(__name__)

#: Retry delay for a spent daily quota (403 quotaExceeded) when Google sends no Retry-After.
QUOTA_RETRY_SECONDS = 3600.0
_RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_PERMISSION_REASONS = {"insufficientPermissions", "forbidden", "requiredAccessLevel"}
_RECONNECT = "Google access was revoked or expired; reconnect the Google calendar in BizCal."
#: OAuth ``error`` values of a token endpoint that refuse the grant itself (RFC 6749 §5.2; Google's
#: ``deleted_client``): renewing again cannot help, the user must connect again.
REFUSED_GRANT_ERRORS = {"invalid_grant", "invalid_client", "unauthorized_client", "deleted_client"}
#: google-auth's words when Google demands re-authentication (an ``invalid_grant`` it does not pass on).
_REAUTH_NEEDED = "Reauthentication is needed"


def error_reason(response: httpx.Response) -> tuple[str | None, str]:
    """(first ``errors[].reason``, message) of a Google error body; tolerant of other shapes."""
    try:
        error = response.json().get("error")
    except ValueError:
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(error, dict):
        items = error.get("errors") or [{}]
        reason = items[0].get("reason") if isinstance(items[0], dict) else None
        return reason, str(error.get("message") or response.reason_phrase)
    return (str(error) if error else None), response.reason_phrase


def refresh_error(exc: Exception) -> AuthError | TransientError:
    """What a failed google-auth refresh means: a definite refusal, or a failure for now.

    Only an OAuth error refusing the grant or the client (``invalid_grant``: revoked, expired;
    :data:`REFUSED_GRANT_ERRORS`) is an ``AuthError``. google-auth's own ``retryable`` flag is not used: it is False for a 502 from a proxy
    or an HTML page from a captive portal, which say nothing about the grant. So anything else (5xx,
    429, an answer that is not OAuth JSON) is a ``TransientError``.
    """
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], Mapping) else {}
    error = data.get("error")
    if (isinstance(error, str) and error in REFUSED_GRANT_ERRORS) or str(exc).startswith(_REAUTH_NEEDED):
        return AuthError(_RECONNECT)
    return TransientError("Google could not renew BizCal's access just now; it will retry.")


def api_error(response: httpx.Response, what: str) -> ProviderError:
    """Translate a failed Calendar API response into our error types (``what``: "saving the event").

    Google says "slow down" and "quota spent" with a 403 and a reason; those are retried. The rest
    is the shared status mapping in :func:`~bizcal_desktop.providers.http_errors.error_for_status`.
    """
    status = response.status_code
    reason, message = error_reason(response)
    wait = retry_after(response)
    if status == 403 and reason in _RATE_LIMIT_REASONS:
        status = 429
    if status == 403 and reason in _QUOTA_REASONS:
        return TransientError(f"Google's daily request quota is used up while {what}; BizCal will retry "
                              "later.", wait if wait is not None else QUOTA_RETRY_SECONDS)
    forbidden = None
    if reason in _PERMISSION_REASONS:
        forbidden = (f"Google refused {what}: {message}. Reconnect Google and allow calendar access, or "
                     "choose a calendar you can edit.")
    words = rest_api_words("Google", what=what, status=status, detail=message, reconnect=_RECONNECT,
                           changed_in="Google", forbidden=forbidden)
    return error_for_status(status, words, retry_after=wait)


class GoogleSession:
    """One account's authorized httpx client against ``api_base``."""

    def __init__(
        self,
        token_json: str,
        api_base: str,
        token_uri: str,
        timeout: float,
        on_token_refreshed: Callable[[str], None] | None,
    ) -> None:
        from google.oauth2.credentials import Credentials

        try:
            info = json.loads(token_json)
            # google-auth ignores a stored token_uri on purpose (a tampered blob must not send the
            # refresh token elsewhere), so the token endpoint comes from our configuration.
            stored = Credentials.from_authorized_user_info(info)
            self._creds = stored.with_token_uri(token_uri)
            self._creds.expiry = stored.expiry  # with_token_uri's copy forgets the expiry
        except (ValueError, KeyError, AttributeError) as exc:
            raise AuthError("The stored Google token is unreadable; reconnect the Google calendar.") from exc
        self._timeout = timeout
        self._client = async_client(base_url=api_base.rstrip("/") + "/", timeout=timeout)
        self._on_token_refreshed = on_token_refreshed
        self._lock = asyncio.Lock()
        self._auth_request: Any = None  # google-auth's requests transport, made on first refresh
        #: HTTP requests sent to the API (refreshes not included).
        self.requests = 0

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._auth_request is not None:
            self._auth_request.session.close()

    @property
    def token_json(self) -> str:
        return str(self._creds.to_json())

    @property
    def expires_at(self) -> datetime | None:
        """When the access token expires (aware UTC), if known."""
        expiry = self._creds.expiry  # google-auth keeps a naive UTC datetime
        return expiry.replace(tzinfo=UTC) if expiry is not None else None

    async def refresh_if_expiring(self, within: timedelta) -> bool:
        """Refresh now when the token expires within ``within``; True when it was renewed."""
        expires_at = self.expires_at
        if self._creds.token and expires_at is not None and expires_at - datetime.now(UTC) > within:
            return False
        await self._refresh(None)
        return True

    # ---------------------------------------------------------------- tokens

    def _refresh_blocking(self) -> None:
        import google.auth.exceptions
        from google.auth.transport.requests import Request

        if self._auth_request is None:
            self._auth_request = Request()
        transport = self._auth_request

        def bounded(url: str, method: str = "GET", body: Any = None, headers: Any = None,
                    timeout: float | None = None, **kwargs: Any) -> Any:
            # google-auth waits up to 120 s by default; a refresh must not outlast our own timeout.
            return transport(url, method=method, body=body, headers=headers,
                             timeout=timeout or self._timeout, **kwargs)

        creds = self._creds
        if not (creds.refresh_token and creds.client_id and creds.client_secret):
            raise AuthError("The stored Google token cannot be renewed; reconnect the Google calendar.")
        try:
            creds.refresh(bounded)
        except google.auth.exceptions.RefreshError as exc:
            raise refresh_error(exc) from exc
        except google.auth.exceptions.TransportError as exc:
            raise TransientError(
                "Could not reach Google to renew BizCal's access; check the network, BizCal will retry."
            ) from exc

    async def _refresh(self, stale_token: str | None) -> None:
        """Refresh once even when several requests notice the expiry together."""
        async with self._lock:
            if stale_token is not None and self._creds.token != stale_token and self._creds.valid:
                return  # another request refreshed meanwhile
            await asyncio.to_thread(self._refresh_blocking)
            log.info("Google access token refreshed")
            if self._on_token_refreshed is not None:
                self._on_token_refreshed(self.token_json)

    async def _valid_token(self) -> str:
        if not self._creds.token or not self._creds.valid:  # ``valid`` allows google-auth's clock skew
            await self._refresh(self._creds.token)
        return str(self._creds.token)

    # ---------------------------------------------------------------- requests

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one API request; refresh and retry once on 401. Returns any other response as is.

        Network failures become ``TransientError``; a second 401 becomes ``AuthError``.
        """
        for attempt in range(2):
            token = await self._valid_token()
            try:
                response = await self._client.request(
                    method, path.lstrip("/"), params=params, json=json_body,
                    headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise network_error(exc, "Google", self._timeout) from exc
            finally:
                self.requests += 1
            if response.status_code != 401:
                return response
            if attempt == 0:
                log.info("Google answered 401; refreshing the access token and retrying once")
                await self._refresh(token)
        raise AuthError(_RECONNECT)
