"""Bookings: list by day, New booking through the slot picker, Reschedule, Cancel — then a drain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QMessageBox

from bizcal_desktop.ui.bookings_window import BookingsWindow
from tests.ui.conftest import connect_radicale, run_async


def next_monday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=3)
    return day + timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def setup(services):  # type: ignore[no-untyped-def]
    staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
    service = services.directory.add_service("Haircut", 45)
    day = next_monday()
    booking = services.bookings.add(staff.id, service.id, "Carla Customer", f"{day.isoformat()}T10:00")
    return staff, service, booking, day


@pytest.fixture
def window(controller, qtbot, setup):  # type: ignore[no-untyped-def]
    w = BookingsWindow(controller)
    qtbot.addWidget(w)
    w.set_day(setup[3])
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done() and w.model.rowCount() == 1)
    return w


def test_lists_the_days_bookings(window, setup) -> None:  # type: ignore[no-untyped-def]
    [row] = window.model.rows()
    assert row.customer_name == "Carla Customer"
    assert window.model.index(0, 1).data() == "10:00–10:45"
    assert window.model.index(0, 6).data() == "No calendar"


def test_new_booking_offers_only_free_slots_and_saves(window, qtbot, services, setup) -> None:  # type: ignore[no-untyped-def]
    _staff, _service, _existing, day = setup
    dialog = window.open_new()
    qtbot.waitUntil(lambda: dialog.load_task.done() and dialog.slots.count() > 0)
    times = [dialog.slots.item(i).text() for i in range(dialog.slots.count())]
    assert "09:00" in times
    assert "10:00" not in times and "10:30" not in times  # the existing booking's time is taken
    assert not dialog.ok_button.isEnabled()
    dialog.customer.setText("Eve New")
    dialog.select_slot(times.index("09:00"))
    assert dialog.ok_button.isEnabled()
    run_async(qtbot, dialog.save())
    assert dialog.result_booking is not None
    local = dialog.result_booking.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.date(), f"{local:%H:%M}") == (day, "09:00")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def test_reschedule_moves_the_booking(window, qtbot, services, setup) -> None:  # type: ignore[no-untyped-def]
    booking = setup[2]
    window.table.selectRow(0)
    dialog = window.open_reschedule()
    assert dialog is not None and not dialog.customer.isEnabled()
    qtbot.waitUntil(lambda: dialog.load_task.done() and dialog.slots.count() > 0)
    times = [dialog.slots.item(i).text() for i in range(dialog.slots.count())]
    dialog.select_slot(times.index("14:00"))
    run_async(qtbot, dialog.save())
    moved = services.bookings.get(booking.id)
    assert f"{moved.start.astimezone(ZoneInfo('Europe/Berlin')):%H:%M}" == "14:00"
    assert moved.version == 2


def test_cancel_asks_then_cancels_and_syncs_the_deletion(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, setup, caldav_calendar
) -> None:
    staff, _service, booking, _day = setup
    connect_radicale(services, staff.id, caldav_calendar)
    run_async(qtbot, controller.sync_now())
    assert len(caldav_calendar.reader().events()) == 1
    window.table.selectRow(0)
    box = window.ask_cancel()
    assert box is not None
    [yes] = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    yes.click()
    qtbot.waitUntil(lambda: services.bookings.get(booking.id).status == "cancelled")
    run_async(qtbot, controller.sync_now())
    assert caldav_calendar.reader().events() == []
