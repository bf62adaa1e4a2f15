"""Connect a Google account: desktop OAuth per RFC 8252 (loopback redirect, PKCE S256).

How the CLI / UI use it::

    grant = await authorize_google(config.google, timeout=300, on_url=print_if_browser_failed)
    secrets.set(secret_key, "oauth_token", grant.token_json)      # keychain, never the database
    ... store the connection row (account_email=grant.account_email, calendar_id chosen by the user)

    await revoke(token_json, config.google)                       # on disconnect

Scopes (least privilege, decided here):

* ``calendar.events`` — the narrowest scope that can both write booking events and read the busy
  events of the user's calendars (``calendar.freebusy`` only covers ``freebusy.query``, which hides
  event ids, transparency and our own marker; ``calendar.readonly`` cannot write).
* ``calendar.calendarlist.readonly`` — ``calendarList.list`` is *not* covered by ``calendar.events``
  (the discovery document lists only ``calendar``, ``calendar.readonly``, ``calendar.calendarlist``
  and ``calendar.calendarlist.readonly`` for it). Without it the user could only ever sync into
  "primary"; with it we can offer the list of calendars and learn the account's email (the id of the
  primary calendar-list entry). It reveals calendar names and colours, not events — far less than
  ``calendar.readonly``.

All blocking library calls (requests-oauthlib's token exchange, the loopback listener, the browser
launch) run in worker threads so the Qt/asyncio loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets as pysecrets
import threading
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bizcal_desktop.config import GoogleEndpoints
from bizcal_desktop.errors import AuthError, ConfigurationError, TransientError
from bizcal_desktop.providers.google.loopback import LoopbackClosed, LoopbackReceiver, LoopbackTimeout
from bizcal_desktop.redaction import redact

log = logging.getLogger(__name__)

EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events"
CALENDAR_LIST_SCOPE = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
SCOPES: tuple[str, ...] = (EVENTS_SCOPE, CALENDAR_LIST_SCOPE)

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_env_lock = threading.Lock()
#: How long to wait, after the redirect arrived (or the wait ended), for the browser command to exit.
_BROWSER_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class GoogleGrant:
    """The result of a successful connect."""

    #: ``google.oauth2.credentials.Credentials.to_json()``: tokens, client, token URI, scopes, expiry.
    #: A secret: store it in the keychain only.
    token_json: str
    #: The account's email (id of its primary calendar), or None when it could not be read.
    account_email: str | None


def load_client_config(endpoints: GoogleEndpoints) -> dict[str, Any]:
    """The "installed app" client configuration, with the endpoints from ``config`` winning.

    The client file names our OAuth client (id and the not-really-secret desktop secret); the
    endpoints come from ``GoogleEndpoints`` so tests and enterprise setups redirect them in one place.
    """
    if not endpoints.client_file:
        raise ConfigurationError(
            "No Google OAuth client is configured; set BIZCAL_GOOGLE_CLIENT_FILE to the client JSON "
            "file downloaded from the Google Cloud console."
        )
    path = Path(endpoints.client_file).expanduser()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"The Google OAuth client file {path} cannot be read ({exc.__class__.__name__}); "
            "download it again from the Google Cloud console."
        ) from exc
    client = raw.get("installed")
    if not isinstance(client, dict) or not client.get("client_id"):
        raise ConfigurationError(
            f"The Google OAuth client file {path} is not a desktop-app client; create an OAuth "
            "client of type 'Desktop app' and download its JSON."
        )
    return {"installed": {
        **client,
        "auth_uri": endpoints.auth_uri,
        "token_uri": endpoints.token_uri,
        "client_secret": client.get("client_secret", ""),
    }}


def _is_plain_http_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS


@contextlib.contextmanager
def _insecure_transport_if_loopback(*urls: str) -> Iterator[None]:
    """Allow plain-http OAuth endpoints, but only on a loopback host (the test fake).

    oauthlib refuses ``http://`` authorization and token URIs unless
    ``OAUTHLIB_INSECURE_TRANSPORT`` is set. We set it only while talking to endpoints that are
    ``http://`` on 127.0.0.1/localhost — which never leave the machine — and restore the previous
    value afterwards; real Google endpoints are https and never need it.
    """
    if not all(_is_plain_http_loopback(u) or urlsplit(u).scheme == "https" for u in urls):
        raise ConfigurationError("Google OAuth endpoints must use https (plain http only on 127.0.0.1).")
    if not any(_is_plain_http_loopback(u) for u in urls):
        yield
        return
    with _env_lock:
        previous = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
            else:
                os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = previous


def _make_flow(config: dict[str, Any], redirect_uri: str, state: str) -> tuple[Any, str]:
    """Build the flow and the consent URL (PKCE S256 verifier made by google-auth-oauthlib)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(config, scopes=list(SCOPES), autogenerate_code_verifier=True)
    flow.redirect_uri = redirect_uri
    client = config["installed"]
    with _insecure_transport_if_loopback(client["auth_uri"], client["token_uri"]):
        # prompt=consent makes Google issue a refresh token even when the user connected before.
        url, _ = flow.authorization_url(state=state, prompt="consent", access_type="offline")
    return flow, url


