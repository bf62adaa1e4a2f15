"""Bookings as a practitioner uses them: find by customer, the week beside the day, the New booking
dialog's memory, and a booking's details (where its event is, and its sync history)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bizcal_desktop.ui.bookings_window import BookingsWindow
from tests.ui.conftest import connect_radicale, run_async


def next_monday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=3)
    return day + timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def people(services):  # type: ignore[no-untyped-def]
    services.settings.update(timezone="Europe/Berlin")
    alice = services.directory.add_staff("Alice", "Europe/Berlin")
    bob = services.directory.add_staff("Bob", "Europe/Berlin")
    cut = services.directory.add_service("Haircut", 45)
    colour = services.directory.add_service("Colouring", 90)
    return alice, bob, cut, colour


def open_window(controller, qtbot, day: date) -> BookingsWindow:  # type: ignore[no-untyped-def]
    w = BookingsWindow(controller)
    qtbot.addWidget(w)
    w.set_day(day)
    w.show()
    qtbot.waitUntil(lambda: settled(w))
    return w


def settled(w: BookingsWindow) -> bool:
    return w.last_refresh is not None and w.last_refresh.done() and not w.refreshing


def customers(w: BookingsWindow) -> list[str]:
    return [b.customer_name for b in w.model.rows()]


def test_search_finds_part_of_a_name_across_dates(controller, qtbot, services, people) -> None:  # type: ignore[no-untyped-def]
    alice, bob, cut, _colour = people
    monday = next_monday()
    services.bookings.add(alice.id, cut.id, "Emma Fischer", f"{monday}T09:00")
    services.bookings.add(bob.id, cut.id, "Liam Schulz", f"{monday}T10:00")
    services.bookings.add(alice.id, cut.id, "Gemma Stone", f"{monday + timedelta(days=16)}T11:00")
    services.bookings.add(bob.id, cut.id, "Emmanuel Roth", "2021-05-03T09:00")
    w = open_window(controller, qtbot, monday)
    assert customers(w) == ["Emma Fischer", "Liam Schulz"] and w.table.isColumnHidden(0)
    w.search.setText("EMM")
    qtbot.waitUntil(lambda: settled(w) and len(w.model.rows()) == 3)
    assert customers(w) == ["Emmanuel Roth", "Emma Fischer", "Gemma Stone"]  # any date, oldest first
    assert not w.table.isColumnHidden(0)
    assert w.model.index(0, 0).data() == "Mon 2021-05-03"
    assert w.status_label.text() == "3 bookings for “EMM”, on any date."
    w.search.setText("nobody")
    qtbot.waitUntil(lambda: settled(w) and w.model.rowCount() == 0)
    assert w.status_label.text() == "No booking for a customer named “nobody”."
    w.search.clear()
    qtbot.waitUntil(lambda: settled(w) and customers(w) == ["Emma Fischer", "Liam Schulz"])
    assert w.table.isColumnHidden(0)


def test_week_view_puts_bookings_on_their_days_across_the_autumn_clock_change(  # type: ignore[no-untyped-def]
    controller, qtbot, services, people
) -> None:
    alice, _bob, cut, _colour = people
    # Berlin's clocks go back on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET): that Sunday has 25 hours.
    for customer, start in (
        ("Early Monday", "2026-10-19T00:15"),
        ("Saturday late", "2026-10-24T23:30"),
        ("Sunday early", "2026-10-25T00:30"),
        ("Sunday late", "2026-10-25T23:30"),  # 22:30 UTC: past "Monday 00:00" if days were 24 h
        ("Next Monday", "2026-10-26T00:30"),
        ("Sunday before", "2026-10-18T23:30"),
    ):
        services.bookings.add(alice.id, cut.id, customer, start)
    w = open_window(controller, qtbot, date(2026, 10, 21))
    days = [date(2026, 10, 19) + timedelta(days=i) for i in range(7)]
    assert w.week.days == days
    columns = {d: w.week.column_texts(d) for d in days}
    assert columns == {
        date(2026, 10, 19): ["00:15 Early Monday"],
        date(2026, 10, 20): [], date(2026, 10, 21): [], date(2026, 10, 22): [], date(2026, 10, 23): [],
        date(2026, 10, 24): ["23:30 Saturday late"],
        date(2026, 10, 25): ["00:30 Sunday early", "23:30 Sunday late"],
    }
    assert w.week.horizontalHeaderItem(0).text() == "Mon 19 Oct"
    # Clicking a booking in the week shows its day with it selected.
    sunday = w.week.item(1, 6)
    assert sunday.text() == "23:30 Sunday late"
    w.week.cellClicked.emit(1, 6)
    qtbot.waitUntil(lambda: settled(w) and w.selected_day() == date(2026, 10, 25) and w.selected_booking() is not None)
    assert w.selected_booking().customer_name == "Sunday late"


def test_new_booking_remembers_the_last_staff_member_and_service(controller, qtbot, services, people) -> None:  # type: ignore[no-untyped-def]
    _alice, bob, cut, _colour = people
    monday = next_monday()
    w = open_window(controller, qtbot, monday)
    first = w.open_new()
    qtbot.waitUntil(lambda: first.load_task.done() and first.staff.count() == 2)
    assert (first.staff.currentText(), first.service.currentText()) == ("Alice", "Colouring (90 min)")
    first.staff.setCurrentIndex(first.staff.findData(bob.id))
    first.service.setCurrentIndex(first.service.findData(cut.id))
    first.customer.setText("Eve")
    # Bob's Haircut slots are shown (45 minutes long), not those the dialog opened with.
    qtbot.waitUntil(lambda: first.slots.count() > 0 and first.slots.item(0).toolTip().startswith("09:00–09:45"))
    first.select_slot(0)
    run_async(qtbot, first.save())
    assert first.result_booking is not None and first.result_booking.staff_name == "Bob"
    assert services.settings.last_booking_choice() == (bob.id, cut.id)
    again = BookingsWindow(controller).open_new()  # as after a restart: the choice is in the database
    qtbot.waitUntil(lambda: again.load_task.done() and again.staff.count() == 2)
    assert (again.staff.currentText(), again.service.currentText()) == ("Bob", "Haircut (45 min)")
    again.reject()


def test_details_show_the_calendar_state_and_the_sync_history(  # type: ignore[no-untyped-def]
    controller, qtbot, services, people, caldav_calendar
) -> None:
    alice, _bob, cut, _colour = people
    monday = next_monday()
    connect_radicale(services, alice.id, caldav_calendar)
    booking = services.bookings.add(alice.id, cut.id, "Carla Customer", f"{monday}T10:00")
    run_async(qtbot, controller.sync_now())
    services.bookings.move(booking.id, f"{monday}T14:00")
    run_async(qtbot, controller.sync_now())
    w = open_window(controller, qtbot, monday)
    w.table.selectRow(0)
    details = w.open_details()
    assert details is not None
    qtbot.addWidget(details)
    qtbot.waitUntil(lambda: settled(details) and details.history.rowCount() >= 2)
    [mapping] = details.calendars.rows()
    assert details.calendars.index(0, 0).data() == caldav_calendar.display_name
    assert details.calendars.index(0, 1).data() == "In calendar" and mapping.state == "synced"
    actions = [(e.action, e.outcome) for e in details.history.rows()]
    assert actions[:2] == [("update", "success"), ("create", "success")]  # newest first
    assert all(e.booking_id == booking.id for e in details.history.rows())
    assert "Haircut – Carla Customer" in details.summary.text() and "14:00–14:45" in details.summary.text()
