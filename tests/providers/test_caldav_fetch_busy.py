"""CalDAVProvider.fetch_busy: a full time-range read, parsed by caldav.ical_busy.busy_from_ical."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav import CalDAVProvider
from tests.fixtures.radicale import CalendarFixture

WINDOW = TimeRange(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC))

EXTERNAL = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//someone else//EN
BEGIN:VEVENT
UID:dentist-1@example.org
DTSTAMP:20260601T000000Z
DTSTART:20260702T100000Z
DTEND:20260702T110000Z
SUMMARY:Dentist
END:VEVENT
END:VCALENDAR
"""


def provider_for(cal: CalendarFixture) -> CalDAVProvider:
    return CalDAVProvider(cal.server.url, cal.username, cal.password, cal.url, "Europe/Berlin", timeout=10)


async def test_full_read_separates_busy_blocks_from_our_own_events(caldav_calendar: CalendarFixture) -> None:
    reader = caldav_calendar.reader()
    assert reader.put("dentist.ics", EXTERNAL).status_code == 201
    assert reader.put("later.ics", EXTERNAL.replace("20260702", "20260802").replace("dentist-1", "later-1")
                      ).status_code == 201
    spec = EventSpec(booking_public_id="ab" * 16, summary="Massage", description="",
                     start=datetime(2026, 7, 3, 8, 0, tzinfo=UTC), end=datetime(2026, 7, 3, 9, 0, tzinfo=UTC),
                     timezone="Europe/Berlin")
    async with provider_for(caldav_calendar) as p:
        ref = await p.upsert_event(spec, None)
        changes = await p.fetch_busy(WINDOW, None)
    assert changes.full is True
    assert changes.cursor is not None  # a sync token for the next, incremental read
    assert changes.requests == 2  # PROPFIND of the sync token + the calendar-query (auth already settled)
    dentist = caldav_calendar.url + "dentist.ics"
    assert set(changes.upserts) == {dentist}  # the August event is outside the window
    (interval,) = changes.upserts[dentist]
    assert (interval.start, interval.end) == (datetime(2026, 7, 2, 10, 0, tzinfo=UTC),
                                              datetime(2026, 7, 2, 11, 0, tzinfo=UTC))
    assert interval.title is None  # titles are not kept unless the user opted in
    assert changes.own_events == {ref.href: spec.uid}


async def test_missing_calendar_is_permanent(caldav_calendar: CalendarFixture) -> None:
    async with CalDAVProvider(caldav_calendar.server.url, caldav_calendar.username, caldav_calendar.password,
                              caldav_calendar.url + "no-such-calendar/", "UTC") as p:
        with pytest.raises(PermanentError, match="no longer exists"):
            await p.fetch_busy(WINDOW, None)


def _multistatus(items: dict[str, str]) -> bytes:
    parts = [
        "<D:response><D:href>/cal/{}</D:href><D:propstat><D:prop><D:getetag>\"1\"</D:getetag>"
        "<C:calendar-data>{}</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
        "</D:propstat></D:response>".format(name, escape(data))
        for name, data in items.items()
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        + "".join(parts) + "</D:multistatus>"
    ).encode()


@pytest.fixture
def report_server() -> Iterator[str]:
    """A loopback CalDAV fake whose REPORT returns one good and one malformed resource."""
    body = _multistatus({"good.ics": EXTERNAL, "bad.ics": "BEGIN:VCALENDAR\nthis is not iCalendar\n"})

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_REPORT(self) -> None:  # noqa: N802 - http.server naming
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(207)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


async def test_malformed_resource_is_skipped_not_fatal(report_server: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    async with CalDAVProvider(report_server, "alice", "pw", report_server + "cal/", "Europe/Berlin") as p:
        changes = await p.fetch_busy(WINDOW, None)
    assert list(changes.upserts) == [report_server + "cal/good.ics"]
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "bad.ics" in r.getMessage()]
    assert len(warnings) == 1
    assert "this is not iCalendar" not in warnings[0].getMessage()

