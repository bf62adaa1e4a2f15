"""Sync Log: newest first, filters, Retry on a failed row, copy details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QGuiApplication

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.sync_log_window import SyncLogWindow
from tests.fixtures.radicale import CalendarFixture, RadicaleServer
from tests.ui.conftest import connect_radicale, run_async


def test_failures_filter_retry_and_copy(  # type: ignore[no-untyped-def]
    controller, qtbot, services, sample, fresh_radicale: RadicaleServer
) -> None:
    staff, _service, booking = sample
    url = fresh_radicale.make_calendar("work", "Work")
    cal = CalendarFixture(url=url, server=fresh_radicale, display_name="Work")
    cid = connect_radicale(services, staff.id, cal)
    fresh_radicale.stop()
    run_async(qtbot, controller.sync_now())
    fresh_radicale.start()

    window = SyncLogWindow(controller)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    entries = window.model.rows()
    assert [e.id for e in entries] == sorted((e.id for e in entries), reverse=True)  # newest first
    assert {e.outcome for e in entries} >= {"success", "failure"}

    window.show_failures()
    qtbot.waitUntil(
        lambda: window.model.rowCount() > 0 and all(e.outcome == "failure" for e in window.model.rows())
    )
    window.connection.setCurrentIndex(window.connection.findData(cid))
    window.booking.setText(str(booking.id))
    window.booking.editingFinished.emit()
    qtbot.waitUntil(lambda: not window.refreshing and window.model.rowCount() == 1)
    window.select_row(0)
    assert window.retry_button.isEnabled()
    window.copy_selected()
    copied = QGuiApplication.clipboard().text()
    assert "Outcome: failure" in copied and f"Booking: {booking.id}" in copied

    chosen = window.selected_entry().id
    run_async(qtbot, window.retry_selected())
    assert services.bookings.get(booking.id).sync_state == "synced"
    # The refreshes the retry caused kept the user's row selected (the failure is still listed).
    assert window.selected_entry() is not None and window.selected_entry().id == chosen
    assert window.status_label.text() == f"Booking {booking.id} synced."


def test_an_import_row_says_what_was_skipped_and_why(  # type: ignore[no-untyped-def]
    controller, qtbot, services, caldav_calendar: CalendarFixture
) -> None:
    """An event BizCal cannot expand: the import's row in the window says so, in the table and details."""
    staff = services.directory.add_staff("Mark", "Europe/Berlin")
    connect_radicale(services, staff.id, caldav_calendar)
    day = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%d")
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN", "BEGIN:VEVENT", "UID:standup@phone",
        "DTSTAMP:20260101T000000Z", f"DTSTART:{day}T080000Z", f"DTEND:{day}T081500Z", "SUMMARY:Standup",
        "RRULE:FREQ=SECONDLY", "END:VEVENT", "END:VCALENDAR", ""])
    assert caldav_calendar.reader().put("standup.ics", text).status_code == 201
    report = run_async(qtbot, services.importer.import_all())
    assert report.connections[0].ok

    window = SyncLogWindow(controller)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    row = next(i for i, e in enumerate(window.model.rows()) if e.action == "import")
    shown = window.model.data(window.model.index(row, 4))
    expected = "1 skipped: an event has a recurrence rule BizCal cannot expand (FREQ=SECONDLY)"
    assert expected in shown
    window.select_row(row)
    assert expected in window.details.toPlainText()


def test_held_deletions_are_confirmed_with_the_button(qloop, qtbot, services) -> None:  # type: ignore[no-untyped-def]
    """The mass-deletion guard's hold (issue 18 item 4): the button says what it removes, and does."""
    from bizcal_desktop.sync.backoff import BackoffPolicy
    from bizcal_desktop.sync.engine import SyncEngine
    from tests.support.connections import seed_connection
    from tests.sync.test_engine_memory import MemoryCalendars

    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    cid = seed_connection(services, staff="Mark", provider="caldav", display_name="Work", secret="unused",
                          calendar_id="work", calendar_href="work", calendar_name="Work").id
    calendars = MemoryCalendars()
    services.engine = SyncEngine(services.db, calendars, BackoffPolicy(base=0.001, cap=0.01))  # type: ignore[arg-type]
    ids = [services.bookings.add("Mark", "Massage", f"C{i}", f"2026-12-{1 + i // 8:02d}T{9 + i % 8:02d}:00").id
           for i in range(25)]
    run_async(qtbot, services.engine.drain())
    for booking_id in ids:
        services.bookings.cancel(booking_id)
    assert run_async(qtbot, services.engine.drain()).deletions_held == 25
    c = DesktopController(services)
    c.scheduler.pause()
    c.start()

    window = SyncLogWindow(c)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    assert window.confirm_deletions_button.isVisible()
    assert window.confirm_deletions_button.text() == "Remove 25 events from 'Work'"

    run_async(qtbot, window.confirm_deletions())
    assert calendars[cid].events() == [] and not window.confirm_deletions_button.isVisible()
    run_async(qtbot, c.scheduler.stop(grace=10))
