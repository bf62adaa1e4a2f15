"""How many requests a CalDAV write or read costs, counted by the server (issue 20: 1, not 2).

A new client used to send its first request without credentials and pay a 401 round trip; a stock
Radicale holds each 401 for up to 1.5 s. Credentials now go up front over TLS or on this machine,
and after the server has asked once elsewhere. Counts are not timings, so they are asserted here.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError
from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav import CalDAVProvider
from bizcal_desktop.providers.caldav.session import CalDAVSession
from bizcal_desktop.providers.caldav.transport import may_send_first
from tests.fixtures.request_log import LoggingRadicale, logging_radicale  # noqa: F401 - fixture

WINDOW = TimeRange(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC))


def _spec(hour: int = 9) -> EventSpec:
    start = datetime(2026, 7, 2, hour, tzinfo=UTC)
    return EventSpec(booking_public_id=uuid.uuid4().hex, summary="Massage", description=None,
                     start=start, end=start + timedelta(hours=1), timezone="Europe/Berlin", sequence=0)


def _provider(server: LoggingRadicale, calendar: str, password: str | None = None,
              schemes: dict[str, str] | None = None) -> CalDAVProvider:
    return CalDAVProvider(server.url, server.username, password or server.password, calendar, "Europe/Berlin",
                          timeout=10, auth_schemes=schemes)


async def test_a_moved_booking_is_one_request(logging_radicale: LoggingRadicale) -> None:  # noqa: F811
    calendar = logging_radicale.make_calendar()
    async with _provider(logging_radicale, calendar) as first:
        spec = _spec()
        ref = await first.upsert_event(spec, None)
    moved = replace(spec, start=spec.start + timedelta(hours=2), end=spec.end + timedelta(hours=2), sequence=1)
    mark = logging_radicale.requests_logged()
    async with _provider(logging_radicale, calendar) as fresh:  # a new process, a new drain
        await fresh.upsert_event(moved, ref)
    assert logging_radicale.methods_since(mark) == ["PUT"]


async def test_a_new_event_and_a_cancelled_one_are_one_request_each(
        logging_radicale: LoggingRadicale) -> None:  # noqa: F811
    calendar = logging_radicale.make_calendar()
    spec = _spec()
    mark = logging_radicale.requests_logged()
    async with _provider(logging_radicale, calendar) as provider:
        ref = await provider.upsert_event(spec, None)
    async with _provider(logging_radicale, calendar) as provider:
        await provider.delete_event(spec.booking_public_id, ref)
    assert logging_radicale.methods_since(mark) == ["PUT", "DELETE"]


async def test_a_no_op_incremental_import_is_one_request(logging_radicale: LoggingRadicale) -> None:  # noqa: F811
    calendar = logging_radicale.make_calendar()
    async with _provider(logging_radicale, calendar) as provider:
        await provider.upsert_event(_spec(), None)
        full = await provider.fetch_busy(WINDOW, None)
    assert full.requests == 2
    mark = logging_radicale.requests_logged()
    async with _provider(logging_radicale, calendar) as provider:
        again = await provider.fetch_busy(WINDOW, full.cursor)
    assert not again.full and again.requests == 1
    assert logging_radicale.methods_since(mark) == ["REPORT"]


async def test_a_refused_password_costs_one_request_and_says_reconnect(
        logging_radicale: LoggingRadicale) -> None:  # noqa: F811
    calendar = logging_radicale.make_calendar()
    mark = logging_radicale.requests_logged()
    async with _provider(logging_radicale, calendar, password="wrong") as provider:
        with pytest.raises(AuthError):
            await provider.upsert_event(_spec(), None)
    assert logging_radicale.methods_since(mark) == ["PUT"]


async def test_stock_auth_delay_is_not_paid(tmp_path: Path) -> None:
    """With Radicale's stock ``[auth] delay = 1`` a 401 costs about a second; none is met any more."""
    server = LoggingRadicale(tmp_path, auth_delay=1)
    server.start()
    try:
        calendar = server.make_calendar()
        mark = server.requests_logged()
        async with _provider(server, calendar) as provider:
            await provider.upsert_event(_spec(), None)
        assert server.methods_since(mark) == ["PUT"]
        # The status as Radicale logs it: a bare "401" also matches the random hex of an event's name.
        assert "401 Unauthorized" not in server.log_text().split("MKCALENDAR", 1)[-1]
    finally:
        server.stop()


