"""A real HTTPS server on 127.0.0.1 speaking the Microsoft identity platform (v2.0) and Graph v1.0.

The app reaches it through its production code path (MSAL, httpx); only ``MicrosoftEndpoints``
differ: the authority is ``https://127.0.0.1:<port>/common``, Graph is ``https://127.0.0.1:<port>/v1.0``
and the throw-away certificate is trusted through ``ca_bundle``.

Knobs for tests: ``inject`` the next N answers of a route as Graph errors (with ``Retry-After``),
``expire_access_tokens``, ``revoke_refresh_tokens``, ``counts`` per route, and the stored events
through ``calendar()`` to simulate an assistant editing in Outlook. ``GET /me/events/{id}`` serves
stored events (series masters included, with ``$select``) and single occurrences of a series.

Route names: ``identity.discovery``, ``identity.authorize``, ``identity.token``, ``me.get``,
``calendars.list``, ``events.create``, ``events.list``, ``events.get``, ``events.patch``,
``events.delete``, ``calendarView.list``, ``calendarView.delta``.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import ssl
import threading
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from bizcal_desktop.config import MicrosoftEndpoints
from tests.fakes.microsoft.errors import GraphError
from tests.fakes.microsoft.graph_store import FakeOutlookCalendar, zone_of
from tests.fakes.microsoft.identity import IdentityError, IdentityState
from tests.fakes.microsoft.tls import TlsFiles

log = logging.getLogger(__name__)

CLIENT_ID = "8f0c5d2e-1b7a-4c3e-9d61-3a2b1c0d9e8f"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
USER_OID = "00000000-0000-0000-66f3-3332eca7ea81"
_PREFER_TZ = re.compile(r'outlook\.timezone\s*=\s*"([^"]+)"', re.IGNORECASE)
_PREFER_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] | None = None


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


class MicrosoftFake:
    """Microsoft's identity platform and Graph for one mailbox, on a random loopback HTTPS port."""

    def __init__(self, tls: TlsFiles, username: str = "staff@contoso.example") -> None:
        self.lock = threading.RLock()
        self.tls = tls
        self.client_id = CLIENT_ID
        self.username = username
        self.identity = IdentityState(self.lock, CLIENT_ID, USER_OID, TENANT_ID, username, "Sam Staff")
        self.calendars: dict[str, FakeOutlookCalendar] = {}
        self._calendar_numbers = itertools.count()  # ids are never reused, even after a deletion
        self.primary = self.add_calendar("Calendar", default=True)
        #: Requests served per route (injected failures included).
        self.counts: Counter[str] = Counter()
        #: Every Graph request as (route, query, headers), oldest first.
        self.request_log: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self._injections: dict[str, deque[tuple[int, float | None]]] = {}
        self._server: ThreadingHTTPServer | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> MicrosoftFake:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.cert, self.tls.key)
        # The handshake runs in the handler thread, so a silent client cannot stall the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.daemon_threads = True
        server.block_on_close = False
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                         name="microsoft-fake", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"

    def endpoints(self) -> MicrosoftEndpoints:
        """The ``MicrosoftEndpoints`` that point the app at this fake."""
        return MicrosoftEndpoints(client_id=self.client_id, authority=f"{self.base_url}/common",
                                  graph_base=f"{self.base_url}/v1.0", ca_bundle=str(self.tls.cert))

    def env(self) -> dict[str, str]:
        """The same as environment variables (for the CLI)."""
        e = self.endpoints()
        return {"BIZCAL_MS_CLIENT_ID": e.client_id or "", "BIZCAL_MS_AUTHORITY": e.authority,
                "BIZCAL_MS_GRAPH_BASE": e.graph_base, "BIZCAL_MS_CA_BUNDLE": e.ca_bundle or ""}

    # ---------------------------------------------------------------- test knobs

    def add_calendar(self, name: str, default: bool = False, can_edit: bool = True) -> FakeOutlookCalendar:
        with self.lock:
            calendar_id = "AAMkADcal" + str(next(self._calendar_numbers)) + "AAA="
            calendar = FakeOutlookCalendar(calendar_id, name, self.lock, default, can_edit, self.username)
            self.calendars[calendar_id] = calendar
            return calendar

    def calendar(self, calendar_id: str | None = None) -> FakeOutlookCalendar:
        return self.primary if calendar_id is None else self.calendars[calendar_id]

    def delete_calendar(self, calendar_id: str) -> None:
        """The user deleted a calendar in Outlook: every request about it answers 404 ErrorItemNotFound."""
        with self.lock:
            del self.calendars[calendar_id]

    def inject(self, route: str, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``count`` requests of ``route`` with a Graph error instead of serving them."""
        with self.lock:
            self._injections.setdefault(route, deque()).extend([(status, retry_after)] * count)

    def expire_access_tokens(self) -> None:
        self.identity.expire_access_tokens()

    def revoke_refresh_tokens(self) -> None:
        self.identity.revoke_refresh_tokens()

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.request_log.clear()

    # ---------------------------------------------------------------- dispatch

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Response:
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        route, args = self._route(method, segments)
        if route is None:
            return _json(404, GraphError(400, "BadRequest", f"Resource not found for the segment "
                                         f"'{segments[-1]}'.").body())
        with self.lock:
            self.counts[route] += 1
            queue = self._injections.get(route)
            injected = queue.popleft() if queue else None
            if not route.startswith("identity."):
                self.request_log.append((route, query, headers))
        if injected is not None:
            status, wait = injected
            extra = {"Retry-After": str(int(wait))} if wait is not None else {}
            if route == "identity.token":
                error = "temporarily_unavailable" if status >= 500 or status == 429 else "invalid_request"
                return _json(status, IdentityError(status, error, "Injected failure.", 90033).body(), extra)
            return _json(status, GraphError(status).body(), extra)
        try:
            if route.startswith("identity."):
                return self._identity(route, args, query, body)
            return self._graph(route, args, query, headers, body)
        except GraphError as exc:
            return _json(exc.status, exc.body(), exc.headers)
        except IdentityError as exc:
            return _json(exc.status, exc.body())

    @staticmethod
    def _route(method: str, s: list[str]) -> tuple[str | None, list[str]]:
        if len(s) == 4 and s[1:] == ["v2.0", ".well-known", "openid-configuration"] and method == "GET":
            return "identity.discovery", [s[0]]
        if len(s) == 4 and s[1:3] == ["oauth2", "v2.0"]:
            if s[3] == "authorize" and method == "GET":
                return "identity.authorize", [s[0]]
            if s[3] == "token" and method == "POST":
                return "identity.token", [s[0]]
        if s[:2] != ["v1.0", "me"]:
            return None, []
        s = s[2:]
        if not s and method == "GET":
            return "me.get", []
        if s == ["calendars"] and method == "GET":
            return "calendars.list", []
        if len(s) == 3 and s[0] == "calendars" and s[2] == "events":
            return {"GET": "events.list", "POST": "events.create"}.get(method), [s[1]]
        if len(s) == 3 and s[0] == "calendars" and s[2] == "calendarView" and method == "GET":
            return "calendarView.list", [s[1]]
        if len(s) == 4 and s[0] == "calendars" and s[2:] == ["calendarView", "delta"] and method == "GET":
            return "calendarView.delta", [s[1]]
        if len(s) == 2 and s[0] == "events":
            return {"GET": "events.get", "PATCH": "events.patch", "DELETE": "events.delete"}.get(method), [s[1]]
        return None, []

    def _identity(self, route: str, args: list[str], query: dict[str, str], body: bytes) -> _Response:
        if route == "identity.discovery":
            return _json(200, self.identity.discovery(self.base_url, args[0]))
        if route == "identity.authorize":
            status, kind, content = self.identity.authorize(query)
            if kind == "location":
                return _Response(status, b"", {"Location": content})
            return _Response(status, content.encode(), {"Content-Type": kind})
        form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        return _json(200, self.identity.token(self.base_url, form))

    def _calendar(self, calendar_id: str) -> FakeOutlookCalendar:
        with self.lock:
            if calendar_id not in self.calendars:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return self.calendars[calendar_id]

    def _event_calendar(self, event_id: str) -> FakeOutlookCalendar:
        with self.lock:
            for calendar in self.calendars.values():
                if calendar.holds(event_id):
                    return calendar
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def _graph(self, route: str, args: list[str], query: dict[str, str], headers: dict[str, str],
               body: bytes) -> _Response:
        if self.identity.check_bearer(headers.get("authorization")) is None:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.",
                             {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'})
        prefer = headers.get("prefer", "")
        tz_match = _PREFER_TZ.search(prefer)
        zone = zone_of(tz_match.group(1) if tz_match else "UTC")
        page_match = _PREFER_PAGE.search(prefer)
        page_size = int(page_match.group(1)) if page_match else 10
        if route == "me.get":
            return _json(200, {"id": USER_OID, "displayName": "Sam Staff", "userPrincipalName": self.username,
                               "mail": self.username})
        if route == "calendars.list":
            return _json(200, {"value": [
                {"id": c.id, "name": c.name, "canEdit": c.can_edit, "isDefaultCalendar": c.default,
                 "owner": {"name": "Sam Staff", "address": c.owner}, "changeKey": "ck"}
                for c in self.calendars.values()]})
        if route in ("events.create", "events.patch"):
            try:
                payload = json.loads(body or b"null")
            except ValueError as exc:
                raise GraphError(400, "RequestBodyRead", "Invalid JSON.") from exc
            if not isinstance(payload, dict):
                raise GraphError(400, "RequestBodyRead", "An event object is required.")
            if route == "events.create":
                calendar = self._calendar(args[0])
                status, event = calendar.api_create(payload)
                return _json(status, calendar.render(event, zone, None))
            calendar = self._event_calendar(args[0])
            event = calendar.api_patch(args[0], payload, headers.get("if-match"))
            return _json(200, calendar.render(event, zone, query.get("$expand")))
        if route == "events.get":
            calendar = self._event_calendar(args[0])
            return _json(200, calendar.render(calendar.api_read(args[0]), zone, query.get("$expand"),
                                              query.get("$select")))
        if route == "events.delete":
            self._event_calendar(args[0]).api_delete(args[0], headers.get("if-match"))
            return _Response(204)
        calendar = self._calendar(args[0])
        if route == "events.list":
            return _json(200, self._page(calendar.api_list(query, zone), query, page_size, args[0], "events"))
        if route == "calendarView.list":
            items = calendar.api_calendar_view(query, zone)
            return _json(200, self._page(items, query, page_size, args[0], "calendarView"))
        link_base = f"{self.base_url}/v1.0/me/calendars/{args[0]}/calendarView/delta"
        status, payload = calendar.api_delta(query, zone, page_size, link_base)
        return _json(status, payload)


    def _page(self, items: list[dict[str, Any]], query: dict[str, str], page_size: int, calendar_id: str,
              collection: str) -> dict[str, Any]:
        """One page (``$top``, else the preferred page size) and the ``@odata.nextLink`` to the rest."""
        top = int(query.get("$top", page_size))
        skip = int(query.get("$skip", 0))
        out: dict[str, Any] = {"value": items[skip:skip + top]}
        if skip + top < len(items):
            rest = {k: v for k, v in query.items() if k != "$skip"}
            out["@odata.nextLink"] = (f"{self.base_url}/v1.0/me/calendars/{quote(calendar_id, safe='')}/"
                                      f"{collection}?{urlencode(rest)}&$skip={skip + top}")
        return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake: MicrosoftFake = self.server.fake  # type: ignore[attr-defined]
        try:
            response = fake.handle(self.command, self.path, headers, body)
        except Exception:  # noqa: BLE001 - a bug in the fake: loud in the test output
            traceback.print_exc()
            response = _json(500, GraphError(500).body())
        try:
            self.send_response(response.status)
            for name, value in (response.headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("microsoft fake: " + format, *args)


def running_fake(tls: TlsFiles, **kwargs: Any) -> Iterator[MicrosoftFake]:
    fake = MicrosoftFake(tls, **kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()


__all__ = ["CLIENT_ID", "MicrosoftFake", "running_fake"]
