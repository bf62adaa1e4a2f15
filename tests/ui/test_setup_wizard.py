"""The first-run wizard, driven through its buttons on a fresh data folder: CalDAV against a real
Radicale (then a booking reaches the calendar), "Later", Cancel before and after the save point,
resuming after a partial set-up, and failures that keep what was typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.store.settings import DEFAULT_HOURS
from bizcal_desktop.ui.caldav_wizard import CalDAVWizard
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.setup_wizard import CONNECT, DONE, HOURS, SERVICES, YOU, SetupWizard
from tests.ui.conftest import run_async

NEXT = QWizard.WizardButton.NextButton


@pytest.fixture
def controller(qloop, services):  # type: ignore[no-untyped-def]
    return DesktopController(services)


def open_wizard(qtbot, controller, wizard: SetupWizard | None = None) -> SetupWizard:  # type: ignore[no-untyped-def]
    if wizard is None:
        wizard = SetupWizard(controller)
        qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.load_task is not None and wizard.load_task.done())
    wizard.load_task.result()
    return wizard


def click(qtbot, wizard: SetupWizard, which: QWizard.WizardButton = NEXT) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(which)
    assert button.isEnabled() and button.isVisible(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer_questions(qtbot, wizard: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    """You, Services (the example kept, one added), Hours (Saturday morning added)."""
    assert wizard.currentId() == YOU
    assert not wizard.button(NEXT).isEnabled()  # a name first
    wizard.you_page.name.setText("Mark Weber")
    wizard.you_page.zone.setEditText("berlin")  # a city alone is enough
    click(qtbot, wizard)
    assert wizard.currentId() == SERVICES
    [example] = wizard.services_page.rows
    assert (example.name.text(), example.duration.value(), example.after.value()) == ("Massage", 60, 15)
    row = wizard.services_page.add_row()
    row.name.setText("Sports massage")
    row.duration.setValue(45)
    click(qtbot, wizard)
    assert wizard.currentId() == HOURS
    assert wizard.hours_page.same.isChecked()
    saturday = wizard.hours_page.days["sat"]
    saturday.open.setChecked(True)
    saturday.end.setTime(saturday.start.time().addSecs(3 * 3600))


def to_connect_page(qtbot, wizard: SetupWizard) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, wizard)  # the save point
    qtbot.waitUntil(lambda: wizard.currentId() == CONNECT)
    qtbot.waitUntil(lambda: wizard.connect_page.refresh_task.done())


def next_weekday_at_ten(zone: str) -> str:
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.isoformat()}T10:00"


def test_set_up_with_a_caldav_calendar_then_a_booking_reaches_it(  # type: ignore[no-untyped-def]
    qtbot, controller, services, caldav_calendar
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    [staff] = services.directory.list_staff()
    assert (staff.name, staff.timezone) == ("Mark Weber", "Europe/Berlin")
    assert wizard.button(NEXT).text() == "Later"

    qtbot.mouseClick(wizard.connect_page.caldav_button, Qt.MouseButton.LeftButton)
    dialog = wizard.connect_page.dialog
    assert isinstance(dialog, CalDAVWizard) and dialog.isVisible()
    qtbot.waitUntil(dialog.load_task.done)
    assert dialog.staff.currentData() == staff.id  # for the staff member just created
    server = caldav_calendar.server
    dialog.provider.setCurrentIndex(dialog.provider.findData("generic"))
    dialog.server.setText(server.url)
    dialog.username.setText(server.username)
    dialog.password.setText(server.password)
    assert run_async(qtbot, dialog.test()) is not None, dialog.result.text()
    dialog.calendar.setCurrentIndex(dialog.calendar.findData(caldav_calendar.url))
    assert run_async(qtbot, dialog.save()) is not None
    qtbot.waitUntil(lambda: wizard.button(NEXT).text() == "Next")
    assert caldav_calendar.display_name in wizard.connect_page.connected.text()

    click(qtbot, wizard)
    assert wizard.currentId() == DONE
    qtbot.waitUntil(wizard.done_page.finish_task.done)
    assert "Bookings appear in your calendar" in wizard.done_page.text.text()
    assert services.setup.status().finished
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.isVisible()

    [massage] = [s for s in services.directory.list_services() if s.name == "Massage"]
    booking = services.bookings.add(staff.id, massage.id, "Emma Fischer", next_weekday_at_ten(staff.timezone))
    run_async(qtbot, services.engine.drain())
    [event] = caldav_calendar.reader().events()
    assert str(event["SUMMARY"]) == "Massage"  # a new install: service only (domain/privacy.py)
    assert event.decoded("DTSTART") == services.bookings.get(booking.id).start


def test_later_for_the_calendar_finishes_the_set_up_without_one(  # type: ignore[no-untyped-def]
    qtbot, controller, services
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    click(qtbot, wizard)  # "Later"
    qtbot.waitUntil(wizard.done_page.finish_task.done)
    assert "No calendar is connected yet" in wizard.done_page.text.text()
    status = services.setup.status()
    assert status.finished and status.connections == 0
    assert sorted(s.name for s in status.services) == ["Massage", "Sports massage"]
    business = services.settings.get()
    assert business.timezone == "Europe/Berlin"
    assert business.working_hours["sat"] == ["09:00-12:00"] and business.working_hours["fri"] == ["09:00-17:00"]


def test_cancel_before_the_hours_are_answered_saves_nothing(  # type: ignore[no-untyped-def]
    qtbot, controller, services
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.BackButton)  # back and forth keeps the answers
    assert wizard.services_page.rows[1].name.text() == "Sports massage"
    click(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    assert not wizard.isVisible()
    assert services.directory.list_staff() == [] and services.directory.list_services() == []
    assert services.settings.get().working_hours == DEFAULT_HOURS
    assert services.setup.status().needs_wizard


def test_cancel_after_the_save_point_keeps_it_and_the_wizard_resumes(  # type: ignore[no-untyped-def]
    qtbot, controller, services
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    status = services.setup.status()
    assert status.basics_saved and not status.finished

    open_wizard(qtbot, controller, wizard)  # "Finish set-up…" from the tray opens it again
    assert wizard.currentId() == CONNECT
    assert "Welcome back" in wizard.connect_page.message.text()
    click(qtbot, wizard, QWizard.WizardButton.BackButton)  # the answers are there
    assert wizard.currentId() == HOURS and wizard.hours_page.days["sat"].open.isChecked()
    click(qtbot, wizard, QWizard.WizardButton.BackButton)
    wizard.services_page.rows[0].duration.setValue(75)
    click(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    click(qtbot, wizard)
    qtbot.waitUntil(wizard.done_page.finish_task.done)
    assert len(services.directory.list_staff()) == 1
    assert sorted((s.name, s.duration_minutes) for s in services.directory.list_services()) == [
        ("Massage", 75), ("Sports massage", 45)]
    assert services.setup.status().finished


def test_a_partial_set_up_from_before_a_crash_is_picked_up(  # type: ignore[no-untyped-def]
    qtbot, controller, services
) -> None:
    staff = services.directory.add_staff("Mark Weber", "America/New_York")
    wizard = open_wizard(qtbot, controller)
    assert wizard.currentId() == SERVICES  # the name is known: the first open question
    assert wizard.you_page.name.text() == "Mark Weber"
    assert wizard.you_page.zone.zone() == "America/New_York"
    click(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    [again] = services.directory.list_staff()
    assert again.id == staff.id
    assert [s.name for s in services.directory.list_services()] == ["Massage"]


def test_a_failed_save_says_why_and_keeps_every_answer(  # type: ignore[no-untyped-def]
    qtbot, controller, services
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)
    services.directory.add_service("Sports massage", 30)  # someone used the CLI meanwhile
    click(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.save_task is not None and wizard.save_task.done())
    assert wizard.currentId() == HOURS
    assert "'Sports massage' already exists" in wizard.hours_page.message.text()
    assert services.directory.list_staff() == []  # all or nothing
    assert wizard.hours_page.days["sat"].open.isChecked()
    assert [r.name.text() for r in wizard.services_page.rows] == ["Massage", "Sports massage"]
    assert wizard.button(NEXT).isEnabled()


def test_an_unexpected_failure_is_a_sentence_without_an_exception_name(  # type: ignore[no-untyped-def]
    qtbot, controller, services, monkeypatch
) -> None:
    wizard = open_wizard(qtbot, controller)
    answer_questions(qtbot, wizard)

    def broken(_draft):  # type: ignore[no-untyped-def]
        raise KeyError("staff_id")

    monkeypatch.setattr(services.setup, "save_basics", broken)
    click(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.save_task is not None and wizard.save_task.done())
    text = wizard.hours_page.message.text()
    assert "nothing you typed was lost" in text
    assert "KeyError" not in text and "staff_id" not in text
    assert wizard.you_page.name.text() == "Mark Weber"


def test_the_pages_refuse_with_a_sentence(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    wizard = open_wizard(qtbot, controller)
    wizard.you_page.name.setText("Mark")
    wizard.you_page.zone.setEditText("Atlantis")
    click(qtbot, wizard)
    assert wizard.currentId() == YOU and "'Atlantis' is not a time zone" in wizard.you_page.message.text()
    wizard.you_page.zone.setEditText("Europe/Berlin")
    click(qtbot, wizard)
    wizard.services_page.add_row().name.setText("massage")
    click(qtbot, wizard)
    assert wizard.currentId() == SERVICES and "same name" in wizard.services_page.message.text()
    wizard.services_page.remove_row(wizard.services_page.rows[1])
    click(qtbot, wizard)
    monday = wizard.hours_page.days["mon"]
    monday.end.setTime(monday.start.time())
    assert wizard.hours_page.days["tue"].end.time() == monday.start.time()  # same every weekday
    click(qtbot, wizard)
    assert wizard.currentId() == HOURS and "start must be before the end" in wizard.hours_page.message.text()


@pytest.fixture
def desktop(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    app = DesktopApp(services)
    yield app
    run_async(qtbot, app.controller.scheduler.stop(grace=10))
    app.windows.close_all()


def test_the_first_start_opens_the_wizard_and_the_tray_offers_it_until_done(  # type: ignore[no-untyped-def]
    desktop, qtbot, services
) -> None:
    desktop.start()
    qtbot.waitUntil(desktop.setup_check.done)
    wizard = desktop.windows.windows.get("setup")
    assert isinstance(wizard, SetupWizard) and wizard.isVisible()
    assert desktop.tray.actions["setup"].isVisible()
    qtbot.waitUntil(lambda: wizard.load_task is not None and wizard.load_task.done())
    answer_questions(qtbot, wizard)
    to_connect_page(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    assert desktop.tray.actions["setup"].isVisible()  # saved, not finished

    desktop.tray.actions["setup"].trigger()
    qtbot.waitUntil(lambda: wizard.isVisible() and wizard.load_task.done() and wizard.currentId() == CONNECT)
    click(qtbot, wizard)
    qtbot.waitUntil(lambda: not desktop.tray.actions["setup"].isVisible())


def test_a_set_up_folder_starts_quietly(desktop, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark Weber", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    services.setup.mark_finished()
    desktop.start()
    qtbot.waitUntil(desktop.setup_check.done)
    assert "setup" not in desktop.windows.windows
    assert not desktop.tray.actions["setup"].isVisible()
