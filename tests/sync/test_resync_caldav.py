"""Missing events come back (issue 14, item 2), end to end on a real Radicale server.

The calendar is changed with plain WebDAV behind the app's back (the fixture's reader, which shares
no code with the app): an event deleted or edited by hand, the collection deleted and made again,
or deleted for good. Resync must restore exactly what is missing, rewrite what was edited, never
duplicate, and move the bookings of a gone calendar to the staff member's other connection.
"""

from __future__ import annotations

from datetime import date

import pytest

from bizcal_desktop.wiring import Services
from tests.fixtures.radicale import CalendarFixture, CalendarReader, RadicaleServer

FROM = date(2026, 12, 1)


async def connect(services: Services, server: RadicaleServer, calendar_url: str):  # type: ignore[no-untyped-def]
    return await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar_url,
    )


@pytest.fixture
async def synced(services: Services, caldav_calendar: CalendarFixture):  # type: ignore[no-untyped-def]
    """Mark with one CalDAV calendar holding three synced bookings."""
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.settings.update(event_privacy="full")  # events name their customer: tests tell them apart
    connection = await connect(services, caldav_calendar.server, caldav_calendar.url)
    bookings = [services.bookings.add("Mark", "Massage", f"C{i}", f"2026-12-0{i + 1}T10:00") for i in range(3)]
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    return services, connection, bookings


def own_resources(reader: CalendarReader) -> dict[str, str | None]:
    """Resource name -> ETag of every resource in the collection."""
    return {href.rsplit("/", 1)[-1]: etag for href, etag in reader.hrefs().items()}


def last_log_message(services: Services) -> str:
    return services.sync_log.entries(limit=1)[0].message


async def test_an_event_deleted_by_hand_is_restored_exactly(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, _connection, (kept, lost, other) = synced
    reader = caldav_calendar.reader()
    assert reader.delete(f"{lost.public_id}.ics").status_code in (200, 204)
    before = own_resources(reader)

    queued = await services.recovery.resync(FROM)

    assert queued == [lost.id]
    assert "1 event missing in" in last_log_message(services)
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    after = own_resources(reader)
    assert sorted(after) == sorted(f"{b.public_id}.ics" for b in (kept, lost, other))
    assert {k: v for k, v in after.items() if k in before} == before  # the others were not written
    [event] = reader.get(f"{lost.public_id}.ics").events()
    assert str(event["UID"]) == f"{lost.public_id}@bizcal-desktop" and str(event["SUMMARY"]) == "Massage – C1"
    assert await services.recovery.resync(FROM) == []


async def test_an_event_edited_by_hand_is_rewritten(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, _connection, (edited, _b, _c) = synced
    reader = caldav_calendar.reader()
    resource = reader.get(f"{edited.public_id}.ics")
    text = resource.text.replace("SUMMARY:Massage – C0", "SUMMARY:Renamed by hand")
    assert "Renamed by hand" in text
    assert reader.put(resource.href, text, etag=resource.etag).status_code in (200, 201, 204)

    queued = await services.recovery.resync(FROM)

    assert queued == [edited.id]
    assert "1 event changed in" in last_log_message(services)
    await services.engine.drain()
    [event] = reader.get(f"{edited.public_id}.ics").events()
    assert str(event["SUMMARY"]) == "Massage – C0"
    assert len(reader.hrefs()) == 3
    assert await services.recovery.resync(FROM) == []


async def test_a_calendar_deleted_and_made_again_gets_every_event_back(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, _connection, bookings = synced
    reader = caldav_calendar.reader()
    assert reader.delete(caldav_calendar.url).status_code in (200, 204)
    slug = caldav_calendar.url.rstrip("/").rsplit("/", 1)[-1]
    assert caldav_calendar.server.make_calendar(slug) == caldav_calendar.url
    assert reader.hrefs() == {}

    queued = await services.recovery.resync(FROM)

    assert sorted(queued) == sorted(b.id for b in bookings)
    assert "3 events missing in" in last_log_message(services)
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    assert sorted(own_resources(reader)) == sorted(f"{b.public_id}.ics" for b in bookings)
    assert len(reader.events()) == 3  # one event each, no duplicates
    assert await services.recovery.resync(FROM) == []


async def test_a_deleted_calendar_needs_attention_and_its_bookings_move_on(  # type: ignore[no-untyped-def]
    synced, caldav_calendar, radicale_server
) -> None:
    services, connection, bookings = synced
    home_url = radicale_server.make_calendar()
    await connect(services, radicale_server, home_url)
    assert caldav_calendar.reader().delete(caldav_calendar.url).status_code in (200, 204)

    queued = await services.recovery.resync(FROM)

    assert sorted(queued) == sorted(b.id for b in bookings)
    view = services.connections.get(connection.id)
    assert view.status == "calendar_missing"
    assert "no longer exists" in (view.last_error or "")
    assert "is gone" in last_log_message(services)
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    home = CalendarReader(home_url, radicale_server.username, radicale_server.password)
    assert sorted(own_resources(home)) == sorted(f"{b.public_id}.ics" for b in bookings)
    later = services.bookings.add("Mark", "Massage", "Later", "2026-12-09T10:00")
    await services.engine.drain()
    assert f"{later.public_id}.ics" in own_resources(home)


async def test_a_write_to_a_deleted_calendar_marks_it_and_the_retry_moves_on(  # type: ignore[no-untyped-def]
    synced, caldav_calendar, radicale_server
) -> None:
    services, connection, (moved, _b, _c) = synced
    home_url = radicale_server.make_calendar()
    await connect(services, radicale_server, home_url)
    assert caldav_calendar.reader().delete(caldav_calendar.url).status_code in (200, 204)

    services.bookings.move(moved.id, "2026-12-01T15:00")
    report = await services.engine.drain()

    assert (report.synced, report.failed) == (0, 1)
    assert "no longer exists" in report.events[0].message
    assert services.connections.get(connection.id).status == "calendar_missing"
    services.recovery.retry_failed()
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)
    home = CalendarReader(home_url, radicale_server.username, radicale_server.password)
    assert list(own_resources(home)) == [f"{moved.public_id}.ics"]
