"""A real HTTP server on 127.0.0.1 that speaks Google's OAuth and Calendar v3 wire protocol.

The app under test talks to it through its production code path (httpx, google-auth,
requests-oauthlib); only the base URLs differ (``GoogleEndpoints``). Besides the protocol it offers
knobs for tests: inject the next N responses of a route as errors, slow a route down, expire every
access token, revoke refresh tokens, count requests per route, and reach the stored events directly.
``events.list`` honours ``fields`` (partial responses, :mod:`tests.fakes.google.fields`).

Route names used by the knobs: ``oauth.auth``, ``oauth.token``, ``oauth.revoke``,
``calendarList.list``, ``calendarList.get``, ``calendars.get``, ``events.list``, ``events.insert``,
``events.get``, ``events.patch``, ``events.update``, ``events.delete``, ``events.instances``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bizcal_desktop.config import GoogleEndpoints
from tests.fakes.google import fields
from tests.fakes.google.calendar_store import FakeCalendar
from tests.fakes.google.errors import FakeHTTPError, OAuthError
from tests.fakes.google.oauth_state import OAuthState
from tests.fakes.google.schema import method_scopes, validate_event_body

log = logging.getLogger(__name__)

CLIENT_ID = "bizcal-test-client.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-secret"
#: The scopes BizCal asks for (duplicated here on purpose: the fake must not import the app's choice).
DEFAULT_SCOPES = ("https://www.googleapis.com/auth/calendar.events",
                  "https://www.googleapis.com/auth/calendar.calendarlist.readonly")


@dataclass
class _Injection:
    status: int
    reason: str | None
    message: str | None
    retry_after: float | None


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] | None = None


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, json.dumps(payload).encode(),
                     {"Content-Type": "application/json; charset=UTF-8", **(headers or {})})


class GoogleFake:
    """Google's OAuth server and Calendar API for one account, served on a random loopback port."""

    def __init__(self, account_email: str = "staff@example.com", time_zone: str = "Europe/Berlin") -> None:
        self.lock = threading.RLock()
        self.oauth = OAuthState(self.lock, clients={CLIENT_ID: CLIENT_SECRET})
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.account_email = account_email
        self.calendars: dict[str, FakeCalendar] = {}
        self.primary = self.add_calendar(account_email, account_email, time_zone, primary=True)
        #: Requests served per route name (including injected failures).
        self.counts: Counter[str] = Counter()
        #: Every API request as (route, query parameters), oldest first.
        self.request_log: list[tuple[str, dict[str, list[str]]]] = []
        self._injections: dict[str, deque[_Injection]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> GoogleFake:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() (and so every test's teardown) quick.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="google-fake", daemon=True)
        self._thread.start()
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
        return f"http://{host}:{port}"

    def write_client_file(self, path: Path) -> Path:
        """Write a Google "installed app" client secrets file for this fake's client."""
        path.write_text(json.dumps({"installed": {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "auth_uri": f"{self.base_url}/o/oauth2/auth",
            "token_uri": f"{self.base_url}/token",
            "redirect_uris": ["http://localhost"],
        }}), encoding="utf-8")
        return path

    def endpoints(self, client_file: Path | str | None) -> GoogleEndpoints:
        """The ``GoogleEndpoints`` that point the app at this fake."""
        return GoogleEndpoints(
            client_file=str(client_file) if client_file else None,
            auth_uri=f"{self.base_url}/o/oauth2/auth",
            token_uri=f"{self.base_url}/token",
            revoke_uri=f"{self.base_url}/revoke",
            api_base=f"{self.base_url}/calendar/v3",
        )

    # ---------------------------------------------------------------- test knobs

    def grant_token_json(self, scopes: tuple[str, ...] = DEFAULT_SCOPES) -> str:
        """A fresh grant in ``google.oauth2.credentials.Credentials.to_json()`` form (no consent flow)."""
        body = self.oauth.mint(self.client_id, list(scopes))
        expiry = datetime.now(UTC) + timedelta(seconds=int(str(body["expires_in"])))
        return json.dumps({
            "token": body["access_token"], "refresh_token": body["refresh_token"],
            "token_uri": f"{self.base_url}/token", "client_id": self.client_id,
            "client_secret": self.client_secret, "scopes": list(scopes),
            "expiry": expiry.replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        })

    def add_calendar(self, calendar_id: str, summary: str, time_zone: str = "Europe/Berlin",
                     primary: bool = False, access_role: str = "owner") -> FakeCalendar:
        with self.lock:
            calendar = FakeCalendar(calendar_id, summary, time_zone, self.lock, primary, access_role)
            self.calendars[calendar_id] = calendar
            return calendar

    def calendar(self, calendar_id: str = "primary") -> FakeCalendar:
        return self.primary if calendar_id == "primary" else self.calendars[calendar_id]

    def delete_calendar(self, calendar_id: str) -> None:
        """The user deleted a (secondary) calendar: every request about it answers 404 from now on."""
        with self.lock:
            del self.calendars[calendar_id]

    def inject(self, route: str, status: int, count: int = 1, reason: str | None = None,
               message: str | None = None, retry_after: float | None = None) -> None:
        """Answer the next ``count`` requests of ``route`` with an error instead of serving them."""
        with self.lock:
            queue = self._injections.setdefault(route, deque())
            queue.extend(_Injection(status, reason, message, retry_after) for _ in range(count))

    def inject_delay(self, route: str, seconds: float, count: int = 1) -> None:
        """Hold the next ``count`` responses of ``route`` for ``seconds`` (a slow server)."""
        with self.lock:
            self._delays.setdefault(route, deque()).extend([seconds] * count)

    def expire_access_tokens(self) -> None:
        self.oauth.expire_access_tokens()

    def revoke_refresh_tokens(self, token: str | None = None) -> None:
        self.oauth.revoke_refresh_tokens(token)

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.request_log.clear()

    # ---------------------------------------------------------------- dispatch

    def _take(self, route: str) -> tuple[float, _Injection | None]:
        with self.lock:
            self.counts[route] += 1
            delays = self._delays.get(route)
            delay = delays.popleft() if delays else 0.0
            queue = self._injections.get(route)
            return delay, (queue.popleft() if queue else None)

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> _Response:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        route, args = self._route(method, segments)
        if route is None:
            return _json(404, FakeHTTPError(404).body())
        delay, injected = self._take(route)
        with self.lock:
            self.request_log.append((route, query))
        if delay:
            time.sleep(delay)
        if injected is not None:
            extra = {}
            if injected.retry_after is not None:
                extra["Retry-After"] = str(int(injected.retry_after))
            error = FakeHTTPError(injected.status, injected.reason, injected.message)
            return _json(injected.status, error.body(), extra)
        try:
            if route.startswith("oauth."):
                return self._oauth(route, query, headers, body)
            return self._api(route, args, query, headers, body)
        except FakeHTTPError as exc:
            return _json(exc.code, exc.body(), exc.headers)
        except OAuthError as exc:
            return _json(exc.code, exc.body())

    @staticmethod
    def _route(method: str, s: list[str]) -> tuple[str | None, list[str]]:
        if s == ["o", "oauth2", "auth"] and method == "GET":
            return "oauth.auth", []
        if s == ["token"] and method == "POST":
            return "oauth.token", []
        if s == ["revoke"] and method == "POST":
            return "oauth.revoke", []
        if s[:2] != ["calendar", "v3"]:
            return None, []
        s = s[2:]
        if s[:3] == ["users", "me", "calendarList"]:
            if len(s) == 3 and method == "GET":
                return "calendarList.list", []
            if len(s) == 4 and method == "GET":
                return "calendarList.get", [s[3]]
            return None, []
        if not s or s[0] != "calendars" or len(s) < 2:
            return None, []
        if len(s) == 2 and method == "GET":
            return "calendars.get", [s[1]]
        if len(s) == 3 and s[2] == "events":
            return {"GET": "events.list", "POST": "events.insert"}.get(method), [s[1]]
        if len(s) == 4 and s[2] == "events":
            names = {"GET": "events.get", "PATCH": "events.patch", "PUT": "events.update",
                     "DELETE": "events.delete"}
            return names.get(method), [s[1], s[3]]
        if len(s) == 5 and s[2] == "events" and s[4] == "instances" and method == "GET":
            return "events.instances", [s[1], s[3]]
        return None, []

    def _oauth(self, route: str, query: dict[str, list[str]], headers: dict[str, str],
               body: bytes) -> _Response:
        if route == "oauth.auth":
            status, where = self.oauth.authorize({k: v[-1] for k, v in query.items()})
            if status == 302:
                return _Response(302, b"", {"Location": where, "Content-Length": "0"})
            return _Response(status, where.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if route == "oauth.token":
            return _json(200, self.oauth.token(form, headers.get("authorization")))
        token = form.get("token") or (query.get("token") or [""])[-1]
        self.oauth.revoke(token)
        return _json(200, {})

    def _api(self, route: str, args: list[str], query: dict[str, list[str]], headers: dict[str, str],
             body: bytes) -> _Response:
        grant = self.oauth.check_bearer(headers.get("authorization"))
        if grant is None:
            raise FakeHTTPError(
                401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.", location="Authorization",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        resource, method = route.split(".")
        if not grant.scopes & method_scopes(resource, method):
            raise FakeHTTPError(403, "insufficientPermissions",
                                "Request had insufficient authentication scopes.")
        if route == "calendarList.list":
            return _json(200, {"kind": "calendar#calendarList", "etag": '"cl"',
                               "items": [self._list_entry(c) for c in self.calendars.values()]})
        calendar = self._calendar_or_404(args[0])
        if route == "calendarList.get":
            return _json(200, self._list_entry(calendar))
        if route == "calendars.get":
            return _json(200, {"kind": "calendar#calendar", "etag": '"c"', "id": calendar.id,
                               "summary": calendar.summary, "timeZone": calendar.time_zone})
        if route in ("events.insert", "events.patch", "events.update"):
            if calendar.access_role not in ("owner", "writer"):
                raise FakeHTTPError(403, "requiredAccessLevel",
                                    "You need to have writer access to this calendar.")
            try:
                payload = json.loads(body or b"null")
            except ValueError as exc:
                raise FakeHTTPError(400, "parseError", "Parse Error") from exc
            validate_event_body(payload, method)
            if route == "events.insert":
                return _json(200, calendar.api_insert(payload))
            if_match = headers.get("if-match")
            if route == "events.patch":
                return _json(200, calendar.api_patch(args[1], payload, if_match))
            return _json(200, calendar.api_update(args[1], payload, if_match))
        if route == "events.get":
            return _json(200, calendar.api_get(args[1]))
        if route == "events.delete":
            calendar.api_delete(args[1], headers.get("if-match"))
            return _Response(204, b"")
        if route == "events.instances":
            return _json(200, calendar.api_instances(args[1], query))
        listed = calendar.api_list(query)
        return _json(200, fields.apply(listed, fields.parse(query["fields"][-1])) if "fields" in query else listed)

    def _calendar_or_404(self, calendar_id: str) -> FakeCalendar:
        with self.lock:
            if calendar_id == "primary":
                return self.primary
            if calendar_id not in self.calendars:
                raise FakeHTTPError(404)
            return self.calendars[calendar_id]

    @staticmethod
    def _list_entry(calendar: FakeCalendar) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": "calendar#calendarListEntry", "etag": '"e"', "id": calendar.id,
                                 "summary": calendar.summary, "timeZone": calendar.time_zone,
                                 "accessRole": calendar.access_role, "defaultReminders": []}
        if calendar.primary:
            entry["primary"] = True
        return entry


class _Handler(BaseHTTPRequestHandler):
    """Turns raw HTTP into ``GoogleFake.handle`` calls; keep-alive aware (httpx reuses connections)."""

    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake: GoogleFake = self.server.fake  # type: ignore[attr-defined]
        try:
            response = fake.handle(self.command, self.path, headers, body)
        except Exception:  # a bug in the fake: make it loud in the test output
            traceback.print_exc()
            response = _json(500, FakeHTTPError(500, "backendError", "fake crashed").body())
        try:
            self.send_response(response.status)
            for name, value in (response.headers or {}).items():
                if name != "Content-Length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.body and self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("google fake: " + format, *args)


def running_fake(**kwargs: Any) -> Iterator[GoogleFake]:
    """Start a fake, yield it, stop it (the body of the pytest fixture)."""
    fake = GoogleFake(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
