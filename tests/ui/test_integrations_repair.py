"""Calendar Integrations: Reconnect… for a connection that needs the user, and Pause / Resume.

Against a real Radicale: the server's password changes under a working connection, a booking's
write is refused, and the window offers Reconnect… for that connection only; the dialog tests the
new password (a wrong one is refused and Save stays off) and saves in place — the same connection,
and the booking that waited is written. Pause holds a connection (the list and the tray say
"Paused"), Resume writes what waited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.ui.tray import Tray
from tests.fixtures.radicale import CalendarFixture, CalendarReader, RadicaleServer
from tests.ui.conftest import connect_radicale, run_async

NEW_PASSWORD = "alice-new-app-password"
STATUS_COLUMN = 4


@pytest.fixture
def window(controller, qtbot):  # type: ignore[no-untyped-def]
    w = IntegrationsWindow(controller)
    qtbot.addWidget(w)
    return w


def shown(w: IntegrationsWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())


def status_cell(w: IntegrationsWindow, row: int = 0) -> str:
    model = w.tree.model()
    return str(model.index(row, STATUS_COLUMN, model.index(0, 0)).data())


def needing_reconnect(services, qtbot, controller, staff_id: int, server: RadicaleServer) -> tuple[int, CalendarReader]:  # type: ignore[no-untyped-def]
    """A working Radicale connection whose password was changed on the server, and one refused write."""
    url = server.make_calendar("work", "Work")
    cid = connect_radicale(services, staff_id, CalendarFixture(url=url, server=server, display_name="Work"))
    server.set_password("alice", NEW_PASSWORD)
    report = run_async(qtbot, controller.sync_now())  # the sample booking's write is refused
    assert report.failed == 1
    assert services.connections.get(cid).status == "needs_reconnect"
    return cid, CalendarReader(url, "alice", NEW_PASSWORD)


def test_reconnect_is_offered_for_a_connection_that_needs_it_and_saves_in_place(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, sample, fresh_radicale: RadicaleServer
) -> None:
    staff, _service, booking = sample
    cid, reader = needing_reconnect(services, qtbot, controller, staff.id, fresh_radicale)
    shown(window, qtbot)
    window.select_connection(cid)
    assert status_cell(window) == "Needs reconnect"
    assert window.repair.reconnect_button.isEnabled()

    dialog = window.repair.open_reconnect()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled() and not dialog.test_button.isEnabled()  # no password yet
    dialog.password.setText("wrong")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.text().startswith("✗"), timeout=20000)
    assert not dialog.save_button.isEnabled()
    dialog.password.setText(NEW_PASSWORD)
    dialog.test_button.click()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=20000)
    assert dialog.calendar.isHidden()  # its own calendar is still there: nothing to choose
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=20000)

    view = services.connections.get(cid)
    assert (view.status, view.id, len(services.connections.list())) == ("active", cid, 1)
    run_async(qtbot, controller.sync_now())
    assert services.bookings.get(booking.id).sync_state == "synced"
    assert len(reader.events()) == 1
    qtbot.waitUntil(lambda: status_cell(window) == "Active")
    window.select_connection(cid)
    assert not window.repair.reconnect_button.isEnabled()  # it works: nothing to reconnect


def test_pause_and_resume_from_the_window_show_in_the_list_and_the_tray(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, sample, caldav_calendar: CalendarFixture
) -> None:
    staff, _service, booking = sample
    cid = connect_radicale(services, staff.id, caldav_calendar)
    tray = Tray(controller)
    shown(window, qtbot)
    window.select_connection(cid)
    assert window.repair.pause_button.text() == "Pause" and not window.repair.reconnect_button.isEnabled()

    window.repair.pause_button.click()
    qtbot.waitUntil(lambda: services.connections.get(cid).paused)
    qtbot.waitUntil(lambda: status_cell(window) == "Paused")
    window.select_connection(cid)
    assert window.repair.pause_button.text() == "Resume"
    report = run_async(qtbot, controller.sync_now())
    assert (report.held, report.failed) == (1, 0)
    assert services.bookings.get(booking.id).sync_state != "failed"
    run_async(qtbot, controller.refresh_status())
    texts = [line.text for line in tray.status_lines(controller.status)]
    name = f"Radicale – {caldav_calendar.username}"
    assert f"{name}: Paused (bookings wait; resume in Calendar Integrations)" in texts

    window.repair.pause_button.click()
    qtbot.waitUntil(lambda: not services.connections.get(cid).paused)
    run_async(qtbot, controller.sync_now())
    assert services.bookings.get(booking.id).sync_state == "synced"
    assert len(caldav_calendar.reader().events()) == 1
    run_async(qtbot, controller.refresh_status())
    assert not any("Paused" in line.text for line in tray.status_lines(controller.status))
    tray.hide()


def test_screenshot_of_a_connection_that_needs_reconnect(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, sample, fresh_radicale: RadicaleServer, tmp_path: Path
) -> None:
    staff, _service, _booking = sample
    cid, _reader = needing_reconnect(services, qtbot, controller, staff.id, fresh_radicale)
    window.resize(1100, 360)
    shown(window, qtbot)
    window.select_connection(cid)
    target = tmp_path / "integrations-reconnect.png"
    assert window.grab().save(str(target))
    assert target.stat().st_size > 1000
