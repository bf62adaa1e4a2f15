"""CalDAVProvider against a real Radicale server, checked with an independent reader."""

from __future__ import annotations

import asyncio
import http.server
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, EventRef, EventSpec
from bizcal_desktop.providers.caldav import CalDAVProvider
from bizcal_desktop.providers.http_errors import parse_retry_after
from tests.fixtures.radicale import CalendarFixture, RadicaleServer
from tests.fixtures.server_process import free_port

BERLIN = ZoneInfo("Europe/Berlin")


def make_spec(start: datetime, end: datetime, timezone: str = "Europe/Berlin", **changes: object) -> EventSpec:
    spec = EventSpec(
        booking_public_id=uuid.uuid4().hex,
        summary="Massage – Emma",
        description="60 minutes, back",
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        timezone=timezone,
        sequence=0,
        location="Room 1",
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def provider_for(cal: CalendarFixture, password: str | None = None, timezone: str = "Europe/Berlin",
                 calendar_url: str | None = "use-fixture") -> CalDAVProvider:
    return CalDAVProvider(
        server_url=cal.server.url,
        username=cal.username,
        password=password if password is not None else cal.password,
        calendar_url=cal.url if calendar_url == "use-fixture" else calendar_url,
        timezone=timezone,
        timeout=10.0,
    )


@pytest.fixture
async def provider(caldav_calendar: CalendarFixture) -> AsyncIterator[CalDAVProvider]:
    async with provider_for(caldav_calendar) as p:
        yield p  # type: ignore[misc]


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    """A web server that is not a CalDAV server: every method gets an HTML page."""

    status = 200

    def _answer(self) -> None:
        body = b"<!doctype html><html><body><h1>Welcome to our shop</h1></body></html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PROPFIND = do_OPTIONS = do_PUT = do_DELETE = do_REPORT = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet."""


@pytest.fixture(params=[200, 404], ids=["html-200", "html-404"])
def html_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_HtmlHandler,), {"status": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _StatusHandler(_HtmlHandler):
    """Answers every request with one fixed status, headers and plain-text body."""

    headers_to_send: dict[str, str] = {}
    text = b""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.status)
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(self.text)))
        self.end_headers()
        self.wfile.write(self.text)

    do_GET = do_PROPFIND = do_OPTIONS = do_PUT = do_DELETE = do_REPORT = _answer


@contextmanager
def serve_status(status: int, headers: dict[str, str] | None = None, text: bytes = b"") -> Iterator[str]:
    handler = type("Handler", (_StatusHandler,), {"status": status, "headers_to_send": headers or {},
                                                   "text": text})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ test_connection


async def test_connection_succeeds_and_lists_the_calendar(caldav_calendar: CalendarFixture) -> None:
    async with provider_for(caldav_calendar, calendar_url=None) as p:
        check = await p.test_connection()
        assert check.ok, check.message
        assert caldav_calendar.url in [c.calendar_id for c in check.calendars]
        mine = next(c for c in check.calendars if c.calendar_id == caldav_calendar.url)
        assert mine.name == caldav_calendar.display_name
        assert mine.href == caldav_calendar.url
    # the write probe cleaned up after itself
    assert caldav_calendar.reader().resources() == []


async def test_connection_with_chosen_calendar_probes_it(caldav_calendar: CalendarFixture) -> None:
    async with provider_for(caldav_calendar) as p:
        check = await p.test_connection()
    assert check.ok, check.message
    assert caldav_calendar.reader().resources() == []


async def test_connection_wrong_password(caldav_calendar: CalendarFixture) -> None:
    async with provider_for(caldav_calendar, password="not-the-password") as p:
        check = await p.test_connection()
    assert not check.ok
    assert check.message.startswith("The server refused the username or app-specific password")
    assert "not-the-password" not in check.message


async def test_connection_refused() -> None:
    port = free_port()
    async with CalDAVProvider(f"http://127.0.0.1:{port}/", "alice", "secret-pw", None, "Europe/Berlin",
                              timeout=5) as p:
        check = await p.test_connection()
    assert not check.ok
    assert check.message.startswith("Could not reach")
    assert "secret-pw" not in check.message


async def test_connection_unknown_host() -> None:
    async with CalDAVProvider("http://no-such-host.invalid/", "alice", "secret-pw", None, "UTC",
                              timeout=5) as p:
        check = await p.test_connection()
    assert not check.ok
    assert check.message.startswith("Could not reach")


async def test_connection_tls_failure(html_server: str) -> None:
    # https to a plain-HTTP port: the TLS handshake fails
    url = html_server.replace("http://", "https://")
    async with CalDAVProvider(url, "alice", "secret-pw", None, "UTC", timeout=5) as p:
        check = await p.test_connection()
    assert not check.ok
    assert "secure (TLS) connection" in check.message