def _exchange(flow: Any, config: dict[str, Any], code: str) -> str:
    """Swap the code for tokens (blocking; run in a thread) and return ``Credentials.to_json()``."""
    import requests
    from oauthlib.oauth2 import OAuth2Error

    client = config["installed"]
    try:
        with _insecure_transport_if_loopback(client["auth_uri"], client["token_uri"]):
            flow.fetch_token(code=code)
    except OAuth2Error as exc:
        raise AuthError(
            f"Google refused the sign-in ({exc.error}); start Connect Google again."
        ) from exc
    except Warning as exc:  # requests-oauthlib: granted scopes differ from the requested ones
        raise AuthError(
            "Google granted fewer permissions than BizCal needs; connect again and allow access to "
            "your calendar events and calendar list."
        ) from exc
    except requests.RequestException as exc:
        raise TransientError(
            f"Could not reach Google to finish the sign-in ({exc.__class__.__name__}); check the "
            "network and connect again."
        ) from exc
    credentials = flow.credentials
    granted = set(getattr(credentials, "granted_scopes", None) or credentials.scopes or ())
    if EVENTS_SCOPE not in granted:
        raise AuthError(
            "Google did not grant access to calendar events; connect again and tick the calendar "
            "permission on Google's consent screen."
        )
    return str(credentials.to_json())


async def _account_email(api_base: str, access_token: str) -> str | None:
    """The primary calendar's id — the account's email — or None (best effort, one request)."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.get(f"{api_base}/users/me/calendarList/primary",
                                        headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code == 200:
            value = response.json().get("id")
            return value if isinstance(value, str) and "@" in value else None
        log.info("could not read the Google account email (HTTP %s)", response.status_code)
    except (httpx.HTTPError, ValueError) as exc:
        log.info("could not read the Google account email (%s)", exc.__class__.__name__)
    return None


async def authorize_google(
    endpoints: GoogleEndpoints,
    timeout: float = 300.0,
    on_url: Callable[[str], None] | None = None,
) -> GoogleGrant:
    """Run the consent flow in the user's browser and return the new grant.

    Opens Google's consent page with :mod:`webbrowser` (the ``BROWSER`` variable decides which
    program), waits up to ``timeout`` seconds for the redirect on a loopback port, checks ``state``,
    exchanges the code (with the PKCE verifier) and returns the credentials as JSON. ``on_url`` is
    called with the consent URL before the browser is started, so a CLI can print it for users whose
    browser does not open.

    Raises ``AuthError`` (denied, wrong state, refused code, timeout), ``ConfigurationError`` (no
    client file) or ``TransientError`` (Google unreachable).
    """
    config = load_client_config(endpoints)
    state = pysecrets.token_urlsafe(24)
    receiver = LoopbackReceiver(expected_state=state)
    try:
        flow, url = _make_flow(config, receiver.redirect_uri, state)
    except BaseException:
        receiver.dispose()
        raise
    if on_url is not None:
        on_url(url)
    params = await _await_redirect(receiver, url, timeout)
    code = _authorization_code(params, state)
    token_json = await asyncio.to_thread(_exchange, flow, config, code)
    access_token = json.loads(token_json).get("token")
    email = await _account_email(endpoints.api_base, access_token) if access_token else None
    log.info("Google connected%s", f" for {email}" if email else "")
    return GoogleGrant(token_json=token_json, account_email=email)


async def _await_redirect(receiver: LoopbackReceiver, url: str, timeout: float) -> dict[str, str]:
    """Open ``url`` in the browser and wait for the redirect's query parameters on the loopback port."""
    waiting = asyncio.ensure_future(asyncio.to_thread(receiver.wait, timeout))
    # webbrowser may block until a console browser exits, and that browser needs our listener:
    # so the listener waits in one thread while the browser is started in another.
    opening = asyncio.ensure_future(asyncio.to_thread(webbrowser.open, url, 1))
    try:
        return await waiting
    except LoopbackTimeout as exc:
        raise AuthError(
            f"No answer from Google within {int(timeout)} seconds; start Connect Google again and "
            "finish the sign-in in your browser."
        ) from exc
    except LoopbackClosed as exc:
        raise AuthError("The Google sign-in was cancelled; start Connect Google again.") from exc
    finally:
        receiver.close()
        if not waiting.done():
            with contextlib.suppress(BaseException):
                await asyncio.shield(waiting)
        # A console browser may still be running; never let it hold up the result for long.
        with contextlib.suppress(Exception):
            if not await asyncio.wait_for(asyncio.shield(opening), _BROWSER_GRACE_SECONDS):
                log.warning("no web browser could be started for the Google sign-in")


def _authorization_code(params: dict[str, str], state: str) -> str:
    """The code from the redirect, once its ``state`` matches and it carries no error."""
    if params.get("state") != state:
        raise AuthError("The Google sign-in answer did not match this request; start Connect Google again.")
    if "error" in params:
        if params["error"] == "access_denied":
            raise AuthError("Google access was not granted; start Connect Google again and choose Allow.")
        raise AuthError(f"Google refused the sign-in ({params['error']}); start Connect Google again.")
    code = params.get("code")
    if not code:
        raise AuthError("Google sent no authorization code; start Connect Google again.")
    return code


async def revoke(token_json: str, endpoints: GoogleEndpoints | None = None, timeout: float = 20.0) -> None:
    """Revoke the grant at Google (on disconnect). A token Google no longer knows counts as revoked.

    Revoking the refresh token ends the whole grant, access tokens included. ``endpoints`` defaults
    to the environment's (``GoogleEndpoints.from_env()``).
    """
    endpoints = endpoints or GoogleEndpoints.from_env()
    data = json.loads(token_json)
    token = data.get("refresh_token") or data.get("token")
    if not token:
        return
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(endpoints.revoke_uri, data={"token": token})
    except httpx.HTTPError as exc:
        raise TransientError(
            f"Could not reach Google to revoke access ({exc.__class__.__name__}); try again later."
        ) from exc
    if response.status_code == 200:
        return
    if response.status_code == 400 and "invalid_token" in response.text:
        log.info("Google token was already revoked")
        return
    raise TransientError(
        f"Google did not confirm the revocation (HTTP {response.status_code}); try again later. "
        + redact(response.text[:200])
    )
