"""Staff & Services: add, rename, re-zone and archive staff (asked first, with what is kept), their own
working hours; add, edit and archive services; and what archiving means for New booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from bizcal_desktop.ui.bookings_window import BookingsWindow
from bizcal_desktop.ui.staff_services_window import StaffServicesWindow
from bizcal_desktop.ui.tasks import running_tasks
from tests.ui.conftest import connect_broken, run_async


def soon(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def settled(window) -> bool:  # type: ignore[no-untyped-def]
    return window.last_refresh is not None and window.last_refresh.done() and not window.refreshing


@pytest.fixture
def window(controller, qtbot, services):  # type: ignore[no-untyped-def]
    services.settings.update(timezone="Europe/Berlin")
    w = StaffServicesWindow(controller)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: settled(w))
    return w


def accept(box: QMessageBox) -> None:
    [yes] = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    yes.click()


def names(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.name for r in tab.model.rows()]


def test_add_a_staff_member_and_a_refusal_keeps_the_form(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    tab = window.staff_tab
    dialog = tab.open_add()
    assert dialog.timezone.currentText() == "Europe/Berlin"  # the business's zone to start with
    dialog.name.setText("Mark Weber")
    run_async(qtbot, dialog.save())
    assert services.directory.find_staff("Mark Weber").timezone == "Europe/Berlin"
    qtbot.waitUntil(lambda: names(tab) == ["Mark Weber"])
    again = tab.open_add()
    again.name.setText("Mark Weber")
    again.timezone.setCurrentText("America/New_York")
    again.ok_button.click()
    qtbot.waitUntil(lambda: "already exists" in again.error.text())
    assert again.isVisible() and again.name.text() == "Mark Weber"
    assert again.timezone.currentText() == "America/New_York"


def test_rename_and_change_the_time_zone(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    mark = services.directory.add_staff("Mark", "Europe/Berlin")
    window.request_refresh()
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Mark"])
    window.staff_tab.table.selectRow(0)
    dialog = window.staff_tab.open_edit()
    assert dialog is not None and dialog.name.text() == "Mark"
    dialog.name.setText("Marcus")
    dialog.timezone.setCurrentText("new york")  # a city is enough
    run_async(qtbot, dialog.save())
    changed = services.directory.find_staff(mark.id)
    assert (changed.name, changed.timezone) == ("Marcus", "America/New_York")
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Marcus"])


def test_archive_says_what_is_kept_then_archives(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    mark = services.directory.add_staff("Mark", "Europe/Berlin")
    service = services.directory.add_service("Massage", 60)
    for day in (2, 3, 4):
        services.bookings.add(mark.id, service.id, f"Customer {day}", f"{soon(day)}T10:00")
    connect_broken(services, mark.id, 9)
    window.request_refresh()
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Mark"])
    window.staff_tab.table.selectRow(0)
    box = run_async(qtbot, window.staff_tab.ask_archive())
    assert box.text() == (
        "Mark has 3 future bookings and 1 calendar connection. Archiving keeps them: the bookings stay in the "
        "calendar and can still be cancelled. No new bookings can be made for Mark, and Mark's calendars are "
        "no longer read for busy times. Archive Mark?"
    )
    accept(box)
    qtbot.waitUntil(lambda: services.directory.find_staff(mark.id).archived)
    qtbot.waitUntil(lambda: names(window.staff_tab) == [])
    assert len(services.bookings.list(staff=mark.id)) == 3  # kept
    window.staff_tab.show_archived.setChecked(True)
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Mark"])
    assert window.staff_tab.model.index(0, 3).data() == "Archived"
    window.staff_tab.table.selectRow(0)
    assert window.staff_tab.restore_button.isEnabled() and not window.staff_tab.archive_button.isEnabled()
    window.staff_tab.restore_button.click()
    qtbot.waitUntil(lambda: not services.directory.find_staff(mark.id).archived)


def test_archiving_someone_without_bookings_asks_plainly(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    services.directory.add_staff("Anna", "Europe/Berlin")
    window.request_refresh()
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Anna"])
    window.staff_tab.table.selectRow(0)
    box = run_async(qtbot, window.staff_tab.ask_archive())
    assert box.text().startswith("Archive Anna? No new bookings can be made for Anna;")
    box.reject()
    assert not services.directory.find_staff("Anna").archived


def test_own_working_hours(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    anna = services.directory.add_staff("Anna", "Europe/Berlin")
    window.request_refresh()
    qtbot.waitUntil(lambda: names(window.staff_tab) == ["Anna"])
    tab = window.staff_tab
    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: all(t.done() for t in running_tasks()))  # Anna's hours are loaded, not loading
    qtbot.waitUntil(lambda: tab.use_business.isChecked())
    assert tab.hours.day_hours["mon"].text() == "09:00-17:00" and not tab.hours.day_open["mon"].isEnabled()
    tab.use_own.setChecked(True)
    tab.hours.day_open["sat"].setChecked(True)
    tab.hours.day_hours["sat"].setText("10:00 - 14:00")
    tab.hours.day_open["fri"].setChecked(False)
    run_async(qtbot, tab.save_hours())
    assert services.settings.staff_hours(anna.id) == {
        "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"],
        "fri": [], "sat": ["10:00-14:00"], "sun": [],
    }
    qtbot.waitUntil(lambda: settled(window))
    qtbot.waitUntil(lambda: all(t.done() for t in running_tasks()))  # the reselected row's hours are shown
    assert tab.model.index(0, 2).data() == "Own hours"
    tab.use_business.setChecked(True)
    run_async(qtbot, tab.save_hours())
    assert services.settings.staff_hours(anna.id) is None


def test_services_add_edit_and_archive(window, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    tab = window.services_tab
    window.tabs.setCurrentWidget(tab)
    dialog = tab.open_add()
    dialog.name.setText("Massage")
    dialog.duration.setValue(60)
    dialog.buffer_after.setValue(15)
    run_async(qtbot, dialog.save())
    massage = services.directory.find_service("Massage")
    assert (massage.duration_minutes, massage.buffer_after_minutes, massage.offered) == (60, 15, True)
    qtbot.waitUntil(lambda: names(tab) == ["Massage"])
    tab.table.selectRow(0)
    edit = tab.open_edit()
    assert edit is not None and edit.duration.value() == 60
    edit.duration.setValue(90)
    edit.offered.setChecked(False)
    run_async(qtbot, edit.save())
    changed = services.directory.find_service(massage.id)
    assert (changed.duration_minutes, changed.offered) == (90, False)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and tab.model.index(0, 4).data() == "Not offered")
    staff = services.directory.add_staff("Anna", "Europe/Berlin")
    services.directory.edit_service(massage.id, offered=True)
    services.bookings.add(staff.id, massage.id, "Emma", f"{soon(3)}T10:00")
    tab.table.selectRow(0)
    box = run_async(qtbot, tab.ask_archive())
    assert box.text().startswith("Massage has 1 future booking. Archiving keeps them")
    accept(box)
    qtbot.waitUntil(lambda: services.directory.find_service(massage.id).archived)
    qtbot.waitUntil(lambda: names(tab) == [])


def test_new_booking_offers_no_archived_staff_and_no_service_off_offer(  # type: ignore[no-untyped-def]
    controller, qtbot, services
) -> None:
    services.directory.add_staff("Anna", "Europe/Berlin")
    mark = services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Haircut", 45)
    paused = services.directory.add_service("Winter treatment", 60)
    services.directory.archive_staff(mark.id)
    services.directory.edit_service(paused.id, offered=False)
    bookings = BookingsWindow(controller)
    qtbot.addWidget(bookings)
    dialog = bookings.open_new()
    qtbot.waitUntil(lambda: dialog.load_task.done() and dialog.staff.count() > 0)
    assert [dialog.staff.itemText(i) for i in range(dialog.staff.count())] == ["Anna"]
    assert [dialog.service.itemText(i) for i in range(dialog.service.count())] == ["Haircut (45 min)"]
    dialog.reject()
