"""The import cursor, the RFC 6578 answers, and the ways CalDAV servers refuse a sync token.

Radicale refuses an unknown token with 403 + DAV:valid-sync-token (covered in
tests/sync/test_import_shapes_caldav.py); the other refusals and a truncated report are played here
by a loopback fake that answers like the servers in the CalDAV notes do. Every refusal ends in a
full read inside ``fetch_busy`` (``full=True``), never in an error.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.caldav import CalDAVProvider
from bizcal_desktop.providers.caldav.reports import names_valid_sync_token, read_sync_report
from bizcal_desktop.providers.cursor import WindowCursor

WINDOW = TimeRange(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC))
COLLECTION = "http://127.0.0.1:1/cal/"

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//someone//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260601T000000Z
DTSTART:20260702T100000Z
DTEND:20260702T110000Z
END:VEVENT
END:VCALENDAR
"""


# ----------------------------------------------------------------------------- cursor


def test_cursor_round_trips_and_fits_only_its_own_window_and_calendar() -> None:
    cursor = WindowCursor(WINDOW, {COLLECTION: "tok-1"})
    decoded = WindowCursor.decode(cursor.encode())
    assert decoded == cursor
    assert decoded.fits(WINDOW, [COLLECTION])
    next_day = TimeRange(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    assert not decoded.fits(next_day, [COLLECTION])
    assert not decoded.fits(WINDOW, [COLLECTION + "other/"])


def test_one_calendar_cursor_keeps_the_stored_form_of_earlier_versions() -> None:
    """Cursors stored before the shared cursor module still decode, so an upgrade costs no full read."""
    stored = ('{"calendar": "http://127.0.0.1:1/cal/", "token": "tok-1", "v": 1, '
              '"window_end": "2026-07-08T00:00:00+00:00", "window_start": "2026-07-01T00:00:00+00:00"}')
    assert WindowCursor(WINDOW, {COLLECTION: "tok-1"}).encode() == stored
    assert WindowCursor.decode(stored) == WindowCursor(WINDOW, {COLLECTION: "tok-1"})


def test_cursor_over_several_calendars_fits_only_the_same_calendars() -> None:
    cursor = WindowCursor.decode(WindowCursor(WINDOW, {"a": "1", "b": "2"}).encode())
    assert cursor is not None and cursor.tokens == {"a": "1", "b": "2"}
    assert cursor.fits(WINDOW, ["b", "a"])
    assert not cursor.fits(WINDOW, ["a"])


_WEEK = '"window_start": "2026-07-01T00:00:00+00:00", "window_end": "2026-07-08T00:00:00+00:00"'


@pytest.mark.parametrize("text", [
    None,
    "",
    "not json",
    "[]",
    '{"v": 2, "token": "t"}',
    '{"v": 1, "tokens": {"c": ""}, ' + _WEEK + "}",
    '{"v": 1, "tokens": [], ' + _WEEK + "}",
    '{"v": 1, "token": "", "calendar": "c", ' + _WEEK + "}",
    '{"v": 1, "token": "t", "calendar": "c", "window_start": "yesterday", "window_end": "2026-07-08T00:00:00"}',
    ('{"v": 1, "token": "t", "calendar": "c", "window_start": "2026-07-01T00:00:00", '
     '"window_end": "2026-07-08T00:00:00"}'),  # naive instants
])
def test_unreadable_cursor_means_a_full_read(text: str | None) -> None:
    assert WindowCursor.decode(text) is None


# ----------------------------------------------------------------------------- answers


def _tree(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def test_sync_report_sorts_changes_removals_and_truncation() -> None:
    tree = _tree(
        '<D:multistatus xmlns:D="DAV:">'
        "<D:response><D:href>/cal/a.ics</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag></D:prop>"
        "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        "<D:response><D:href>/cal/b.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>"
        "<D:response><D:href>/cal/sub/</D:href><D:propstat><D:prop/><D:status>HTTP/1.1 200 OK</D:status>"
        "</D:propstat></D:response>"
        "<D:response><D:href>/cal/</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>"
        "<D:sync-token> tok-2 </D:sync-token></D:multistatus>"
    )
    report = read_sync_report(tree, COLLECTION)
    assert report.changed == {COLLECTION + "a.ics"}
    assert report.removed == {COLLECTION + "b.ics"}
    assert report.truncated and report.token == "tok-2"


def test_valid_sync_token_precondition_is_recognised() -> None:
    assert names_valid_sync_token(_tree('<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'))
    assert not names_valid_sync_token(_tree('<D:error xmlns:D="DAV:"><D:need-privileges/></D:error>'))
    assert not names_valid_sync_token(None)


# ----------------------------------------------------------------------------- a scripted server


def _multistatus(inner: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" '
            f'xmlns:C="urn:ietf:params:xml:ns:caldav">{inner}</D:multistatus>').encode()


def _changed(name: str) -> str:
    return (f"<D:response><D:href>/cal/{name}</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag></D:prop>"
            "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>")


def _with_data(name: str) -> str:
    return (f"<D:response><D:href>/cal/{name}</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag>"
            f"<C:calendar-data>{escape(EVENT.format(uid=name))}</C:calendar-data></D:prop>"
            "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>")


@dataclass
class Script:
    """What the fake answers to each sync-collection REPORT, in order (status, body), and to the rest."""

    sync_answers: list[tuple[int, bytes]] = field(default_factory=list)
    multiget: bytes = b""
    #: The calendar-query answer of a full read, and the sync token its PROPFIND offers.
    query: bytes = field(default_factory=lambda: _multistatus(""))
    fresh_token: str = "tok-fresh"
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def fake() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_REPORT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "sync-collection" in body:
                script.seen.append("sync-collection")
                status, answer = script.sync_answers.pop(0)
            elif "calendar-query" in body:
                script.seen.append("calendar-query")
                status, answer = 207, script.query
            else:
                script.seen.append("multiget")
                status, answer = 207, script.multiget
            self._answer(status, answer)

        def do_PROPFIND(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            script.seen.append("propfind")
            self._answer(207, _multistatus(
                "<D:response><D:href>/cal/</D:href><D:propstat><D:prop>"
                f"<D:sync-token>{script.fresh_token}</D:sync-token></D:prop>"
                "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"))

        def _answer(self, status: int, answer: bytes) -> None:
            self.send_response(status)
            kind = "application/xml" if answer.startswith(b"<") else "text/plain"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", script
    finally:
        server.shutdown()
        server.server_close()


async def _incremental(base: str) -> object:
    calendar = base + "cal/"
    async with CalDAVProvider(base, "alice", "pw", calendar, "Europe/Berlin") as provider:
        return await provider.fetch_busy(WINDOW, WindowCursor(WINDOW, {calendar: "tok-1"}).encode())


@pytest.mark.parametrize("status, body", [
    (500, b"Internal Server Error"),  # the servers the notes warn about
    (400, b"<not xml"),  # an answer that cannot be read must not leave the import stuck on the token
    (409, b'<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'),
    (412, b'<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'),
])
async def test_refused_token_means_a_full_read(fake: tuple[str, Script], status: int, body: bytes,
                                              caplog: pytest.LogCaptureFixture) -> None:
    base, script = fake
    script.sync_answers = [(status, body)]
    script.query = _multistatus(_with_data("a.ics"))
    changes = await _incremental(base)
    assert script.seen == ["sync-collection", "propfind", "calendar-query"]
    assert changes.full and list(changes.upserts) == [base + "cal/a.ics"]  # type: ignore[attr-defined]
    assert changes.requests == 3  # type: ignore[attr-defined]  # the refused report counts too
    assert WindowCursor.decode(changes.cursor).tokens == {base + "cal/": "tok-fresh"}  # type: ignore[attr-defined, union-attr]
    assert any(r.levelname == "WARNING" and "refused the stored sync token" in r.getMessage()
               for r in caplog.records)


async def test_truncated_report_is_followed_to_the_end(fake: tuple[str, Script]) -> None:
    base, script = fake
    script.sync_answers = [
        (207, _multistatus(_changed("a.ics") + "<D:response><D:href>/cal/</D:href>"
                           "<D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>"
                           "<D:sync-token>tok-2</D:sync-token>")),
        (207, _multistatus(_changed("b.ics") + "<D:sync-token>tok-3</D:sync-token>")),
    ]
    script.multiget = _multistatus(_with_data("a.ics") + _with_data("b.ics"))
    changes = await _incremental(base)
    assert script.seen == ["sync-collection", "sync-collection", "multiget"]
    assert changes.requests == 3 and not changes.full  # type: ignore[attr-defined]
    assert sorted(changes.upserts) == [base + "cal/a.ics", base + "cal/b.ics"]  # type: ignore[attr-defined]
    assert WindowCursor.decode(changes.cursor).tokens == {base + "cal/": "tok-3"}  # type: ignore[attr-defined, union-attr]


async def test_a_change_the_multiget_cannot_deliver_keeps_the_old_token(fake: tuple[str, Script]) -> None:
    base, script = fake
    script.sync_answers = [(207, _multistatus(_changed("a.ics") + _changed("gone.ics")
                                              + "<D:sync-token>tok-2</D:sync-token>"))]
    script.multiget = _multistatus(_with_data("a.ics") + "<D:response><D:href>/cal/gone.ics</D:href>"
                                   "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>")
    changes = await _incremental(base)
    assert list(changes.upserts) == [base + "cal/a.ics"]  # type: ignore[attr-defined]
    assert changes.removed == set()  # type: ignore[attr-defined]  # a multiget 404 is no confirmed deletion
    assert WindowCursor.decode(changes.cursor).tokens == {base + "cal/": "tok-1"}  # type: ignore[attr-defined, union-attr]


async def test_report_without_a_new_token_means_a_full_read(fake: tuple[str, Script]) -> None:
    base, script = fake
    script.sync_answers = [(207, _multistatus(_changed("a.ics")))]
    changes = await _incremental(base)
    assert script.seen == ["sync-collection", "propfind", "calendar-query"]
    assert changes.full and changes.upserts == {}  # type: ignore[attr-defined]


async def test_cursor_for_another_window_is_a_full_read_without_asking_for_changes(fake: tuple[str, Script]) -> None:
    base, script = fake
    calendar = base + "cal/"
    yesterday = TimeRange(WINDOW.start - timedelta(days=1), WINDOW.end - timedelta(days=1))
    async with CalDAVProvider(base, "alice", "pw", calendar, "Europe/Berlin") as provider:
        changes = await provider.fetch_busy(WINDOW, WindowCursor(yesterday, {calendar: "tok-1"}).encode())
    assert changes.full and script.seen == ["propfind", "calendar-query"]
