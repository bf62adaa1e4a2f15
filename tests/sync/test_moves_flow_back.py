"""An assistant moves a booking's event in the calendar app: the booking follows, once, without echo;
a local change that is on its way to the calendar wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.support.connections import seed_connection

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
async def synced(services, caldav_calendar):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Lydia", "Europe/Berlin")
    services.directory.add_service("Training", 90)
    server = caldav_calendar.server
    await services.connections.connect_caldav(
        staff="Lydia", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=caldav_calendar.url,
    )
    booking = services.bookings.add("Lydia", "Training", "Acme", "2026-12-02T10:00")
    await services.engine.drain()
    return services, booking


def move_in_calendar(caldav_calendar, new_start: datetime, minutes: int = 90, public_id: str = "") -> None:  # type: ignore[no-untyped-def]
    """What Outlook or an iPhone does: rewrite the event with new times, keeping UID and properties."""
    reader = caldav_calendar.reader()
    (resource,) = [r for r in reader.resources() if public_id in r.text]
    calendar = icalendar.Calendar.from_ical(resource.text)
    event = next(iter(calendar.walk("VEVENT")))
    event["DTSTART"] = icalendar.vDDDTypes(new_start)
    event["DTEND"] = icalendar.vDDDTypes(new_start + timedelta(minutes=minutes))
    event["SEQUENCE"] = int(event.get("SEQUENCE", 0)) + 1
    response = reader.put(resource.href, calendar.to_ical().decode(), etag=resource.etag)
    assert response.status_code in (200, 201, 204)


async def test_a_move_in_the_calendar_moves_the_booking(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, booking = synced
    move_in_calendar(caldav_calendar, datetime(2026, 12, 2, 14, 0, tzinfo=BERLIN), minutes=120)

    report = await services.importer.import_all(now=NOW)
    assert report.connections[0].moved_bookings == 1
    moved = services.bookings.get(booking.id)
    assert moved.start == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)
    assert moved.end == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # the new length is kept too
    assert moved.version == 2 and moved.sync_state == "synced"
    entry = services.sync_log.entries(limit=5)[1]  # newest is the import summary
    assert entry.action == "update" and entry.actor.startswith("calendar:")
    assert "moved in" in entry.message and "14:00" in entry.message

    # No echo: nothing is queued for the calendar, a second import changes nothing, resync is idle.
    assert services.engine.outbox_view.pending_count() == 0
    again = await services.importer.import_all(now=NOW)
    assert again.connections[0].moved_bookings == 0
    assert await services.recovery.resync(NOW.date()) == []
    # The moved booking's time is busy for slot purposes, its old time free again.
    free = services.availability.explain(
        "Lydia", "Training", datetime(2026, 12, 2, 14, 0, tzinfo=BERLIN), now=NOW
    )
    assert not free.offered


async def test_a_move_onto_another_booking_is_refused_and_the_event_put_back(  # type: ignore[no-untyped-def]
    synced, caldav_calendar
) -> None:
    services, acme = synced
    beta = services.bookings.add("Lydia", "Training", "Beta", "2026-12-02T14:00")
    gamma = services.bookings.add("Lydia", "Training", "Gamma", "2026-12-02T17:00")
    await services.engine.drain()
    move_in_calendar(caldav_calendar, datetime(2026, 12, 2, 14, 30, tzinfo=BERLIN), public_id=acme.public_id)
    move_in_calendar(caldav_calendar, datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN), public_id=gamma.public_id)

    report = await services.importer.import_all(now=NOW)  # completes: the refusal is not an error

    assert report.connections[0].ok and report.connections[0].moved_bookings == 1  # Gamma's move still counts
    assert services.bookings.get(gamma.id).start == datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    kept = services.bookings.get(acme.id)
    assert (kept.start, kept.version) == (acme.start, acme.version)
    assert services.bookings.get(beta.id).start == beta.start
    [refused] = [e for e in services.sync_log.entries(limit=10) if e.action == "conflict"]
    assert refused.message == (
        f"Booking {acme.id} (Training) was moved in {report.connections[0].connection_name} to 2026-12-02 14:30–16:00 "
        "Europe/Berlin, but Lydia already has a booking then; the booking stays at 2026-12-02 10:00 and its "
        "event is put back there")
    assert "Acme" not in refused.message and "Beta" not in refused.message

    assert services.engine.outbox_view.pending_count() == 1  # the event goes back at the next drain
    await services.engine.drain()
    [event] = [e for e in caldav_calendar.reader().events() if str(e["UID"]).startswith(acme.public_id)]
    assert event.decoded("DTSTART") == datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
    again = await services.importer.import_all(now=NOW)
    assert again.connections[0].moved_bookings == 0
    assert len([e for e in services.sync_log.entries(limit=20) if e.action == "conflict"]) == 1


async def test_a_local_change_on_its_way_wins(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, booking = synced
    move_in_calendar(caldav_calendar, datetime(2026, 12, 2, 16, 0, tzinfo=BERLIN))
    services.bookings.move(booking.id, "2026-12-02T08:00")  # queued, not yet synced

    report = await services.importer.import_all(now=NOW)
    assert report.connections[0].moved_bookings == 0
    assert services.bookings.get(booking.id).start == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    await services.engine.drain()
    (event,) = caldav_calendar.reader().events()
    assert event.decoded("DTSTART") == datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN)


async def test_an_event_deleted_in_the_calendar_never_cancels_the_booking(synced, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, booking = synced
    reader = caldav_calendar.reader()
    (resource,) = reader.resources()
    reader.delete(resource.href)
    await services.importer.import_all(now=NOW)
    assert services.bookings.get(booking.id).status == "confirmed"


async def test_google_moves_flow_back_too(tmp_path, google_fake, google_client_file, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    endpoints = google_fake.endpoints(google_client_file)
    monkeypatch.setenv("BIZCAL_GOOGLE_API_BASE", endpoints.api_base)
    monkeypatch.setenv("BIZCAL_GOOGLE_TOKEN_URI", endpoints.token_uri)
    services = build_services(Config.load(tmp_path / "data"))
    try:
        services.directory.add_staff("Sarah", "Europe/Berlin")
        services.directory.add_service("Cut", 45)
        seed_connection(
            services,
            staff="Sarah", provider="google", display_name="Google – sarah", calendar_id="primary",
            secret=google_fake.grant_token_json(),
        )
        booking = services.bookings.add("Sarah", "Cut", "Jess", "2026-12-03T09:00")
        await services.engine.drain()
        await services.importer.import_all(now=NOW)  # first read: full, nothing moved
        google_fake.calendar().edit_event(booking.public_id, {
            "start": {"dateTime": "2026-12-03T11:30:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-12-03T12:15:00+01:00", "timeZone": "Europe/Berlin"},
        })
        report = await services.importer.import_all(now=NOW)  # incremental, through the sync token
        assert report.connections[0].full is False
        assert report.connections[0].moved_bookings == 1
        assert services.bookings.get(booking.id).start == datetime(2026, 12, 3, 10, 30, tzinfo=UTC)
    finally:
        services.close()
