"""Another computer's calendar in Calendar Integrations and the tray (issue 19 item 3), against Radicale.

The connection is made here and then handed to "Sarah's laptop" as another computer would hold it:
its row names that computer and its password is not in this keychain. The booking waiting for it is
not written from here, and the tray says so calmly; the list names the computer; *Use on this
computer…* asks first, then the reconnect dialog (which always asks for the password) moves it here,
and the booking is written.
"""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import update

from bizcal_desktop.store.models import CalendarConnection
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.ui.tray import Tray
from tests.fixtures.radicale import CalendarFixture
from tests.ui.conftest import connect_radicale, run_async

COMPUTER_COLUMN = 6


@pytest.fixture
def window(controller, qtbot):  # type: ignore[no-untyped-def]
    w = IntegrationsWindow(controller)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())
    return w


def held_by_sarahs_laptop(services, connection_id: int) -> None:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        row = s.get(CalendarConnection, connection_id)
        s.execute(update(CalendarConnection).where(CalendarConnection.id == connection_id)
                  .values(owner_device=str(uuid.uuid4()), owner_device_name="Sarah's laptop"))
        secret_key = row.secret_key
    services.secrets.delete(secret_key, "password")  # it is in the laptop's keychain, not this one's


def test_another_computer_s_calendar_waits_is_named_and_can_be_used_here(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, sample, caldav_calendar: CalendarFixture
) -> None:
    staff, _service, booking = sample
    cid = connect_radicale(services, staff.id, caldav_calendar)
    held_by_sarahs_laptop(services, cid)
    tray = Tray(controller)
    report = run_async(qtbot, controller.sync_now())
    assert (report.handed, report.failed) == (1, 0)
    run_async(qtbot, controller.refresh_status())
    assert "1 change waits for Sarah's laptop" in [line.text for line in tray.status_lines(controller.status)]
    assert services.connections.get(cid).status == "active"  # not marked broken for a secret it cannot have

    run_async(qtbot, window.refresh())
    window.select_connection(cid)
    model = window.tree.model()
    assert model.index(0, COMPUTER_COLUMN, model.index(0, 0)).data() == "Sarah's laptop"
    assert window.repair.reconnect_button.isEnabled()
    assert window.repair.reconnect_button.text() == "Use on this computer…"

    box = window.repair.open_reconnect()
    assert isinstance(box, QMessageBox)
    assert box.text().startswith("This calendar is used by Sarah's laptop. Use it on this computer instead?")
    use_here = next(b for b in box.buttons() if b.text() == "Use on this computer")
    use_here.click()
    qtbot.waitUntil(lambda: window.repair.dialog is not None)
    dialog = window.repair.dialog
    qtbot.addWidget(dialog)
    assert dialog.take_over and "moves to this computer" in dialog.intro.text()
    assert not dialog.test_button.isEnabled()  # no password saved here: it must be given
    dialog.password.setText(caldav_calendar.password)
    dialog.test_button.click()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=20000)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=20000)

    assert services.connections.get(cid).used_here(services.config.device.id)
    run_async(qtbot, controller.sync_now())
    assert services.bookings.get(booking.id).sync_state == "synced"
    assert len(caldav_calendar.reader().events()) == 1
    run_async(qtbot, controller.refresh_status())
    assert not any("waits for" in line.text for line in tray.status_lines(controller.status))
    tray.hide()