async def test_connection_not_a_caldav_server(html_server: str) -> None:
    async with CalDAVProvider(html_server, "alice", "secret-pw", None, "UTC", timeout=5) as p:
        check = await p.test_connection()
    assert not check.ok
    assert "not a CalDAV server" in check.message or "CalDAV address" in check.message
    assert "secret-pw" not in check.message


async def test_connection_account_without_calendars(radicale_server: RadicaleServer) -> None:
    async with CalDAVProvider(radicale_server.url, "bob", "bob-app-password", None, "UTC") as p:
        check = await p.test_connection()
        assert await p.list_calendars() == []
    assert not check.ok
    assert "has no calendars" in check.message


async def test_list_calendars(caldav_calendar: CalendarFixture, provider: CalDAVProvider) -> None:
    calendars = await provider.list_calendars()
    assert caldav_calendar.url in {c.calendar_id for c in calendars}


# ------------------------------------------------------------------ upsert / delete


async def test_create_writes_one_event_in_the_staff_zone(caldav_calendar: CalendarFixture,
                                                         provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 1, 10, 0, tzinfo=BERLIN), datetime(2026, 6, 1, 11, 0, tzinfo=BERLIN))
    ref = await provider.upsert_event(spec, None)
    assert ref.external_id == spec.uid
    assert ref.href == f"{caldav_calendar.url}{spec.booking_public_id}.ics"
    resources = caldav_calendar.reader().resources()
    assert [r.href for r in resources] == [ref.href]
    assert ref.etag == resources[0].etag
    (event,) = resources[0].events()
    assert str(event["UID"]) == spec.uid
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2026, 6, 1, 10, 0, tzinfo=BERLIN)
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert str(event[OWN_EVENT_MARKER]) == spec.booking_public_id


async def test_update_with_known_ref_moves_the_same_event(caldav_calendar: CalendarFixture,
                                                          provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 2, 10, 0, tzinfo=BERLIN), datetime(2026, 6, 2, 11, 0, tzinfo=BERLIN))
    first = await provider.upsert_event(spec, None)
    moved = replace(spec, start=datetime(2026, 6, 2, 14, 0, tzinfo=UTC),
                    end=datetime(2026, 6, 2, 15, 30, tzinfo=UTC), sequence=1)
    second = await provider.upsert_event(moved, first)
    assert second.href == first.href
    assert second.etag and second.etag != first.etag
    (resource,) = caldav_calendar.reader().resources()
    assert resource.etag == second.etag
    (event,) = resource.events()
    assert str(event["UID"]) == spec.uid
    assert event["DTSTART"].dt.astimezone(UTC) == moved.start
    assert event["DTEND"].dt.astimezone(UTC) == moved.end
    assert int(event["SEQUENCE"]) == 1


async def test_create_adopts_an_event_that_already_exists(caldav_calendar: CalendarFixture,
                                                          provider: CalDAVProvider) -> None:
    """Crash between the write and the mapping commit: the next create must not duplicate."""
    spec = make_spec(datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 3, 10, 0, tzinfo=BERLIN))
    await provider.upsert_event(spec, None)
    changed = replace(spec, summary="Massage – Emma (rescheduled)", sequence=1,
                      start=datetime(2026, 6, 3, 12, 0, tzinfo=UTC), end=datetime(2026, 6, 3, 13, 0, tzinfo=UTC))
    ref = await provider.upsert_event(changed, None)
    (resource,) = caldav_calendar.reader().resources()
    assert resource.href == ref.href
    assert resource.etag == ref.etag
    (event,) = resource.events()
    assert str(event["SUMMARY"]) == "Massage – Emma (rescheduled)"
    assert event["DTSTART"].dt.astimezone(UTC) == changed.start


async def test_create_of_identical_existing_event_is_a_noop(caldav_calendar: CalendarFixture,
                                                            provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 4, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 4, 10, 0, tzinfo=BERLIN))
    first = await provider.upsert_event(spec, None)
    again = await provider.upsert_event(spec, None)  # a retried request that had landed
    assert again.etag == first.etag
    assert len(caldav_calendar.reader().resources()) == 1


