"""New booking reads the staff member's calendars again (issue 15 item 7), against a real Radicale:
a time that has just become busy is not offered, a picked time that becomes busy is warned about and
booked only when the user says so, and a calendar that cannot be read is a quiet note."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bizcal_desktop.ui.booking_dialog import BookingDialog
from tests.sync.test_importer_caldav import vevent
from tests.ui.conftest import connect_radicale, run_async

BERLIN = ZoneInfo("Europe/Berlin")


def next_monday() -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=3)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(), BERLIN)


@pytest.fixture
def alice(services):  # type: ignore[no-untyped-def]
    staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
    services.directory.add_service("Haircut", 45)
    return staff


def put_busy(calendar, name: str, start: datetime, hours: int = 1) -> None:  # type: ignore[no-untyped-def]
    calendar.reader().put(f"{calendar.url}{name}.ics", vevent(name, start, start + timedelta(hours=hours)))


def open_dialog(controller, qtbot, monday: datetime) -> BookingDialog:  # type: ignore[no-untyped-def]
    dialog = BookingDialog(controller, monday.date())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_task is not None and dialog.check_task.done() and not dialog.loading)
    return dialog


def times(dialog: BookingDialog) -> list[str]:
    return [dialog.slots.item(i).text() for i in range(dialog.slots.count())]


def test_opening_reads_the_calendar_so_a_newly_busy_time_is_not_offered(  # type: ignore[no-untyped-def]
    controller, qtbot, services, alice, caldav_calendar
) -> None:
    connect_radicale(services, alice.id, caldav_calendar)
    run_async(qtbot, services.importer.import_all())  # the last periodic import, before the event
    monday = next_monday()
    put_busy(caldav_calendar, "dentist", monday.replace(hour=10))

    dialog = open_dialog(controller, qtbot, monday)

    offered = times(dialog)
    assert "09:15" in offered and "11:00" in offered
    assert not {"09:30", "10:00", "10:45"} & set(offered)  # 45 minutes from 09:30 would reach 10:15
    assert dialog.notice.note.text().startswith("Checked Radicale – ")
    assert not dialog.notice.note.isHidden() and dialog.error.text() == ""
    assert any("checked before booking" in e.message for e in services.sync_log.entries())


def test_a_picked_time_that_becomes_busy_is_warned_and_booked_only_when_confirmed(  # type: ignore[no-untyped-def]
    controller, qtbot, services, alice, caldav_calendar
) -> None:
    connect_radicale(services, alice.id, caldav_calendar)
    monday = next_monday()
    dialog = open_dialog(controller, qtbot, monday)
    dialog.customer.setText("Eve New")
    dialog.select_slot(times(dialog).index("10:00"))
    put_busy(caldav_calendar, "dentist", monday.replace(hour=10))

    run_async(qtbot, dialog.check_calendars())  # as on choosing the staff member again

    assert "10:00" not in times(dialog) and not dialog.slots.selectedItems()
    assert not dialog.notice.warning.isHidden()
    assert dialog.notice.warning.text().startswith("10:00 has just become busy for Alice Example: a busy time in ")
    assert not dialog.ok_button.isEnabled()  # no silent booking into a busy time
    dialog.notice.book_anyway.setChecked(True)
    assert dialog.ok_button.isEnabled()
    run_async(qtbot, dialog.save())
    assert dialog.result_booking is not None
    assert dialog.result_booking.start == monday.replace(hour=10).astimezone(UTC)


def test_save_looks_at_the_busy_times_again(controller, qtbot, services, alice, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    connect_radicale(services, alice.id, caldav_calendar)
    monday = next_monday()
    dialog = open_dialog(controller, qtbot, monday)
    dialog.customer.setText("Eve New")
    dialog.select_slot(times(dialog).index("14:00"))
    put_busy(caldav_calendar, "school", monday.replace(hour=14))
    run_async(qtbot, services.importer.import_all())  # the periodic import, while the dialog is open

    run_async(qtbot, dialog.save())

    assert dialog.result_booking is None and services.bookings.list() == []
    assert dialog.notice.warning.text().startswith("14:00 has just become busy")
    assert "14:00" not in times(dialog)


def test_a_calendar_that_cannot_be_read_is_a_note_and_booking_goes_on(  # type: ignore[no-untyped-def]
    controller, qtbot, services, alice, fresh_radicale
) -> None:
    from tests.fixtures.radicale import CalendarFixture

    calendar = CalendarFixture(fresh_radicale.make_calendar(), fresh_radicale, "Work")
    connect_radicale(services, alice.id, calendar)
    run_async(qtbot, services.importer.import_all())
    fresh_radicale.stop()

    dialog = open_dialog(controller, qtbot, next_monday())

    note = dialog.notice.note.text()
    assert note.startswith("Could not check Radicale – ") and "just now; showing busy times from " in note
    assert dialog.error.text() == ""
    dialog.customer.setText("Eve New")
    dialog.select_slot(times(dialog).index("10:00"))
    run_async(qtbot, dialog.save())
    assert dialog.result_booking is not None
