"""One CalDAV account's HTTP: every request through one place, and every failure translated once.

Why a session of our own: discovery (principal, calendar home) is what the ``caldav`` library does
well, so it keeps the library's client (imported only when discovery runs); single resources and
REPORTs - everything the sync does - go through the lean path of :mod:`.transport` (one ``httpx``
client per session, credentials up front when that is safe), so we see every status and header
ourselves (an ETag, a 412, a ``Retry-After``) and a request costs one exchange. Whatever goes wrong on the
way - a refused password, a TLS failure, a timeout, unreadable XML, a 503 - leaves this module as
one of :mod:`bizcal_desktop.errors`' types with one human sentence, so discovery, writes and the busy
import never look at a library exception or decide twice what a status means (the shared
:func:`~bizcal_desktop.providers.http_errors.error_for_status` decides that).

The library's own rate-limit sleeping is off: whoever calls decides whether to try again (the sync
engine with its backoff, the connect flow with a few quick attempts), honouring the ``retry_after`` we
put on :class:`~bizcal_desktop.errors.TransientError`. So the sentences here say what happened and
never promise a retry; the caller adds what it will do.

The configured timeout is a per-request timeout, but that is not a bound on a call: the library
answers a failed first (unauthenticated) request by sending a second one to probe the auth scheme,
and the TLS handshake keeps asyncio's own 60 seconds whatever the timeout says.
A caller that needs a hard bound (Test Connection, before anything is saved) passes ``limit`` and
the call is cancelled when it runs out. Sync reads pass none: a large REPORT may take longer than
the timeout while bytes keep arriving.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import sys
from collections.abc import Awaitable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree

from bizcal_desktop.errors import AuthError, NotFoundError, PermanentError, ProviderError, TransientError
from bizcal_desktop.providers.caldav.presets import login_from_url
from bizcal_desktop.providers.caldav.reports import PROPFIND_GETETAG_BODY, XML_CONTENT_TYPE
from bizcal_desktop.providers.caldav.transport import (
    CalDAVLogin,
    DAVAnswer,
    UnreadableXML,
    answer_of,
    may_send_first,
    new_client,
)
from bizcal_desktop.providers.http_errors import StatusWords, error_for_status, parse_retry_after
from bizcal_desktop.redaction import redact

if TYPE_CHECKING:
    from caldav.async_davclient import AsyncDAVClient
    from caldav.lib import error as dav_error

log = logging.getLogger(__name__)

T = TypeVar("T")

_SERVER_TEXT_LIMIT = 200
#: Answers up to this size are parsed as they arrive; a larger one (a calendar's worth of events) is
#: parsed by whoever reads it, in a worker thread, so the app's event loop does not wait on it.
_EAGER_XML_BYTES = 64 * 1024


class NotCalDAVError(PermanentError):
    """The URL answered, but not as a CalDAV server (HTML page, 404, no DAV multistatus)."""


def trimmed(text: str) -> str:
    """Server text made fit for a one-line message: whitespace collapsed, cut, secrets masked."""
    flat = " ".join(text.split())
    if len(flat) > _SERVER_TEXT_LIMIT:
        flat = flat[: _SERVER_TEXT_LIMIT - 1] + "…"
    return redact(flat)


def _is_tls_error(exc: BaseException) -> bool:
    """True when ``exc`` (or anything in its cause chain) is a TLS/certificate failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError) or "SSL" in type(current).__name__:
            return True
        text = str(current)
        if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text or "SSLError" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_timeout(exc: BaseException) -> bool:
    return (isinstance(exc, (TimeoutError, httpx.TimeoutException)) or "timeout" in type(exc).__name__.lower()
            or "timed out" in str(exc).lower())


