"""The lean HTTP path of a CalDAV account: one httpx client, credentials sent up front when that is safe.

Why not the ``caldav`` library's request path for writes and reads: every new library client sends its
first request without credentials and learns the scheme from the 401 - a whole round trip, and a stock
Radicale holds each 401 for up to 1.5 s (``[auth] delay``) - and its request path costs several times
the CPU of a plain request, which competes with a CPU-bound server for the same two cores. Here a
request is one ``httpx`` exchange and its answer (:class:`DAVAnswer`) is read once.

When credentials go on the first request (:class:`CalDAVLogin`):

* Basic is sent up front when the server is reached over TLS (``https``) or on this machine (a
  loopback address): the password then never crosses a network in clear, and it goes only to the
  server the user gave it for. A server that wants Digest answers that first request with a 401
  naming Digest, and the request is sent again with Digest (nothing is refused for it).
* Over plain ``http`` to another machine nothing is sent until the server has asked: its first
  401 names the scheme, and that scheme is remembered for the connection (``schemes``, kept by the
  provider factory across drains), so only the very first request of the process pays the challenge.
* A 401 after the credentials were sent in the scheme the server asked for is a refusal, and the
  caller turns it into :class:`~bizcal_desktop.errors.AuthError` as before.

Each answer counts the exchanges it cost (``exchanges``: the 401 challenge included), so the import's
request budget stays honest.
"""

from __future__ import annotations

import base64
import ipaddress
import ssl
from collections.abc import Generator, MutableMapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from urllib.parse import urlsplit

import httpx
from lxml import etree

from bizcal_desktop.providers.async_backend import async_client

#: Content types whose bodies are never XML, so no parse is attempted (an event's text, say).
_NOT_XML = ("text/calendar", "text/plain", "application/octet-stream")
#: Schemes this client can answer a challenge with, in the order it prefers them.
_SCHEMES = ("basic", "digest", "bearer")
_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


class UnreadableXML(Exception):
    """An answer said it was XML but cannot be parsed (the session words it for the user)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def may_send_first(url: str) -> bool:
    """Whether credentials may go on a first request to ``url`` before the server asked for them."""
    parts = urlsplit(url)
    return parts.scheme == "https" or is_loopback(parts.hostname or "")


def offered_schemes(response: httpx.Response) -> list[str]:
    """The auth schemes a 401 offers (lower case, in the server's order)."""
    found: list[str] = []
    for header in response.headers.get_list("www-authenticate"):
        for part in header.split(","):
            word = part.strip().split(" ", 1)[0].split("=", 1)[0].lower()
            if word in _SCHEMES and "=" not in part.strip().split(" ", 1)[0] and word not in found:
                found.append(word)
    return found


class CalDAVLogin(httpx.Auth):
    """One account's credentials: up front when safe or known, else after the server's challenge."""

    def __init__(self, username: str, password: str, *, send_first: bool,
                 schemes: MutableMapping[str, str], key: str) -> None:
        self._username = username
        self._password = password
        self._send_first = send_first
        self._schemes = schemes  # remembered per connection (origin and user), shared across sessions
        self._key = key
        self._digest = httpx.DigestAuth(username, password)

    @property
    def scheme(self) -> str | None:
        """The scheme the server is known to accept, if any."""
        return self._schemes.get(self._key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        known = self.scheme
        if known == "digest":
            yield from self._digest.auth_flow(request)
            return
        sent = known or ("basic" if self._send_first else None)
        if sent is not None:
            self._authorize(request, sent)
        response = yield request
        if response.status_code != 401:
            if sent is not None and known is None:
                self._schemes[self._key] = sent
            return
        offered = offered_schemes(response)
        answer = next((s for s in _SCHEMES if s in offered and s != sent), None)
        if answer is None:
            return  # refused in the scheme it asked for (or no scheme we speak): the caller says so
        if answer == "digest":
            request.headers.pop("Authorization", None)
            flow = self._digest.auth_flow(request)
            next(flow)
            try:
                retry = flow.send(response)
            except StopIteration:
                return
            response = yield retry
        else:
            self._authorize(request, answer)
            response = yield request
        if response.status_code != 401:
            self._schemes[self._key] = answer

    def _authorize(self, request: httpx.Request, scheme: str) -> None:
        if scheme == "bearer":
            request.headers["Authorization"] = f"Bearer {self._password}"
            return
        pair = f"{self._username}:{self._password}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass
class DAVAnswer:
    """One HTTP answer as the CalDAV modules read it: status, headers, text, and the XML tree if any."""

    status: int
    headers: httpx.Headers
    content: bytes
    #: HTTP exchanges this answer cost: 1, plus a 401 challenge or a redirect on the way.
    exchanges: int = 1
    _tree_error: str | None = field(default=None, repr=False)

    @property
    def raw(self) -> str:
        """The body as text."""
        return self.content.decode("utf-8", "replace")

    @cached_property
    def tree(self) -> etree._Element | None:
        """The parsed XML body; None when there is none or it is not XML (and not said to be).

        Raises :class:`UnreadableXML` when the server said XML and sent something else.
        """
        content_type = self.headers.get("Content-Type", "").lower()
        if not self.content.strip() or content_type.startswith(_NOT_XML):
            return None
        try:
            return etree.fromstring(self.content, parser=_PARSER)
        except etree.XMLSyntaxError:
            if "xml" in content_type:
                raise UnreadableXML(content_type) from None
            return None


def answer_of(response: httpx.Response) -> DAVAnswer:
    """A read response as a :class:`DAVAnswer` (its body already read)."""
    return DAVAnswer(response.status_code, response.headers, response.content, 1 + len(response.history))


@cache
def _tls_context() -> ssl.SSLContext:
    """The TLS settings every session shares: loading the CA bundle costs ~0.1 s, so it is done once."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def new_client(timeout: float) -> httpx.AsyncClient:
    """The account's HTTP client: one per session, kept warm across a drain's requests."""
    return async_client(timeout=timeout, follow_redirects=True, verify=_tls_context(),
                             headers={"User-Agent": "BizCal-Desktop"})


__all__ = ["CalDAVLogin", "DAVAnswer", "UnreadableXML", "answer_of", "is_loopback", "may_send_first", "new_client"]
