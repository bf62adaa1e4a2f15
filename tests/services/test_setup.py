"""SetupService: how far a folder is set up, and the wizard's answers saved all or nothing."""

from __future__ import annotations

import pytest

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.setup import ServiceDraft, SetupDraft
from bizcal_desktop.store.settings import DEFAULT_HOURS

HOURS = {"mon": ["08:00-16:00"], "tue": ["08:00-16:00"], "sat": ["10:00-14:00"]}


def draft(**changes) -> SetupDraft:  # type: ignore[no-untyped-def]
    values = {
        "name": "Mark Weber",
        "timezone": "Europe/Berlin",
        "services": (ServiceDraft("Massage", 60, 0, 15), ServiceDraft("Sports massage", 45, 5, 10)),
        "hours": HOURS,
    }
    values.update(changes)
    return SetupDraft(**values)


def test_a_fresh_folder_needs_the_wizard(services) -> None:  # type: ignore[no-untyped-def]
    status = services.setup.status()
    assert status.needs_wizard and not status.basics_saved and not status.finished
    assert status.draft() is None


def test_saving_the_answers_writes_staff_services_and_business_hours(services) -> None:  # type: ignore[no-untyped-def]
    status = services.setup.save_basics(draft())
    assert status.staff is not None and status.staff.name == "Mark Weber"
    assert status.staff.timezone == "Europe/Berlin"
    assert [(s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes)
            for s in services.directory.list_services()] == [("Massage", 60, 0, 15), ("Sports massage", 45, 5, 10)]
    business = services.settings.get()
    assert business.timezone == "Europe/Berlin"
    assert business.working_hours["sat"] == ["10:00-14:00"] and business.working_hours["wed"] == []
    assert services.settings.staff_hours(status.staff.id) is None  # a solo practice: the business's hours
    assert status.basics_saved and not status.needs_wizard and not status.finished


def test_saving_again_updates_instead_of_adding(services) -> None:  # type: ignore[no-untyped-def]
    first = services.setup.save_basics(draft())
    again = first.draft()
    assert again is not None
    renamed = tuple(
        ServiceDraft("Deep tissue", 90, s.buffer_before_minutes, s.buffer_after_minutes, s.id)
        if s.name == "Massage" else s
        for s in again.services
    )
    services.setup.save_basics(SetupDraft("Mark W.", "Europe/Vienna", renamed, HOURS, again.staff_id))
    [staff] = services.directory.list_staff()
    assert (staff.id, staff.name, staff.timezone) == (again.staff_id, "Mark W.", "Europe/Vienna")
    assert sorted(s.name for s in services.directory.list_services()) == ["Deep tissue", "Sports massage"]


def test_a_refused_answer_saves_nothing(services) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_service("Sports massage", 30)  # made elsewhere meanwhile (the CLI)
    with pytest.raises(UserInputError, match="already exists"):
        services.setup.save_basics(draft())
    assert services.directory.list_staff() == []  # the staff member went with the failed transaction
    assert [s.name for s in services.directory.list_services()] == ["Sports massage"]
    assert services.settings.get().working_hours == DEFAULT_HOURS


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "  "}, "your name"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"services": ()}, "at least one service"),
        ({"services": (ServiceDraft("Massage", 60), ServiceDraft("massage ", 30))}, "listed twice"),
        ({"hours": {"mon": []}}, "at least one day"),
        ({"hours": {"mon": ["17:00-09:00"]}}, "Working hours"),
    ],
)
def test_answers_are_checked_before_anything_is_written(services, changes, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError, match=words):
        services.setup.save_basics(draft(**changes))
    assert services.directory.list_staff() == [] and services.directory.list_services() == []


def test_staff_with_own_hours_keep_them_there(services) -> None:  # type: ignore[no-untyped-def]
    staff = services.directory.add_staff("Mark Weber", "Europe/Berlin")
    services.settings.set_staff_hours(staff.id, {"mon": ["07:00-12:00"]})
    status = services.setup.status()
    assert status.own_hours and status.hours["mon"] == ["07:00-12:00"]
    services.setup.save_basics(draft(staff_id=staff.id))
    assert services.settings.staff_hours(staff.id)["sat"] == ["10:00-14:00"]
    assert services.settings.get().working_hours == DEFAULT_HOURS


def test_finished_by_the_last_page_or_by_a_folder_set_up_with_the_cli(services) -> None:  # type: ignore[no-untyped-def]
    services.setup.save_basics(draft())
    assert not services.setup.status().finished
    assert services.setup.mark_finished().finished


def test_a_cli_set_up_counts_as_finished(services) -> None:  # type: ignore[no-untyped-def]
    from tests.support.connections import seed_connection

    staff = services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    assert not services.setup.status().finished
    seed_connection(services, staff=staff.id, provider="caldav", provider_type="generic", display_name="Work",
                    server_url="http://127.0.0.1:9/", username="mark", calendar_id="http://127.0.0.1:9/c/",
                    calendar_href="http://127.0.0.1:9/c/", calendar_name="Work", secret="pw")
    assert services.setup.status().finished