class CalDAVSession:
    """The HTTP of one CalDAV account; every request goes through :meth:`guard`."""

    def __init__(self, server_url: str, username: str, password: str, timeout: float,
                 auth_schemes: MutableMapping[str, str] | None = None) -> None:
        # A login in the URL never goes on the wire or into a message (rows saved before it was taken out).
        self.server_url = login_from_url(server_url, "", "").url
        self.username = username
        self._password = password
        self._timeout = timeout
        self.host = urlsplit(self.server_url).hostname or self.server_url
        self._client: AsyncDAVClient | None = None
        # Made here, where a provider is built (a worker thread in a drain): its TLS settings load
        # the CA bundle once per process, which must not stall the app's event loop.
        self._http: httpx.AsyncClient | None = new_client(timeout)
        # The scheme each server accepted, by origin and user: the provider factory keeps it across
        # drains, so a plain-http server's 401 challenge is paid once per process (see .transport).
        self._schemes: MutableMapping[str, str] = auth_schemes if auth_schemes is not None else {}
        origin = urlsplit(self.server_url)
        self._login: CalDAVLogin | None = None
        if username or password:
            self._login = CalDAVLogin(username, password, send_first=may_send_first(self.server_url),
                                      schemes=self._schemes, key=f"{origin.scheme}://{origin.netloc}|{username}")

    def __repr__(self) -> str:  # never show the password, not even in a debugger or a traceback
        return f"CalDAVSession(server_url={self.server_url!r}, username={self.username!r})"

    @property
    def timeout(self) -> float:
        """The configured per-request timeout, in seconds."""
        return self._timeout

    def absolute_collection(self, url: str) -> str:
        """``url`` resolved against the server URL, ending in ``/`` as a collection URL does."""
        absolute = urljoin(self.server_url, url)
        return absolute if absolute.endswith("/") else absolute + "/"

    def client(self) -> AsyncDAVClient:
        """The ``caldav`` library's client, for discovery only (imported the first time it is needed)."""
        if self._client is None:
            from caldav.async_davclient import AsyncDAVClient

            known = self._login.scheme if self._login is not None else None
            self._client = AsyncDAVClient(
                url=self.server_url,
                username=self.username,
                password=self._password,
                auth_type=known if known in ("basic", "digest") else None,
                timeout=self._timeout,  # type: ignore[arg-type] - the HTTP layer takes float seconds
                enable_rfc6764=False,  # the URL is already resolved; discovery would block the loop
                rate_limit_handle=False,  # our engine does the backoff
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        http, self._http = self._http, None
        if client is not None:
            await client.close()
        if http is not None:
            await http.aclose()

    # ---------------------------------------------------------------- requests

    async def guard(self, awaitable: Awaitable[T], what: str, limit: float | None = None) -> T:
        """Await a call and translate every failure into our error types.

        With ``limit``, the call (every request it makes, TLS handshakes included) is cancelled
        after that many seconds and reported as a timeout.
        """
        try:
            async with asyncio.timeout(limit):
                return await awaitable
        except ProviderError:
            raise
        except (etree.LxmlError, UnreadableXML):
            raise PermanentError(
                f"The server {self.host} sent XML that cannot be read while {what}; check that the "
                "address is a CalDAV server."
            ) from None
        except (httpx.TransportError, OSError) as exc:
            # niquests' exceptions are OSErrors; ConnectionResetError and socket timeouts too.
            log.info("CalDAV %s failed: %s", what, redact(str(exc))[:300])
            raise self._network_error(exc) from None
        except Exception as exc:
            dav = sys.modules.get("caldav.lib.error")  # loaded only if discovery ran
            if dav is not None and isinstance(exc, dav.DAVError):
                raise self._dav_error(exc, what) from None
            if isinstance(exc, httpx.HTTPError):  # too many redirects, an undecodable body
                raise PermanentError(f"The calendar server {self.host} sent an answer BizCal cannot use "
                                     f"while {what} ({type(exc).__name__}).") from None
            raise

    async def request(self, method: str, url: str, body: str | bytes = "",
                      headers: Mapping[str, str] | None = None, what: str = "",
                      limit: float | None = None) -> DAVAnswer:
        """One request; the answer (``status``, ``headers``, ``raw``, ``tree``) whatever its status.

        A 429, or a 503 with ``Retry-After``, raises TransientError carrying the wait it asked for.
        """
        what = what or method
        answer = await self.guard(self._send(method, url, body, headers), what, limit)
        status = answer.status
        if status == 429 or (status == 503 and "Retry-After" in answer.headers):
            raise TransientError(f"The calendar server {self.host} asked BizCal to slow down while {what}.",
                                 retry_after=parse_retry_after(answer.headers.get("Retry-After")))
        return answer

    async def _send(self, method: str, url: str, body: str | bytes, headers: Mapping[str, str] | None) -> DAVAnswer:
        if self._http is None:
            self._http = new_client(self._timeout)
        content = body.encode("utf-8") if isinstance(body, str) else body
        response = await self._http.request(method, url, content=content or None, headers=headers,
                                            auth=self._login or httpx.USE_CLIENT_DEFAULT)
        answer = answer_of(response)
        if len(answer.content) <= _EAGER_XML_BYTES:
            answer.tree  # noqa: B018 - parsed here, so unreadable XML is reported inside guard
        return answer

    def tree(self, answer: DAVAnswer, what: str) -> etree._Element | None:
        """The answer's XML (parsed now if it was too large to parse on the event loop), or None."""
        try:
            return answer.tree
        except UnreadableXML:
            raise PermanentError(
                f"The server {self.host} sent XML that cannot be read while {what}; check that the "
                "address is a CalDAV server."
            ) from None

    async def propfind_etag(self, url: str, what: str) -> DAVAnswer:
        """PROPFIND (Depth 0) for ``getetag``: a resource's version, or whether a collection exists."""
        return await self.request("PROPFIND", url, PROPFIND_GETETAG_BODY,
                                  {"Depth": "0", "Content-Type": XML_CONTENT_TYPE}, what)

    def raise_for_status(self, response: Any, what: str) -> None:
        """Translate a non-success status that the caller does not handle itself."""
        status: int = response.status
        if 200 <= status < 300:
            return
        detail = trimmed(str(response.raw if hasattr(response, "raw") else "")) or "no details"
        raise error_for_status(status, self.words(what, status, detail), forbidden_is_auth=True,
                               retry_after=parse_retry_after(response.headers.get("Retry-After")))

    # ---------------------------------------------------------------- words

    def words(self, what: str, status: int, detail: str) -> StatusWords:
        """This server's sentence for each kind of refusal of a request about ``what``."""
        host = self.host
        return StatusWords(
            reconnect=(f"The server refused the username or app-specific password for {self.username} at "
                       f"{host}; check them (iCloud needs an app-specific password from appleid.apple.com) "
                       "and connect again."),
            forbidden=(f"The server {host} refused access for {self.username}; check that this account may "
                       "use the calendar, or connect it again with the right username and app-specific "
                       "password."),
            slow_down=f"The calendar server {host} asked BizCal to slow down while {what}.",
            unavailable=f"The calendar server {host} had a problem ({status}) while {what}.",
            not_found=f"The calendar server {host} could not find what BizCal asked for while {what}.",
            changed=f"The event changed on {host} while {what}.",
            refused=f"The calendar server {host} refused {what} ({status}): {detail}.",
        )

    def auth_error(self, status: int | None) -> AuthError:
        """The refusal of our credentials (401) or of the account's access (403)."""
        words = self.words("", 0, "")
        return AuthError(words.forbidden if status == 403 else words.reconnect)

    def calendar_gone(self, calendar_url: str) -> NotFoundError:
        """The chosen calendar collection no longer exists (a 404/410 about it, not about one event)."""
        return NotFoundError(
            f"The calendar {calendar_url} no longer exists on {self.host}; choose another calendar "
            "for this connection."
        )

    async def calendar_missing(self, calendar_url: str) -> bool:
        """True when the collection itself is gone (so a 404/409 is about it, not one event)."""
        response = await self.propfind_etag(calendar_url, "checking the calendar")
        return response.status in (404, 410)  # type: ignore[no-any-return]

    def _dav_error(self, exc: dav_error.DAVError, what: str) -> ProviderError:
        """The error for a status the ``caldav`` library raised instead of returning (discovery)."""
        from caldav.lib import error as dav_error
        if isinstance(exc, dav_error.RateLimitError):
            return TransientError(
                f"The calendar server {self.host} asked BizCal to slow down while {what}.",
                retry_after=exc.retry_after_seconds,
            )
        if isinstance(exc, dav_error.AuthorizationError):
            return self.auth_error(exc.status)
        status = exc.status
        if status == 404:
            return NotCalDAVError(
                f"{self.server_url} answered 404 while {what}; check that it is the CalDAV address of "
                "your calendar service."
            )
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        detail = trimmed(body) or type(exc).__name__
        if status is None:
            return PermanentError(f"The calendar server {self.host} refused {what} (no status): {detail}.")
        return error_for_status(status, self.words(what, status, detail), forbidden_is_auth=True)

    def _network_error(self, exc: BaseException) -> TransientError:
        if _is_tls_error(exc):
            return TransientError(
                f"The secure (TLS) connection to {self.host} failed ({type(exc).__name__}); check the "
                "server address and your system's certificates, then try again."
            )
        if _is_timeout(exc):
            seconds = "1 second" if self._timeout == 1 else f"{self._timeout:g} seconds"
            return TransientError(f"The calendar server {self.host} did not answer within {seconds}; check "
                                  "the address and your network connection.")
        return TransientError(
            f"Could not reach the calendar server {self.host}; check the address and your network connection."
        )


class RequestMeter:
    """Sends one fetch's requests and counts every HTTP exchange they cost, honestly.

    A 401 challenge (a server over plain http that has not asked yet) is a real round trip, so it
    is counted too.
    """

    def __init__(self, session: CalDAVSession) -> None:
        self._session = session
        self.count = 0

    async def send(self, method: str, url: str, body: str, headers: Mapping[str, str], what: str) -> DAVAnswer:
        """One request, counted with every exchange it took."""
        self.count += 1
        answer = await self._session.request(method, url, body, headers, what)
        self.count += answer.exchanges - 1
        return answer
