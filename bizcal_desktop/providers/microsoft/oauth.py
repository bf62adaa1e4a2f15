"""Connect a Microsoft 365 / Outlook.com account with MSAL: browser sign-in on a loopback redirect.

How the service layer uses it::

    grant = await authorize_microsoft(config.microsoft, timeout=300, on_url=show_link)
    secrets.set(secret_key, "msal_cache", grant.cache_json)      # keychain, never the database

Only ``Calendars.ReadWrite`` is asked for: it covers writing booking events and reading the busy
events and calendar list of the signed-in user. MSAL adds ``openid``, ``profile`` and
``offline_access`` itself (passing them raises ValueError), and ``offline_access`` is what gives
the refresh token that keeps the connection alive past the first hour.

MSAL's calls block (its loopback listener, ``requests`` for the token endpoint), so every one of
them runs in a worker thread; the asyncio/Qt loop stays responsive.

The loopback listener is MSAL's own receiver, but we build it: MSAL binds ``0.0.0.0`` (every network
interface) when it believes it runs in a container (``/.dockerenv``, ``/run/.containerenv``, a container
cgroup) — which toolbox and distrobox desktops are, while their browser runs on the same host. RFC 8252
says loopback only, so :func:`loopback_receiver` always binds 127.0.0.1, with a socket timeout so a
browser's idle pre-connect cannot hold the listener.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bizcal_desktop.config import MicrosoftEndpoints
from bizcal_desktop.errors import AuthError, ConfigurationError, TransientError

log = logging.getLogger(__name__)

SCOPES: tuple[str, ...] = ("Calendars.ReadWrite",)
#: MSAL ``error`` values that mean "the grant is gone: sign in again".
RECONNECT_ERRORS = {"invalid_grant", "interaction_required", "consent_required", "login_required",
                    "invalid_client", "unauthorized_client"}
#: MSAL ``error`` values that may go away by themselves.
TRANSIENT_ERRORS = {"temporarily_unavailable", "server_error", "service_unavailable"}
_SUCCESS_PAGE = "BizCal is connected to your Microsoft calendar. You can close this tab and return to BizCal."
#: How long one connection to the loopback listener may take to send its request.
_SOCKET_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class MicrosoftGrant:
    """The result of a successful connect."""

    #: MSAL's serialized token cache (refresh token, access token, account). A secret: keychain only.
    cache_json: str
    #: The signed-in account's user name (usually the email), or None.
    username: str | None


def ssl_context(endpoints: MicrosoftEndpoints) -> ssl.SSLContext | bool:
    """What httpx should verify Microsoft's certificates with: the configured CA bundle, or the system's."""
    return ssl.create_default_context(cafile=endpoints.ca_bundle) if endpoints.ca_bundle else True


def build_app(endpoints: MicrosoftEndpoints, cache: Any, timeout: float) -> Any:
    """A fresh ``PublicClientApplication`` (blocking: MSAL fetches the authority's discovery document).

    With a CA bundle configured, the bundle is passed on every request: ``requests`` would otherwise
    let ``REQUESTS_CA_BUNDLE`` from the environment override a session-wide ``verify``.
    """
    import msal  # type: ignore[import-untyped]
    import requests
    from msal.exceptions import MsalServiceError  # type: ignore[import-untyped]

    if not endpoints.client_id:
        raise ConfigurationError(
            "No Microsoft application is configured; set BIZCAL_MS_CLIENT_ID to the application (client) "
            "id of BizCal's app registration in Microsoft Entra."
        )
    session = requests.Session()
    verify: str | bool = endpoints.ca_bundle or True
    session.request = functools.partial(session.request, verify=verify, timeout=timeout)  # type: ignore[method-assign]
    try:
        return msal.PublicClientApplication(
            endpoints.client_id, authority=endpoints.authority, token_cache=cache, http_client=session,
            # Discovery of "known" authorities goes to login.microsoftonline.com; ours is configured.
            instance_discovery=False,
        )
    except requests.RequestException as exc:
        raise TransientError(
            f"Could not reach Microsoft's sign-in service ({exc.__class__.__name__}); check the network "
            "and try again."
        ) from exc
    except (MsalServiceError, json.JSONDecodeError) as exc:  # discovery answered 5xx, or not with JSON
        raise TransientError(
            "Microsoft's sign-in service had a temporary problem; try again in a moment."
        ) from exc
    except ValueError as exc:
        raise ConfigurationError(
            f"The Microsoft sign-in authority {endpoints.authority} is not usable ({exc}); check "
            "BIZCAL_MS_AUTHORITY."
        ) from exc


def result_error(result: dict[str, Any] | None, doing: str) -> AuthError | TransientError:
    """Translate an MSAL error result (``{"error", "error_description"}``) into our error types."""
    if not result:
        return AuthError("BizCal has no valid Microsoft sign-in for this calendar; reconnect Microsoft in BizCal.")
    error = str(result.get("error") or "")
    if error in TRANSIENT_ERRORS:
        return TransientError(f"Microsoft's sign-in service had a temporary problem while {doing}; BizCal "
                              "will retry.")
    if error in RECONNECT_ERRORS:
        return AuthError("Microsoft access was revoked or expired; reconnect the Microsoft calendar in BizCal.")
    return AuthError(f"Microsoft refused the sign-in while {doing} ({error or 'unknown error'}); reconnect "
                     "the Microsoft calendar in BizCal.")


def renewal_error(result: dict[str, Any] | None) -> AuthError | TransientError:
    """What a failed silent renewal (``acquire_token_silent_with_error``) means.

    Only a definite refusal is an ``AuthError``: MSAL's ``None`` (the cache holds no refresh token to
    renew with) or an ``error`` in :data:`RECONNECT_ERRORS` (``invalid_grant``: revoked or expired;
    the user must sign in again). Anything else (``temporarily_unavailable``, an error we do not know,
    an answer with neither token nor error) is a ``TransientError``: it must not count against a
    connection that may be working. Network failures and 5xx never get here: MSAL raises those.
    """
    if result is None:
        return AuthError("BizCal has no valid Microsoft sign-in for this calendar; reconnect Microsoft in BizCal.")
    error = str(result.get("error") or "")
    if error in RECONNECT_ERRORS:
        return AuthError("Microsoft access was revoked or expired; reconnect the Microsoft calendar in BizCal.")
    return TransientError(f"Microsoft's sign-in service could not renew BizCal's access just now "
                          f"({error or 'no token in its answer'}); BizCal will retry.")


def loopback_receiver() -> Any:
    """MSAL's auth-code receiver listening on ``127.0.0.1:<free port>``, whatever MSAL guesses.

    ``AuthCodeReceiver.__init__`` picks ``0.0.0.0`` inside anything that looks like a container; this
    subclass sets up the same three attributes with the loopback address instead (and never binds
    anything else, not even for a moment). ``acquire_token_interactive`` hands the receiver on to
    MSAL's browser flow, with ``port`` set to its port so the redirect URI matches. Its handler also
    drops idle connections after a socket timeout and answers a foreign ``Host`` with a 400; MSAL
    itself already answers a wrong ``state`` with a 400 and keeps waiting.
    """
    from msal.oauth2cli import authcode  # type: ignore[import-untyped]

    class Handler(authcode._AuthCodeHandler):  # type: ignore[misc]
        timeout = _SOCKET_TIMEOUT_SECONDS

        def _host_is_ours(self) -> bool:
            """Refuse a DNS-rebound page: its browser sends its own host name, not ours."""
            port = self.server.server_address[1]
            host = (self.headers.get("Host") or "").strip().lower()
            if host in {f"localhost:{port}", f"127.0.0.1:{port}"}:
                return True
            self._send_full_response("This address only receives the Microsoft sign-in answer.", is_ok=False)
            return False

        def do_GET(self) -> None:
            if self._host_is_ours():
                super().do_GET()

        def do_POST(self) -> None:
            if self._host_is_ours():
                super().do_POST()

    class LoopbackReceiver(authcode.AuthCodeReceiver):  # type: ignore[misc]
        def __init__(self) -> None:
            self._scheduled_actions: list[Any] = []
            self._server = authcode._AuthCodeHttpServer(("127.0.0.1", 0), Handler)
            self._closing = False

    return LoopbackReceiver()


def _interactive(endpoints: MicrosoftEndpoints, timeout: float,
                 on_url: Callable[[str], None] | None) -> MicrosoftGrant:
    """The blocking sign-in: MSAL opens the browser (``webbrowser``: ``BROWSER`` decides) and listens."""
    import msal  # type: ignore[import-untyped]
    import requests
    from msal.oauth2cli.oauth2 import BrowserInteractionTimeoutError  # type: ignore[import-untyped]

    cache = msal.SerializableTokenCache()
    app = build_app(endpoints, cache, timeout=min(timeout, 60.0))
    try:
        with loopback_receiver() as receiver:
            result = app.acquire_token_interactive(
                list(SCOPES), prompt="select_account", timeout=max(1, int(timeout)),
                port=receiver.get_port(), auth_code_receiver=receiver,
                # Called only when no browser could be started: the user then opens the link by hand.
                auth_uri_callback=on_url, success_template=_SUCCESS_PAGE,
            )
    except BrowserInteractionTimeoutError as exc:
        raise AuthError(
            f"No answer from Microsoft within {int(timeout)} seconds; start Connect Microsoft again and "
            "finish the sign-in in your browser."
        ) from exc
    except requests.RequestException as exc:
        raise TransientError(
            f"Could not reach Microsoft to finish the sign-in ({exc.__class__.__name__}); check the network "
            "and connect again."
        ) from exc
    except RuntimeError as exc:  # MSAL: the id_token's nonce did not match this sign-in
        raise AuthError("The Microsoft sign-in answer did not match this request; start Connect Microsoft "
                        "again.") from exc
    if "access_token" not in result:
        error = result.get("error")
        if error == "access_denied":
            raise AuthError("Microsoft access was not granted; start Connect Microsoft again and choose Accept.")
        raise result_error(result, "signing in")
    granted = set(str(result.get("scope", "")).split())
    if not any(s.lower().endswith("calendars.readwrite") for s in granted):
        raise AuthError("Microsoft did not grant access to the calendar; connect again and accept the calendar "
                        "permission.")
    claims = result.get("id_token_claims") or {}
    username = claims.get("preferred_username") or claims.get("email")
    return MicrosoftGrant(cache_json=cache.serialize(), username=str(username) if username else None)


async def authorize_microsoft(
    endpoints: MicrosoftEndpoints,
    timeout: float = 300.0,
    on_url: Callable[[str], None] | None = None,
) -> MicrosoftGrant:
    """Run Microsoft's sign-in in the user's browser and return the new grant.

    ``on_url`` receives the sign-in address when no browser could be started, on the event loop's
    thread (so a dialog may show it). Raises ``AuthError`` (denied, timed out), ``ConfigurationError``
    (no client id) or ``TransientError`` (Microsoft unreachable). A cancelled wait leaves MSAL's
    listener running in its thread until ``timeout``; it holds nothing but a loopback port.
    """
    loop = asyncio.get_running_loop()

    def show(url: str) -> None:
        if on_url is not None:
            loop.call_soon_threadsafe(on_url, url)

    grant = await asyncio.to_thread(_interactive, endpoints, timeout, show)
    log.info("Microsoft connected%s", f" for {grant.username}" if grant.username else "")
    return grant