async def test_stale_etag_is_resolved_and_our_content_wins(caldav_calendar: CalendarFixture,
                                                           provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 5, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 5, 10, 0, tzinfo=BERLIN))
    ref = await provider.upsert_event(spec, None)
    reader = caldav_calendar.reader()
    (resource,) = reader.resources()
    edited = resource.text.replace("SUMMARY:Massage – Emma", "SUMMARY:Edited in the phone app")
    assert reader.put(resource.href, edited, etag=resource.etag).status_code in (200, 201, 204)
    assert reader.get(resource.href).etag != ref.etag  # type: ignore[union-attr]

    newer = replace(spec, summary="Massage – Emma, 90 min", sequence=1)
    final = await provider.upsert_event(newer, ref)  # ref.etag is stale now: 412, re-read, write
    (after,) = reader.resources()
    assert after.href == ref.href
    assert after.etag == final.etag
    assert str(after.events()[0]["SUMMARY"]) == "Massage – Emma, 90 min"


async def test_update_of_externally_deleted_event_recreates_it(caldav_calendar: CalendarFixture,
                                                               provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 6, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 6, 10, 0, tzinfo=BERLIN))
    ref = await provider.upsert_event(spec, None)
    reader = caldav_calendar.reader()
    assert reader.delete(ref.href or "").status_code in (200, 204)
    again = await provider.upsert_event(replace(spec, sequence=1), ref)
    (resource,) = reader.resources()
    assert resource.href == ref.href
    assert resource.etag == again.etag


async def test_delete_and_delete_again(caldav_calendar: CalendarFixture, provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 7, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 7, 10, 0, tzinfo=BERLIN))
    ref = await provider.upsert_event(spec, None)
    await provider.delete_event(spec.booking_public_id, ref)
    assert caldav_calendar.reader().resources() == []
    await provider.delete_event(spec.booking_public_id, ref)
    await provider.delete_event(spec.booking_public_id, None)


async def test_delete_without_known_ref_uses_the_derived_url(caldav_calendar: CalendarFixture,
                                                             provider: CalDAVProvider) -> None:
    spec = make_spec(datetime(2026, 6, 8, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 8, 10, 0, tzinfo=BERLIN))
    await provider.upsert_event(spec, None)
    await provider.delete_event(spec.booking_public_id, None)
    assert caldav_calendar.reader().resources() == []


@pytest.mark.parametrize(
    ("start", "end", "zone", "utc_start", "utc_end"),
    [
        # Berlin springs forward at 02:00 on 2026-03-29: 01:30 is CET (+1), 03:30 is CEST (+2)
        (datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 3, 30), "Europe/Berlin",
         datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # New York falls back at 02:00 on 2026-11-01: 00:30 is EDT (-4), 09:00 is EST (-5)
        (datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 9, 0), "America/New_York",
         datetime(2026, 11, 1, 4, 30, tzinfo=UTC), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    ],
)
async def test_dst_days_read_back_at_the_right_instants(caldav_calendar: CalendarFixture, start: datetime,
                                                        end: datetime, zone: str, utc_start: datetime,
                                                        utc_end: datetime) -> None:
    tz = ZoneInfo(zone)
    spec = make_spec(start.replace(tzinfo=tz), end.replace(tzinfo=tz), timezone=zone)
    async with provider_for(caldav_calendar, timezone=zone) as p:
        await p.upsert_event(spec, None)
    (resource,) = caldav_calendar.reader().resources()
    (event,) = resource.events()
    assert event["DTSTART"].params["TZID"] == zone
    assert event["DTSTART"].dt.astimezone(UTC) == utc_start
    assert event["DTEND"].dt.astimezone(UTC) == utc_end
    assert [str(tz_["TZID"]) for tz_ in resource.calendar().walk("VTIMEZONE")] == [zone]


# ------------------------------------------------------------------ error translation


async def test_server_down_is_transient(fresh_radicale: RadicaleServer) -> None:
    url = fresh_radicale.make_calendar()
    spec = make_spec(datetime(2026, 6, 9, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 9, 10, 0, tzinfo=BERLIN))
    async with CalDAVProvider(fresh_radicale.url, fresh_radicale.username, fresh_radicale.password, url,
                              "Europe/Berlin", timeout=5) as p:
        fresh_radicale.stop()
        with pytest.raises(TransientError, match="Could not reach"):
            await p.upsert_event(spec, None)
        with pytest.raises(TransientError):
            await p.delete_event(spec.booking_public_id, None)
        fresh_radicale.start()
        ref = await p.upsert_event(spec, None)  # same provider works again once the server is back
    assert ref.etag


async def test_wrong_password_on_upsert_is_auth_error(caldav_calendar: CalendarFixture) -> None:
    spec = make_spec(datetime(2026, 6, 10, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 10, 10, 0, tzinfo=BERLIN))
    async with provider_for(caldav_calendar, password="wrong-secret") as p:
        with pytest.raises(AuthError, match="refused the username or app-specific password") as info:
            await p.upsert_event(spec, None)
    assert "wrong-secret" not in str(info.value)


