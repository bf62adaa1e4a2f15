"""Calendar Integrations: listing, default, disconnect with confirmation, details and Retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QMessageBox

from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from tests.fixtures.radicale import CalendarFixture, RadicaleServer
from tests.ui.conftest import connect_radicale, run_async


@pytest.fixture
def window(controller, qtbot):  # type: ignore[no-untyped-def]
    w = IntegrationsWindow(controller)
    qtbot.addWidget(w)
    return w


def shown(w: IntegrationsWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())


def click_button(box: QMessageBox, text: str) -> None:
    [button] = [b for b in box.buttons() if b.text() == text]
    button.click()


def test_lists_staff_with_their_connections_and_sets_the_default(  # type: ignore[no-untyped-def]
    window, qtbot, services, sample, caldav_calendar
) -> None:
    staff = sample[0]
    services.directory.add_staff("Bob Nobody", "Europe/Berlin")
    first = connect_radicale(services, staff.id, caldav_calendar)
    second = connect_radicale(services, staff.id, caldav_calendar)
    shown(window, qtbot)
    model = window.tree.model()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["Alice Example", "Bob Nobody"]
    assert model.rowCount(model.index(0, 0)) == 2
    assert model.index(1, 2).data() == "No calendar connected"
    window.select_connection(second)
    assert window.default_button.isEnabled()
    run_async(qtbot, window.set_default())
    assert services.connections.get(second).is_default
    assert not services.connections.get(first).is_default


def test_connect_buttons_exist_only_for_providers_this_build_connects(window) -> None:  # type: ignore[no-untyped-def]
    assert window.connect_caldav_button.text() == "Connect CalDAV…"
    texts = [b.text() for b in window.findChildren(type(window.connect_caldav_button))]
    assert "Connect Microsoft…" in texts  # this build connects Microsoft 365 (ui/microsoft_connect.py)


def test_disconnect_asks_first_and_then_deletes_the_secret(  # type: ignore[no-untyped-def]
    window, qtbot, services, sample, caldav_calendar
) -> None:
    cid = connect_radicale(services, sample[0].id, caldav_calendar)
    secret_key = services.connections.info(cid).secret_key
    shown(window, qtbot)
    window.select_connection(cid)
    box = window.ask_disconnect()
    assert box is not None
    click_button(box, "Cancel")
    assert services.connections.get(cid).status == "active"
    box = window.ask_disconnect()
    click_button(box, "Disconnect")
    qtbot.waitUntil(lambda: services.connections.get(cid).status == "disconnected")
    assert services.secrets.get(secret_key, "password") is None


def test_details_retry_re_enqueues_exactly_that_booking(  # type: ignore[no-untyped-def]
    window, controller, qtbot, services, sample, fresh_radicale: RadicaleServer
) -> None:
    staff, service, first = sample
    services.settings.update(event_privacy="full")  # the event names which booking was retried
    url = fresh_radicale.make_calendar("work", "Work")
    cal = CalendarFixture(url=url, server=fresh_radicale, display_name="Work")
    cid = connect_radicale(services, staff.id, cal)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    second = services.bookings.add(staff.id, service.id, "Dora Second", f"{day.isoformat()}T11:00")
    fresh_radicale.stop()
    report = run_async(qtbot, controller.sync_now())
    assert report.failed == 2
    fresh_radicale.start()

    shown(window, qtbot)
    window.select_connection(cid)
    details = window.open_details()
    assert details is not None
    qtbot.addWidget(details)
    qtbot.waitUntil(lambda: details.last_refresh is not None and details.last_refresh.done())
    rows = details.model.rows()
    assert {r.state for r in rows} == {"failed"}
    row = next(i for i, r in enumerate(rows) if r.booking_id == second.id)
    details.table.selectRow(row)
    assert details.retry_button.isEnabled()
    run_async(qtbot, details.retry_selected())
    assert services.bookings.get(second.id).sync_state == "synced"
    assert services.bookings.get(first.id).sync_state == "failed"  # not retried
    assert [str(e["SUMMARY"]) for e in cal.reader().events()] == ["Haircut – Dora Second"]
    retries = [e for e in services.sync_log.entries(limit=100) if e.action == "retry"]
    assert [e.booking_id for e in retries] == [second.id]
