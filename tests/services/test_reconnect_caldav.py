"""Reconnect in place (issue 15 item 5) against a real Radicale: the same row, mappings and events.

The user's app password was revoked (the server's htpasswd changes under a working connection), a
write meets the refusal and the connection *needs reconnect*; a booking is cancelled and another
moved meanwhile. Reconnecting with the new password keeps the connection id and every mapping, and
the engine's normal path then writes what waited: the failed booking is created, the moved one
updated in place, and the cancelled one's event — which used to stay in the calendar for good — is
deleted. Nothing is written twice.
"""

from __future__ import annotations

import icalendar
import pytest
from sqlalchemy import select

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.base import booking_uid
from bizcal_desktop.services.pending_connection import ConnectionTestFailed
from bizcal_desktop.store.models import CalendarEventMapping
from tests.fixtures.radicale import CalendarFixture, CalendarReader, RadicaleServer

NEW_PASSWORD = "alice-new-app-password"


def mapping_rows(services, booking_id: int) -> list[tuple[int, int, str, str | None, bool]]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        rows = s.scalars(select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id)
                         .order_by(CalendarEventMapping.id))
        return [(m.id, m.connection_id, m.state, m.href, m.deleted) for m in rows]


def uids(reader: CalendarReader) -> list[str]:
    return sorted(str(e["UID"]) for e in reader.events())


def event_of(reader: CalendarReader, booking) -> icalendar.Event:  # type: ignore[no-untyped-def]
    [event] = [e for e in reader.events() if str(e["UID"]) == booking_uid(booking.public_id)]
    return event


async def connect(services, server: RadicaleServer, calendar_url: str) -> int:  # type: ignore[no-untyped-def]
    pending = await services.connections.begin_caldav("Mark", "generic", server.url, server.username, server.password)
    return (await services.connections.finish_connection(pending, calendar_url)).id


@pytest.fixture
def mark(services):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    return services


async def test_a_revoked_password_is_reconnected_in_place_and_what_waited_is_written(  # type: ignore[no-untyped-def]
    mark, fresh_radicale: RadicaleServer
) -> None:
    services, server = mark, fresh_radicale
    calendar_url = server.make_calendar("work", "Work")
    reader = CalendarReader(calendar_url, server.username, server.password)
    cid = await connect(services, server, calendar_url)
    kept = services.bookings.add("Mark", "Massage", "Kept", "2026-12-01T10:00")
    doomed = services.bookings.add("Mark", "Massage", "Doomed", "2026-12-01T12:00")
    assert (await services.engine.drain()).synced == 2
    kept_mapping = mapping_rows(services, kept.id)

    server.set_password("alice", NEW_PASSWORD)  # the user revoked the app password and made a new one
    reader = CalendarReader(calendar_url, server.username, NEW_PASSWORD)
    new = services.bookings.add("Mark", "Massage", "New", "2026-12-02T10:00")
    assert (await services.engine.drain()).failed == 1
    assert services.connections.get(cid).status == "needs_reconnect"
    services.bookings.cancel(doomed.id)
    services.bookings.move(kept.id, "2026-12-01T15:00")
    assert (await services.engine.drain()).skipped == 2  # nothing can reach the calendar now
    assert len(reader.events()) == 2  # the cancelled booking's event is still there

    with pytest.raises(ConnectionTestFailed):  # a wrong password changes nothing
        await services.connections.reconnect(cid, password="still-wrong")
    assert services.connections.get(cid).status == "needs_reconnect"

    done = await services.connections.reconnect(cid, password=NEW_PASSWORD)

    assert (done.connection.id, done.connection.status, done.queued, done.calendar_changed) == (
        cid, "active", 3, False)
    assert done.connection.is_default and [c.id for c in services.connections.list()] == [cid]
    secret_key = services.connections.info(cid).secret_key
    assert services.secrets.get(secret_key, "password") == NEW_PASSWORD
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    # Each booking once, the cancelled one's event gone; the moved one updated in place.
    assert uids(reader) == sorted(booking_uid(b.public_id) for b in (kept, new))
    assert event_of(reader, kept).decoded("DTSTART").hour == 15
    [(mapping_id, connection_id, state, href, deleted)] = mapping_rows(services, kept.id)
    assert (mapping_id, connection_id, href, state, deleted) == (*kept_mapping[0][:2], kept_mapping[0][3],
                                                                 "synced", False)
    [(_, _, state, _, deleted)] = mapping_rows(services, doomed.id)
    assert (state, deleted) == ("synced", True)
    assert [row[1:3] for row in mapping_rows(services, new.id)] == [(cid, "synced")]
    log = [e.message for e in services.sync_log.entries(limit=50) if e.action == "connect"]
    assert log[0].startswith("Reconnected Other CalDAV server – alice (Work) in place: 3 booking(s) queued")

    with pytest.raises(UserInputError, match="works; there is nothing to reconnect"):
        await services.connections.reconnect(cid, password=NEW_PASSWORD)