async def test_deleted_calendar_is_permanent(fresh_radicale: RadicaleServer) -> None:
    url = fresh_radicale.make_calendar()
    spec = make_spec(datetime(2026, 6, 11, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 11, 10, 0, tzinfo=BERLIN))
    import httpx

    assert httpx.request("DELETE", url, auth=(fresh_radicale.username, fresh_radicale.password)).status_code \
        in (200, 204)
    async with CalDAVProvider(fresh_radicale.url, fresh_radicale.username, fresh_radicale.password, url,
                              "Europe/Berlin") as p:
        with pytest.raises(PermanentError, match="no longer exists"):
            await p.upsert_event(spec, None)


async def test_no_calendar_chosen_is_permanent(caldav_calendar: CalendarFixture) -> None:
    spec = make_spec(datetime(2026, 6, 12, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 12, 10, 0, tzinfo=BERLIN))
    async with provider_for(caldav_calendar, calendar_url=None) as p:
        with pytest.raises(PermanentError, match="No calendar is chosen"):
            await p.upsert_event(spec, None)


def test_provider_repr_hides_the_password() -> None:
    p = CalDAVProvider("https://caldav.example.com/", "alice", "hunter2", None, "UTC")
    assert "hunter2" not in repr(p)


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None


async def test_known_ref_without_etag_adopts(caldav_calendar: CalendarFixture,
                                             provider: CalDAVProvider) -> None:
    """A mapping saved without an ETag (server sent none) still updates the one event."""
    spec = make_spec(datetime(2026, 6, 13, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 13, 10, 0, tzinfo=BERLIN))
    first = await provider.upsert_event(spec, None)
    moved = replace(spec, start=datetime(2026, 6, 13, 11, 0, tzinfo=UTC),
                    end=datetime(2026, 6, 13, 12, 0, tzinfo=UTC), sequence=1)
    ref = await provider.upsert_event(moved, EventRef(external_id=spec.uid, href=first.href, etag=None))
    (resource,) = caldav_calendar.reader().resources()
    assert resource.etag == ref.etag
    assert resource.events()[0]["DTSTART"].dt.astimezone(UTC) == moved.start


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (503, {"Retry-After": "7"}, TransientError, 7.0),
        (503, {}, TransientError, None),
        (500, {}, TransientError, None),
        (429, {"Retry-After": "30"}, TransientError, 30.0),
        (429, {}, TransientError, None),
        (401, {"WWW-Authenticate": 'Basic realm="x"'}, AuthError, None),
        (403, {}, AuthError, None),
    ],
)
async def test_http_failures_are_translated(status: int, headers: dict[str, str], error: type[Exception],
                                            retry_after: float | None) -> None:
    spec = make_spec(datetime(2026, 6, 14, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 14, 10, 0, tzinfo=BERLIN))
    with serve_status(status, headers) as url:
        async with CalDAVProvider(url, "alice", "pw-123", url + "cal/", "Europe/Berlin", timeout=5) as p:
            with pytest.raises(error) as info:
                await p.upsert_event(spec, None)
            with pytest.raises(error):
                await p.delete_event(spec.booking_public_id, None)
    if isinstance(info.value, TransientError):
        assert info.value.retry_after == retry_after
    assert "pw-123" not in str(info.value)


async def test_refused_data_is_permanent_with_the_server_text() -> None:
    spec = make_spec(datetime(2026, 6, 15, 9, 0, tzinfo=BERLIN), datetime(2026, 6, 15, 10, 0, tzinfo=BERLIN))
    with serve_status(415, text=b"Unsupported   calendar\n data: VEVENT needs DTEND") as url:
        async with CalDAVProvider(url, "alice", "pw", url + "cal/", "Europe/Berlin", timeout=5) as p:
            with pytest.raises(PermanentError, match="415.*Unsupported calendar data: VEVENT needs DTEND") as info:
                await p.upsert_event(spec, None)
    assert not isinstance(info.value, AuthError)


async def test_concurrent_first_writes_share_one_login(caldav_calendar: CalendarFixture) -> None:
    """The engine shares one provider between concurrent jobs; the first burst must all succeed
    (the caldav client negotiates auth on the first 401 and must not do that several times at once)."""
    specs = [make_spec(datetime(2026, 6, 20, 8 + i, 0, tzinfo=BERLIN), datetime(2026, 6, 20, 9 + i, 0, tzinfo=BERLIN))
             for i in range(4)]
    async with provider_for(caldav_calendar) as p:
        refs = await asyncio.gather(*(p.upsert_event(spec, None) for spec in specs))
    assert {r.href for r in refs} == {r.href for r in caldav_calendar.reader().resources()}
    assert len(refs) == 4
