"""What events show of a booking, per privacy level, as each calendar stores it; and no attendees ever.

CalDAV is read back from a real Radicale with the fixture's own reader (raw iCalendar text too, so
an ATTENDEE or ORGANIZER line would be seen); Google and Microsoft are their fakes' stored events.
The engine, planner and providers are the real ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.domain.privacy import initials
from tests.fakes.google import GoogleFake
from tests.fakes.microsoft import MicrosoftFake
from tests.fixtures.radicale import CalendarFixture
from tests.support.connections import seed_connection

CUSTOMER = "Emma Schmidt"
#: level -> (title, the customer as the description names them, or None when it must not)
EXPECTED = {
    "full": ("Massage – Emma Schmidt", "Customer: Emma Schmidt"),
    "initials": ("Massage – E. S.", "Customer: E. S."),
    "service": ("Massage", None),
    "busy": ("Busy", None),
}


def start_text() -> str:
    return (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT10:00")


def set_up(services, level: str) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.settings.set_event_privacy(level)


def check_description(level: str, description: str) -> None:
    _title, customer = EXPECTED[level]
    if level == "busy":
        assert description == "", "a Busy event says nothing else"
        return
    assert "Massage" in description
    if customer is None:
        assert "Emma" not in description and "Schmidt" not in description and initials(CUSTOMER) not in description
    else:
        assert customer in description
    if level == "initials":
        assert "Emma" not in description and "Schmidt" not in description


# ----------------------------------------------------------------------------- CalDAV (Radicale)


@pytest.mark.parametrize("level", list(EXPECTED))
async def test_caldav_event_shows_what_the_level_allows(  # type: ignore[no-untyped-def]
    services, caldav_calendar: CalendarFixture, level: str
) -> None:
    set_up(services, level)
    await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=caldav_calendar.server.url,
        username=caldav_calendar.server.username, password=caldav_calendar.server.password,
        calendar=caldav_calendar.url,
    )
    services.bookings.add("Mark", "Massage", CUSTOMER, start_text())
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)

    reader = caldav_calendar.reader()
    (resource,) = reader.resources()
    assert "ATTENDEE" not in resource.text and "ORGANIZER" not in resource.text
    (event,) = reader.events()
    assert str(event["SUMMARY"]) == EXPECTED[level][0]
    check_description(level, str(event.get("DESCRIPTION", "")))
    if level == "busy":
        assert "Massage" not in resource.text and "Emma" not in resource.text
    if level in ("service", "busy"):
        assert "Emma" not in resource.text and "E. S." not in resource.text


# ----------------------------------------------------------------------------- Google (fake)


@pytest.fixture
def google_services(google_fake: GoogleFake, google_client_file, monkeypatch, request):  # type: ignore[no-untyped-def]
    endpoints = google_fake.endpoints(google_client_file)
    monkeypatch.setenv("BIZCAL_GOOGLE_API_BASE", endpoints.api_base)
    monkeypatch.setenv("BIZCAL_GOOGLE_TOKEN_URI", endpoints.token_uri)
    return request.getfixturevalue("services")  # built after the endpoints are in the environment


@pytest.mark.parametrize("level", list(EXPECTED))
async def test_google_event_shows_what_the_level_allows(  # type: ignore[no-untyped-def]
    google_services, google_fake: GoogleFake, level: str
) -> None:
    services = google_services
    set_up(services, level)
    seed_connection(services, staff="Mark", provider="google", display_name="Google – mark",
                    calendar_id="primary", secret=google_fake.grant_token_json())
    booking = services.bookings.add("Mark", "Massage", CUSTOMER, start_text())
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)

    stored = google_fake.calendar().get(booking.public_id)
    assert stored is not None
    assert stored["summary"] == EXPECTED[level][0]
    check_description(level, stored.get("description") or "")
    assert not stored.get("attendees"), "a customer is never an attendee"


# ----------------------------------------------------------------------------- Microsoft (fake)


@pytest.fixture
def ms_services(ms_fake: MicrosoftFake, monkeypatch, request):  # type: ignore[no-untyped-def]
    for name, value in ms_fake.env().items():
        monkeypatch.setenv(name, value)
    return request.getfixturevalue("services")  # built after the endpoints are in the environment


@pytest.mark.parametrize("level", list(EXPECTED))
async def test_microsoft_event_shows_what_the_level_allows(  # type: ignore[no-untyped-def]
    ms_services, ms_fake: MicrosoftFake, ms_cache_json: str, level: str
) -> None:
    services = ms_services
    set_up(services, level)
    seed_connection(services, staff="Mark", provider="microsoft", display_name="Microsoft 365 – mark",
                    calendar_id=ms_fake.primary.id, secret=ms_cache_json)
    services.bookings.add("Mark", "Massage", CUSTOMER, start_text())
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (1, 0)

    (stored,) = ms_fake.primary.all_events()
    assert stored["subject"] == EXPECTED[level][0]
    check_description(level, (stored.get("body") or {}).get("content") or "")
    assert not stored.get("attendees"), "a customer is never an attendee"


# ----------------------------------------------------------------------------- the bodies themselves


def test_no_provider_body_can_carry_an_attendee() -> None:
    """What each provider builds from a spec, before any server: no attendee field at all."""
    from bizcal_desktop.providers.base import EventSpec
    from bizcal_desktop.providers.caldav.ical_event import build_ics
    from bizcal_desktop.providers.google.events import event_body as google_body
    from bizcal_desktop.providers.microsoft.events import event_body as graph_body

    now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    spec = EventSpec("a" * 32, "Massage – Emma Schmidt", "Customer: Emma Schmidt", now, now + timedelta(hours=1),
                     "Europe/Berlin")
    assert "ATTENDEE" not in build_ics(spec) and "ORGANIZER" not in build_ics(spec)
    for body in (google_body(spec), graph_body(spec)):
        assert not {"attendees", "organizer"} & set(body)
