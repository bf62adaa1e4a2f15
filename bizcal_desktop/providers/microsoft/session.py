"""Authorized HTTP to Microsoft Graph: MSAL's silent token, one retry on 401, and error translation.

The MSAL token cache is the connection's only secret. It is handed in serialized, deserialized into
a ``SerializableTokenCache`` and, whenever MSAL changed it (a refresh rotates the refresh token),
handed back at once through ``on_cache_changed`` so the app writes it to the keychain before anything
else can fail and lose it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bizcal_desktop.config import MicrosoftEndpoints
from bizcal_desktop.errors import AuthError, ProviderError, TransientError
from bizcal_desktop.providers.async_backend import async_client
from bizcal_desktop.providers.http_errors import (
    error_for_status,
    network_error,
    rest_api_words,
    retry_after,
    sentence,
)
from bizcal_desktop.providers.microsoft.oauth import SCOPES, build_app, renewal_error, ssl_context

log = logging.getLogger(__name__)

_RECONNECT = "Microsoft access was revoked or expired; reconnect the Microsoft calendar in BizCal."


def graph_error(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) of a Graph error body ``{"error": {"code", "message"}}``; tolerant of others."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(error, dict):
        return error.get("code"), str(error.get("message") or response.reason_phrase)
    return None, response.reason_phrase


def api_error(response: httpx.Response, what: str) -> ProviderError:
    """Translate a failed Graph response into our error types (``what``: "saving the event").

    The status decides the type (:func:`~bizcal_desktop.providers.http_errors.error_for_status`);
    a 403 is about the calendar (read-only, or the permission not granted), not the sign-in.
    """
    status = response.status_code
    code, message = graph_error(response)
    words = rest_api_words(
        "Microsoft", what=what, status=status, detail=message, reconnect=_RECONNECT, changed_in="Outlook",
        forbidden=(f"Microsoft refused {what}: {sentence(message)} Choose a calendar you can edit, or "
                   "reconnect Microsoft and accept the calendar permission."),
        refused=f"Microsoft refused {what} (HTTP {status}, {code or 'error'}): {sentence(message)}",
    )
    return error_for_status(status, words, retry_after=retry_after(response))


class MicrosoftSession:
    """One account's MSAL token cache and an httpx client against the Graph base URL."""

    def __init__(
        self,
        cache_json: str,
        endpoints: MicrosoftEndpoints,
        timeout: float,
        on_cache_changed: Callable[[str], None] | None,
    ) -> None:
        import msal  # type: ignore[import-untyped]

        self._cache = msal.SerializableTokenCache()
        try:
            self._cache.deserialize(cache_json)
        except (ValueError, TypeError) as exc:
            raise AuthError("The stored Microsoft sign-in is unreadable; reconnect the Microsoft calendar.") from exc
        self._endpoints = endpoints
        self._timeout = timeout
        self._on_cache_changed = on_cache_changed
        self._app: Any = None  # built on first use, in a thread (MSAL fetches discovery then)
        self._token: str | None = None
        self._expires_at: datetime | None = None
        self._renewed = False  # whether the last token came from the token endpoint (not the cache)
        self._lock = asyncio.Lock()
        self._client = async_client(base_url=endpoints.graph_base.rstrip("/") + "/", timeout=timeout,
                                    verify=ssl_context(endpoints))
        #: HTTP requests sent to Graph (token requests not included).
        self.requests = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def expires_at(self) -> datetime | None:
        """When the current access token expires (aware UTC), once one was obtained."""
        return self._expires_at

    # ---------------------------------------------------------------- tokens

    def _acquire_blocking(self, force_refresh: bool) -> dict[str, Any]:
        """MSAL's silent token; its failures translated so that only a definite refusal is an AuthError.

        MSAL raises ``requests`` errors for a network failure, ``MsalServiceError`` for a 5xx (its
        throttling client's ``raise_for_status``; it falls back on no cached token for that one) and
        ``JSONDecodeError`` for an answer that is not JSON (a proxy's or portal's page); all of them are
        transient. It returns an ``error`` dict for what the token endpoint refused: see
        :func:`renewal_error`.
        """
        import requests
        from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]

        try:
            if self._app is None:
                self._app = build_app(self._endpoints, self._cache, self._timeout)
            accounts = self._app.get_accounts()
            if not accounts:
                raise AuthError("The stored Microsoft sign-in holds no account; reconnect the Microsoft calendar.")
            result = self._app.acquire_token_silent_with_error(list(SCOPES), accounts[0],
                                                               force_refresh=force_refresh)
        except requests.Timeout as exc:
            raise TransientError(f"Microsoft's sign-in service did not answer within {self._timeout:g} seconds; "
                                 "BizCal will retry.") from exc
        except requests.RequestException as exc:
            raise TransientError(f"Could not reach Microsoft to renew BizCal's access ({exc.__class__.__name__}); "
                                 "check the network, BizCal will retry.") from exc
        except MsalServiceError as exc:
            raise TransientError(f"Microsoft's sign-in service had a temporary problem ({exc}); BizCal will "
                                 "retry.") from exc
        except json.JSONDecodeError as exc:
            raise TransientError("Microsoft's sign-in service sent an answer BizCal cannot read; BizCal will "
                                 "retry.") from exc
        if not result or "access_token" not in result:
            raise renewal_error(result)
        return result

    async def _acquire(self, force_refresh: bool = False) -> str:
        """A valid access token (MSAL's cached one, or a renewed one); remembers where it came from."""
        async with self._lock:
            try:
                result = await asyncio.to_thread(self._acquire_blocking, force_refresh)
            finally:
                self._persist()
            self._token = str(result["access_token"])
            expires_in = result.get("expires_in")
            if isinstance(expires_in, int | float):
                self._expires_at = datetime.fromtimestamp(time.time() + float(expires_in), UTC)
            self._renewed = result.get("token_source") == "identity_provider"
            if self._renewed:
                log.info("Microsoft access token refreshed")
            return self._token

    def _persist(self) -> None:
        """Hand a changed cache (new refresh/access token) back at once, for the keychain."""
        if self._cache.has_state_changed:
            self._cache.has_state_changed = False
            if self._on_cache_changed is not None:
                self._on_cache_changed(self._cache.serialize())

    async def refresh_if_expiring(self, within: timedelta) -> bool:
        """Renew now when the access token expires within ``within``; True when it was renewed."""
        await self._acquire()  # MSAL renews by itself a token with less than 5 minutes left
        if self._expires_at is not None and self._expires_at - datetime.now(UTC) > within:
            return self._renewed
        await self._acquire(force_refresh=True)
        return True

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
        """Send one Graph request (``path`` relative to the base, or an absolute next/delta link).

        Times come back in UTC (``Prefer: outlook.timezone="UTC"``). A 401 refreshes the token and
        retries once; network failures become ``TransientError``; a second 401 is ``AuthError``.
        """
        url = path if path.startswith(("https://", "http://")) else path.lstrip("/")
        prefer = 'outlook.timezone="UTC"'
        extra = dict(headers or {})
        if "Prefer" in extra:
            prefer = f"{prefer}, {extra.pop('Prefer')}"
        for attempt in range(2):
            fresh = self._expires_at is None or self._expires_at - datetime.now(UTC) > timedelta(minutes=5)
            token = self._token if self._token and fresh else await self._acquire()
            try:
                response = await self._client.request(
                    method, url, params=params, json=json_body,
                    headers={**extra, "Prefer": prefer, "Authorization": f"Bearer {token}"},
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise network_error(exc, "Microsoft", self._timeout) from exc
            finally:
                self.requests += 1
            if response.status_code != 401:
                return response
            if attempt == 0:
                log.info("Microsoft Graph answered 401; renewing the access token and retrying once")
                self._token = None
                await self._acquire(force_refresh=True)
        raise AuthError(_RECONNECT)