# ------------------------------------------------------------------ the policy, on a scripted server


def test_credentials_go_first_only_over_tls_or_on_this_machine() -> None:
    assert may_send_first("https://cal.example.com/dav/")
    assert may_send_first("http://127.0.0.1:5232/")
    assert may_send_first("http://localhost:5232/")
    assert may_send_first("http://[::1]:5232/")
    assert may_send_first("http://127.0.0.2/")
    assert not may_send_first("http://cal.example.com/")
    assert not may_send_first("http://192.168.1.10:5232/")


Handler = Callable[[httpx.Request], httpx.Response]


def _scripted(session: CalDAVSession, handler: Handler) -> list[httpx.Request]:
    """Requests as sent (copies: an auth flow changes the request object it sends again)."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Request(request.method, request.url, headers=dict(request.headers),
                                  content=request.content))
        return handler(request)

    session._http = httpx.AsyncClient(transport=httpx.MockTransport(record))  # the test seam: a scripted server
    return seen


def _basic_server(request: httpx.Request) -> httpx.Response:
    expected = "Basic " + base64.b64encode(b"alice:pw").decode()
    if request.headers.get("Authorization") == expected:
        return httpx.Response(204, headers={"ETag": '"1"'})
    return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="cal"'})


async def test_plain_http_elsewhere_waits_for_the_challenge_once() -> None:
    schemes: dict[str, str] = {}
    session = CalDAVSession("http://cal.example.com/", "alice", "pw", 5, schemes)
    seen = _scripted(session, _basic_server)
    assert (await session.request("PUT", "http://cal.example.com/a.ics", "x")).status == 204
    assert "Authorization" not in seen[0].headers and len(seen) == 2  # asked first, then answered
    assert (await session.request("PUT", "http://cal.example.com/b.ics", "x")).status == 204
    assert len(seen) == 3  # known now: sent up front
    await session.aclose()
    later = CalDAVSession("http://cal.example.com/", "alice", "pw", 5, schemes)  # the next drain
    seen = _scripted(later, _basic_server)
    assert (await later.request("PUT", "http://cal.example.com/c.ics", "x")).status == 204
    assert len(seen) == 1
    await later.aclose()


async def test_https_sends_basic_first() -> None:
    session = CalDAVSession("https://cal.example.com/", "alice", "pw", 5)
    seen = _scripted(session, _basic_server)
    answer = await session.request("PUT", "https://cal.example.com/a.ics", "x")
    assert answer.status == 204 and answer.exchanges == 1 and len(seen) == 1
    await session.aclose()


async def test_a_digest_server_is_answered_with_digest() -> None:
    def digest_server(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization", "").startswith("Digest "):
            return httpx.Response(204)
        return httpx.Response(401, headers={"WWW-Authenticate": 'Digest realm="cal", nonce="abc", qop="auth"'})

    session = CalDAVSession("https://cal.example.com/", "alice", "pw", 5)
    seen = _scripted(session, digest_server)
    answer = await session.request("PUT", "https://cal.example.com/a.ics", "x")
    assert answer.status == 204 and answer.exchanges == 2
    assert seen[0].headers["Authorization"].startswith("Basic ")
    assert seen[1].headers["Authorization"].startswith("Digest ") and seen[1].content == b"x"
    await session.request("PUT", "https://cal.example.com/b.ics", "y")
    assert seen[2].headers["Authorization"].startswith("Digest ")  # the challenge is reused
    await session.aclose()


async def test_a_refusal_in_the_asked_scheme_is_not_sent_again() -> None:
    session = CalDAVSession("https://cal.example.com/", "alice", "wrong", 5)
    seen = _scripted(session, _basic_server)
    answer = await session.request("PUT", "https://cal.example.com/a.ics", "x")
    assert answer.status == 401 and len(seen) == 1
    await session.aclose()
