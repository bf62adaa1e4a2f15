"""The CalDAV writes on a second real server, Xandikos: conditional creates and updates, adoption, deletes.

Xandikos derives ETags from git blobs and checks preconditions its own way, so the write path's
promises (``If-None-Match: *`` creates, ``If-Match`` updates, a lost race re-read and won by the
booking, a retried create adopted instead of duplicated) are checked here on it too, with the
independent reader of ``tests/fixtures/radicale.py`` (plain WebDAV, nothing of ours).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.providers.base import EventSpec
from bizcal_desktop.providers.caldav import CalDAVProvider
from tests.fixtures.radicale import CalendarReader
from tests.fixtures.xandikos import XandikosServer, xandikos_server  # noqa: F401 - the fixture

BERLIN = ZoneInfo("Europe/Berlin")


def make_spec(day: int) -> EventSpec:
    return EventSpec(booking_public_id=uuid.uuid4().hex, summary="Massage – Emma, 60 min; back",
                     description="60 minutes\nRoom 1", start=datetime(2026, 6, day, 8, tzinfo=UTC),
                     end=datetime(2026, 6, day, 9, tzinfo=UTC), timezone="Europe/Berlin", sequence=0)


@pytest.fixture
def calendar(xandikos_server: XandikosServer) -> str:  # noqa: F811 - the fixture's value
    return xandikos_server.make_calendar()


@pytest.fixture
async def provider(xandikos_server: XandikosServer, calendar: str) -> AsyncIterator[CalDAVProvider]:  # noqa: F811
    async with CalDAVProvider(server_url=xandikos_server.url, username=xandikos_server.username,
                              password=xandikos_server.password, calendar_url=calendar,
                              timezone="Europe/Berlin", timeout=10.0) as p:
        yield p  # type: ignore[misc]


def reader(xandikos: XandikosServer, calendar: str) -> CalendarReader:
    return CalendarReader(calendar, xandikos.username, xandikos.password)


async def test_create_then_update_the_same_event(xandikos_server: XandikosServer,  # noqa: F811
                                                 calendar: str, provider: CalDAVProvider) -> None:
    spec = make_spec(1)
    first = await provider.upsert_event(spec, None)
    assert first.href == f"{calendar}{spec.booking_public_id}.ics" and first.etag
    moved = replace(spec, start=datetime(2026, 6, 1, 12, tzinfo=UTC), end=datetime(2026, 6, 1, 13, tzinfo=UTC),
                    sequence=1)
    second = await provider.upsert_event(moved, first)
    assert second.href == first.href and second.etag and second.etag != first.etag
    (resource,) = reader(xandikos_server, calendar).resources()
    assert resource.etag == second.etag
    (event,) = resource.events()
    assert str(event["UID"]) == spec.uid and str(event["SUMMARY"]) == spec.summary
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == datetime(2026, 6, 1, 14, tzinfo=BERLIN)
    assert int(event["SEQUENCE"]) == 1


async def test_a_retried_create_adopts_and_a_stale_version_loses_to_the_booking(
        xandikos_server: XandikosServer, calendar: str, provider: CalDAVProvider) -> None:  # noqa: F811
    spec = make_spec(2)
    ref = await provider.upsert_event(spec, None)
    again = await provider.upsert_event(spec, None)  # the mapping was lost after the write: adopted
    assert again.etag == ref.etag
    raw = reader(xandikos_server, calendar)
    (resource,) = raw.resources()
    edited = resource.text.replace("SUMMARY:Massage", "SUMMARY:Edited on the phone")
    assert raw.put(resource.href, edited, etag=resource.etag).status_code in (200, 201, 204)
    newer = replace(spec, summary="Massage – Emma, 90 min", sequence=1)
    final = await provider.upsert_event(newer, ref)  # ref.etag is stale now: 412, re-read, written again
    (after,) = raw.resources()
    assert after.etag == final.etag and str(after.events()[0]["SUMMARY"]) == "Massage – Emma, 90 min"
    await provider.delete_event(spec.booking_public_id, final)
    await provider.delete_event(spec.booking_public_id, final)  # already gone: still deleted
    assert raw.resources() == []
