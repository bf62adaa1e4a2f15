"""The Radicale fixture itself: other tests trust it, so it must really do what it says."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.radicale import CalendarReader, RadicaleServer, read_events, read_resources

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//fixture test//EN
BEGIN:VEVENT
UID:fixture-1@example.org
DTSTAMP:20260101T000000Z
DTSTART:20260105T100000Z
DTEND:20260105T110000Z
SUMMARY:Fixture
END:VEVENT
END:VCALENDAR
"""


def test_calendar_starts_empty_and_reader_sees_writes(caldav_calendar) -> None:
    reader = caldav_calendar.reader()
    assert caldav_calendar.url.endswith("/")
    assert reader.resources() == []
    response = reader.put("one.ics", EVENT)
    assert response.status_code == 201
    resources = read_resources(caldav_calendar.url, caldav_calendar.username, caldav_calendar.password)
    assert [r.href for r in resources] == [caldav_calendar.url + "one.ics"]
    assert resources[0].etag
    events = read_events(caldav_calendar.url, caldav_calendar.username, caldav_calendar.password)
    assert [str(e["UID"]) for e in events] == ["fixture-1@example.org"]
    assert reader.delete("one.ics").status_code in (200, 204)
    assert reader.get("one.ics") is None


def test_wrong_password_is_refused(radicale_server: RadicaleServer) -> None:
    response = httpx.request("PROPFIND", radicale_server.principal_url(), auth=("alice", "nope"),
                             headers={"Depth": "0"})
    assert response.status_code == 401
    ok = httpx.request("PROPFIND", radicale_server.principal_url("bob"),
                       auth=("bob", "bob-app-password"), headers={"Depth": "0"})
    assert ok.status_code == 207


def test_restart_keeps_port_and_data(fresh_radicale: RadicaleServer) -> None:
    url = fresh_radicale.make_calendar("keep", "Keep")
    reader = CalendarReader(url, fresh_radicale.username, fresh_radicale.password)
    assert reader.put("a.ics", EVENT).status_code == 201
    port = fresh_radicale.port
    fresh_radicale.stop()
    with pytest.raises(httpx.ConnectError):
        reader.resources()
    fresh_radicale.start()
    assert fresh_radicale.port == port
    assert [r.href for r in reader.resources()] == [url + "a.ics"]
