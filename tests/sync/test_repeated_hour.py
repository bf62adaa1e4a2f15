"""Bookings in the repeated hour of a fall-back night, on every provider, end to end.

02:30 happens twice in Europe/Berlin on 2027-10-31 (00:30Z and 01:30Z) and 01:30 twice in
America/New_York on 2027-11-07 (05:30Z and 06:30Z). A wall time with a zone name cannot say which
is meant and every reader takes the first, so a booking at the second one was shown an hour early
and the next import "followed" that phantom move. Each test books at the instant, syncs, reads the
event back without our code (the Radicale reader, the fakes' own stores, read as the service reads
them) and checks the instant, then imports and checks the booking stayed where it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake
from tests.fakes.microsoft.graph_store import parse_graph_time
from tests.fixtures.radicale import CalendarFixture
from tests.support.connections import seed_connection

#: A week before both changes; the import window (30 days) reaches both nights.
NOW = datetime(2027, 10, 25, 12, 0, tzinfo=UTC)
MINUTES = 30


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


REPEATED = [
    pytest.param("Europe/Berlin", utc(2027, 10, 31, 0, 30), id="berlin-first-0230"),
    pytest.param("Europe/Berlin", utc(2027, 10, 31, 1, 30), id="berlin-second-0230"),
    pytest.param("America/New_York", utc(2027, 11, 7, 5, 30), id="new-york-first-0130"),
    pytest.param("America/New_York", utc(2027, 11, 7, 6, 30), id="new-york-second-0130"),
]


def setup_staff(services, zone: str) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Nora", zone)
    services.directory.add_service("Consult", MINUTES)
    services.settings.update(booking_window_days=30)


async def book_and_sync(services, instant: datetime):  # type: ignore[no-untyped-def]
    booking = services.bookings.add("Nora", "Consult", "Ada", instant)
    await services.engine.drain()
    assert services.bookings.get(booking.id).sync_state == "synced"
    return booking


async def assert_imports_leave_it(services, booking, instant: datetime) -> None:  # type: ignore[no-untyped-def]
    """A full import and an incremental one: the booking is not moved, nothing is queued."""
    for _ in range(2):
        report = await services.importer.import_all(now=NOW)
        (result,) = report.connections
        assert result.ok, result.message
        assert result.moved_bookings == 0
        after = services.bookings.get(booking.id)
        assert (after.start, after.end) == (instant, instant + timedelta(minutes=MINUTES))
        assert after.version == 1
    assert services.engine.outbox_view.pending_count() == 0


# ----------------------------------------------------------------------------- CalDAV (Radicale)


async def connect_caldav(services, calendar: CalendarFixture) -> None:  # type: ignore[no-untyped-def]
    server = calendar.server
    await services.connections.connect_caldav(
        staff="Nora", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar.url,
    )


@pytest.mark.parametrize(("zone", "instant"), REPEATED)
async def test_caldav_writes_the_instant_and_import_leaves_it(
    services, caldav_calendar: CalendarFixture, zone: str, instant: datetime  # type: ignore[no-untyped-def]
) -> None:
    setup_staff(services, zone)
    await connect_caldav(services, caldav_calendar)
    booking = await book_and_sync(services, instant)

    (event,) = caldav_calendar.reader().events()
    assert event.decoded("DTSTART").astimezone(UTC) == instant
    assert event.decoded("DTEND").astimezone(UTC) == instant + timedelta(minutes=MINUTES)
    await assert_imports_leave_it(services, booking, instant)


async def test_caldav_normal_times_keep_the_staff_zone(services, caldav_calendar: CalendarFixture) -> None:  # type: ignore[no-untyped-def]
    setup_staff(services, "Europe/Berlin")
    await connect_caldav(services, caldav_calendar)
    await book_and_sync(services, utc(2027, 10, 31, 8, 0))
    (resource,) = caldav_calendar.reader().resources()
    assert "DTSTART;TZID=Europe/Berlin:20271031T090000" in resource.text


async def test_caldav_event_written_the_old_way_is_not_taken_for_a_move(  # type: ignore[no-untyped-def]
    services, caldav_calendar: CalendarFixture
) -> None:
    """An event an older BizCal wrote as TZID=Europe/Berlin:...T023000 for the second 02:30 reads
    back as the first one; that is our own write, not a move."""
    setup_staff(services, "Europe/Berlin")
    await connect_caldav(services, caldav_calendar)
    second = utc(2027, 10, 31, 1, 30)
    booking = await book_and_sync(services, second)
    reader = caldav_calendar.reader()
    (resource,) = reader.resources()
    calendar = icalendar.Calendar.from_ical(resource.text)
    event = next(iter(calendar.walk("VEVENT")))
    berlin = ZoneInfo("Europe/Berlin")
    event["DTSTART"] = icalendar.vDDDTypes(datetime(2027, 10, 31, 2, 30, tzinfo=berlin))
    event["DTEND"] = icalendar.vDDDTypes(datetime(2027, 10, 31, 3, 0, tzinfo=berlin))
    calendar.add_missing_timezones()
    text = calendar.to_ical().decode()
    assert "DTSTART;TZID=Europe/Berlin:20271031T023000" in text
    assert reader.put(resource.href, text, etag=resource.etag).status_code in (200, 201, 204)

    await assert_imports_leave_it(services, booking, second)


# ----------------------------------------------------------------------------- Google (fake)


@pytest.fixture
def google_services(google_fake: GoogleFake, google_client_file, monkeypatch, request):  # type: ignore[no-untyped-def]
    endpoints = google_fake.endpoints(google_client_file)
    monkeypatch.setenv("BIZCAL_GOOGLE_API_BASE", endpoints.api_base)
    monkeypatch.setenv("BIZCAL_GOOGLE_TOKEN_URI", endpoints.token_uri)
    return request.getfixturevalue("services")  # built after the endpoints are in the environment


def google_instant(value: dict[str, str]) -> datetime:
    """A Google start/end as Google reads it: the offset when the dateTime has one, else timeZone."""
    parsed = datetime.fromisoformat(value["dateTime"])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(value["timeZone"]))  # first of two, like any reader
    return parsed.astimezone(UTC)


@pytest.mark.parametrize(("zone", "instant"), REPEATED)
async def test_google_writes_the_instant_and_import_leaves_it(
    google_services, google_fake: GoogleFake, zone: str, instant: datetime  # type: ignore[no-untyped-def]
) -> None:
    services = google_services
    setup_staff(services, zone)
    seed_connection(services, staff="Nora", provider="google", display_name="Google – nora",
                    calendar_id="primary", secret=google_fake.grant_token_json())
    booking = await book_and_sync(services, instant)

    stored = google_fake.calendar().get(booking.public_id)
    assert stored is not None
    assert datetime.fromisoformat(stored["start"]["dateTime"]).tzinfo is not None  # an offset: unambiguous
    assert google_instant(stored["start"]) == instant
    assert google_instant(stored["end"]) == instant + timedelta(minutes=MINUTES)
    await assert_imports_leave_it(services, booking, instant)


# ----------------------------------------------------------------------------- Microsoft (fake)


@pytest.fixture
def ms_services(ms_fake: MicrosoftFake, monkeypatch, request):  # type: ignore[no-untyped-def]
    for name, value in ms_fake.env().items():
        monkeypatch.setenv(name, value)
    return request.getfixturevalue("services")  # built after the endpoints are in the environment


def connect_microsoft(services, ms_fake: MicrosoftFake, cache_json: str) -> None:  # type: ignore[no-untyped-def]
    seed_connection(services, staff="Nora", provider="microsoft", display_name="Microsoft 365 – nora",
                    calendar_id=ms_fake.primary.id, secret=cache_json)


@pytest.mark.parametrize(("zone", "instant"), REPEATED)
async def test_microsoft_writes_the_instant_and_import_leaves_it(
    ms_services, ms_fake: MicrosoftFake, ms_cache_json: str, zone: str, instant: datetime  # type: ignore[no-untyped-def]
) -> None:
    services = ms_services
    setup_staff(services, zone)
    connect_microsoft(services, ms_fake, ms_cache_json)
    booking = await book_and_sync(services, instant)

    (stored,) = ms_fake.primary.all_events()
    assert parse_graph_time(stored["start"]) == instant  # a naive dateTime is read in its timeZone
    assert parse_graph_time(stored["end"]) == instant + timedelta(minutes=MINUTES)
    await assert_imports_leave_it(services, booking, instant)


async def test_microsoft_normal_times_keep_the_staff_zone(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake, ms_cache_json: str
) -> None:
    setup_staff(ms_services, "Europe/Berlin")
    connect_microsoft(ms_services, ms_fake, ms_cache_json)
    await book_and_sync(ms_services, utc(2027, 10, 31, 8, 0))
    (stored,) = ms_fake.primary.all_events()
    assert stored["start"] == {"dateTime": "2027-10-31T09:00:00", "timeZone": "Europe/Berlin"}


async def test_microsoft_event_written_the_old_way_is_not_taken_for_a_move(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake, ms_cache_json: str
) -> None:
    services = ms_services
    setup_staff(services, "Europe/Berlin")
    connect_microsoft(services, ms_fake, ms_cache_json)
    second = utc(2027, 10, 31, 1, 30)
    booking = await book_and_sync(services, second)
    (stored,) = ms_fake.primary.all_events()
    ms_fake.primary.edit_event(stored["id"], {  # what an older BizCal sent for the second 02:30
        "start": {"dateTime": "2027-10-31T02:30:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2027-10-31T03:00:00", "timeZone": "Europe/Berlin"},
    })
    await assert_imports_leave_it(services, booking, second)