async def test_an_event_left_behind_after_failover_is_removed_once_reconnected(  # type: ignore[no-untyped-def]
    mark, caldav_calendar: CalendarFixture, radicale_server: RadicaleServer
) -> None:
    services = mark
    other_url = radicale_server.make_calendar(None, "Other")
    first = await connect(services, radicale_server, caldav_calendar.url)
    second = await connect(services, radicale_server, other_url)
    booking = services.bookings.add("Mark", "Massage", "Emma", "2026-12-01T10:00")
    await services.engine.drain()
    key = services.connections.info(first).secret_key
    services.secrets.set(key, "password", "a-password-that-no-longer-works")  # as after a password change

    services.bookings.move(booking.id, "2026-12-01T16:00")
    await services.engine.drain()
    services.recovery.retry_failed()
    assert (await services.engine.drain()).synced == 1  # moved on to the second calendar
    other = CalendarReader(other_url, radicale_server.username, radicale_server.password)
    assert len(caldav_calendar.reader().events()) == 1 and len(other.events()) == 1  # shown twice for now

    done = await services.connections.reconnect(first, password=radicale_server.password)
    assert done.queued == 1 and done.connection.is_default  # a needs-reconnect keeps its default
    report = await services.engine.drain()

    assert (report.synced, report.failed) == (2, 0)  # rewritten where it lives, deleted where it was left
    assert caldav_calendar.reader().events() == []  # the stale copy at the old time is gone
    [event] = other.events()
    assert event.decoded("DTSTART").hour == 16
    states = {connection: (state, deleted) for _id, connection, state, _href, deleted in mapping_rows(services, booking.id)}
    assert states == {first: ("synced", True), second: ("synced", False)}
    assert (await services.engine.drain()).bookings == 0


async def test_a_gone_calendar_is_reconnected_to_one_the_user_chooses(  # type: ignore[no-untyped-def]
    mark, fresh_radicale: RadicaleServer
) -> None:
    services, server = mark, fresh_radicale
    gone_url = server.make_calendar("gone", "Gone")
    cid = await connect(services, server, gone_url)
    booking = services.bookings.add("Mark", "Massage", "Emma", "2026-12-01T10:00")
    await services.engine.drain()
    CalendarReader(gone_url, server.username, server.password)._request("DELETE", gone_url)
    services.bookings.move(booking.id, "2026-12-01T11:00")
    await services.engine.drain()
    assert services.connections.get(cid).status == "calendar_missing"
    new_url = server.make_calendar("new", "New home")

    pending = await services.connections.begin_reconnect(cid)  # the saved password still works
    assert pending.needs_calendar and pending.current_calendar is None
    with pytest.raises(UserInputError, match="choose one of 'New home'"):
        await services.connections.finish_reconnect(pending)
    done = await services.connections.finish_reconnect(pending, new_url)

    assert (done.connection.id, done.connection.calendar_href, done.calendar_changed) == (cid, new_url, True)
    assert (await services.engine.drain()).synced == 1
    [event] = CalendarReader(new_url, server.username, server.password).events()
    assert str(event["UID"]) == booking_uid(booking.public_id) and event.decoded("DTSTART").hour == 11
