"""Staff and services: rename, time zone, archive and restore, and what archiving enforces.

Archiving keeps bookings, history and calendar connections; it refuses new bookings (and new times)
for the staff member, offers no slots for them, and stops reading their calendars for busy times.
A service that is archived or not offered cannot be booked; its existing bookings can still move.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.errors import UserInputError
from tests.fixtures.server_process import free_port
from tests.support.connections import seed_connection


def soon(days: int = 3) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


@pytest.fixture
def mark(services):  # type: ignore[no-untyped-def]
    return services.directory.add_staff("Mark", "Europe/Berlin")


@pytest.fixture
def massage(services):  # type: ignore[no-untyped-def]
    return services.directory.add_service("Massage", 60, buffer_after=15)


def dead_connection(services, staff_id: int):  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}/"
    return seed_connection(
        services, staff=staff_id, provider="caldav", provider_type="generic", display_name="Studio",
        server_url=url, username="mark", calendar_id=url + "cal/", calendar_href=url + "cal/",
        calendar_name="Studio", secret="x",
    )


def test_rename_and_time_zone(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    booking = services.bookings.add(mark.id, massage.id, "Emma", f"{soon()}T10:00")
    renamed = services.directory.rename_staff("Mark", "Marcus")
    assert renamed.name == "Marcus" and services.directory.find_staff(mark.id).name == "Marcus"
    assert services.bookings.get(booking.id).staff_name == "Marcus"
    moved_zone = services.directory.set_staff_timezone("Marcus", "America/New_York")
    assert moved_zone.timezone == "America/New_York"
    kept = services.bookings.get(booking.id)  # the booking keeps its instant and its zone
    assert (kept.start, kept.timezone) == (booking.start, "Europe/Berlin")
    with pytest.raises(UserInputError, match="Unknown time zone"):
        services.directory.set_staff_timezone(mark.id, "Mars/Base")
    with pytest.raises(UserInputError, match="needs a name"):
        services.directory.rename_staff(mark.id, "  ")


def test_names_stay_unique_and_say_when_the_holder_is_archived(services, mark) -> None:  # type: ignore[no-untyped-def]
    anna = services.directory.add_staff("Anna", "Europe/Berlin")
    with pytest.raises(UserInputError, match="'Mark' already exists.$"):
        services.directory.rename_staff(anna.id, "Mark")
    services.directory.archive_staff(mark.id)
    with pytest.raises(UserInputError, match="already exists but is archived; restore them"):
        services.directory.add_staff("Mark", "UTC")
    assert services.directory.rename_staff(anna.id, "Anna").name == "Anna"  # its own name is free


def test_archive_impact_counts_future_bookings_and_connected_calendars(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    for day in (1, 2, 3):
        services.bookings.add(mark.id, massage.id, f"Customer {day}", f"{soon(day)}T10:00")
    past = services.bookings.add(mark.id, massage.id, "Past", "2020-01-06T10:00")
    cancelled = services.bookings.add(mark.id, massage.id, "Gone", f"{soon(4)}T10:00")
    services.bookings.cancel(cancelled.id)
    dead_connection(services, mark.id)
    impact = services.directory.staff_archive_impact("Mark")
    assert (impact.name, impact.future_bookings, impact.connections) == ("Mark", 3, 1)
    assert services.bookings.get(past.id).status == "confirmed"


def test_archived_staff_keep_their_bookings_but_get_no_new_ones(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    booking = services.bookings.add(mark.id, massage.id, "Emma", f"{soon()}T10:00")
    services.directory.archive_staff("Mark")
    assert [s.name for s in services.directory.list_staff()] == []
    assert [s.name for s in services.directory.list_staff(include_archived=True)] == ["Mark"]
    with pytest.raises(UserInputError, match="Mark is archived"):
        services.bookings.add(mark.id, massage.id, "Eve", f"{soon()}T14:00")
    with pytest.raises(UserInputError, match="Mark is archived"):
        services.bookings.move(booking.id, f"{soon()}T15:00")
    with pytest.raises(UserInputError, match="no times are offered"):
        services.availability.slots(mark.id, massage.id, soon(), 1)
    assert services.bookings.get(booking.id).status == "confirmed"
    assert services.bookings.cancel(booking.id).status == "cancelled"  # cancelling still works
    services.directory.restore_staff("Mark")
    assert services.bookings.add(mark.id, massage.id, "Eve", f"{soon()}T14:00").staff_name == "Mark"
    assert services.availability.slots(mark.id, massage.id, soon(7), 7)


def test_archived_staff_calendars_are_not_read_but_stay_connected(services, mark) -> None:  # type: ignore[no-untyped-def]
    connection = dead_connection(services, mark.id)
    before = asyncio.run(services.importer.import_all())
    assert [c.connection_id for c in before.connections] == [connection.id]
    services.directory.archive_staff(mark.id)
    after = asyncio.run(services.importer.import_all())
    assert after.connections == []
    [kept] = services.connections.list()
    assert kept.id == connection.id and kept.status == "active"


def test_service_edit_offered_and_archive(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    booking = services.bookings.add(mark.id, massage.id, "Emma", f"{soon()}T10:00")
    edited = services.directory.edit_service("Massage", name="Deep massage", duration_minutes=90,
                                             buffer_before=5, offered=False)
    assert (edited.name, edited.duration_minutes, edited.buffer_before_minutes, edited.buffer_after_minutes,
            edited.offered) == ("Deep massage", 90, 5, 15, False)
    kept = services.bookings.get(booking.id)  # made for 60 minutes, and it stays so
    assert kept.end - kept.start == timedelta(minutes=60)
    with pytest.raises(UserInputError, match="not offered"):
        services.bookings.add(mark.id, massage.id, "Eve", f"{soon()}T14:00")
    assert [s.name for s in services.directory.list_services()] == ["Deep massage"]
    assert services.directory.list_services(bookable_only=True) == []
    services.bookings.move(booking.id, f"{soon()}T12:00")  # an existing booking still moves
    services.directory.edit_service(massage.id, offered=True)
    assert services.directory.service_archive_impact(massage.id).future_bookings == 1
    services.directory.archive_service(massage.id)
    assert services.directory.list_services() == []
    assert [s.archived for s in services.directory.list_services(include_archived=True)] == [True]
    with pytest.raises(UserInputError, match="archived"):
        services.bookings.add(mark.id, massage.id, "Eve", f"{soon()}T14:00")
    with pytest.raises(UserInputError, match="between 1 minute and 24 hours"):
        services.directory.edit_service(massage.id, duration_minutes=0)
    assert services.directory.restore_service(massage.id).bookable


def test_search_finds_part_of_a_name_ignoring_case_across_dates(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    berlin = ZoneInfo("Europe/Berlin")
    services.bookings.add(mark.id, massage.id, "Jürgen Müller", f"{soon(9)}T10:00")
    services.bookings.add(mark.id, massage.id, "Emma Schulz", f"{soon(1)}T10:00")
    services.bookings.add(mark.id, massage.id, "Anna MÜLLER-Lang", "2021-03-01T09:00")
    services.bookings.add(mark.id, massage.id, "Liam", f"{soon(2)}T10:00")
    gone = services.bookings.add(mark.id, massage.id, "Old Müller", f"{soon(3)}T10:00")
    services.bookings.cancel(gone.id)
    found = services.bookings.search("müll")
    assert [b.customer_name for b in found] == ["Anna MÜLLER-Lang", "Jürgen Müller"]  # oldest first
    assert found[0].start.astimezone(berlin).year == 2021
    assert [b.customer_name for b in services.bookings.search("MÜLL", include_cancelled=True)] == [
        "Anna MÜLLER-Lang", "Old Müller", "Jürgen Müller"]
    assert [b.customer_name for b in services.bookings.search(" emma ")] == ["Emma Schulz"]
    assert services.bookings.search("   ") == []
    services.bookings.add(mark.id, massage.id, "Lena Straße", f"{soon(4)}T10:00")
    assert [b.customer_name for b in services.bookings.search("STRASSE")] == ["Lena Straße"]
    anna = services.directory.add_staff("Anna", "Europe/Berlin")
    assert services.bookings.search("müller", staff=anna.id) == []


def test_remembered_booking_choice(services, mark, massage) -> None:  # type: ignore[no-untyped-def]
    assert services.settings.last_booking_choice() == (None, None)
    services.settings.remember_booking_choice(mark.id, massage.id)
    assert services.settings.last_booking_choice() == (mark.id, massage.id)
