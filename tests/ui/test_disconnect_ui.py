"""Calendar Integrations' Disconnect with "Also remove BizCal's events from this calendar": the count
before the button works, the removal in the background with its progress, the result on the status line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.disconnect_box import KEEP_TEXT, KEPT_FOR_REMOVAL
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from tests.sync.test_disconnect_caldav import ics
from tests.ui.conftest import connect_radicale, run_async


@pytest.fixture
def controller(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    c = DesktopController(services)
    c.scheduler.pause()
    yield c


@pytest.fixture
def window(controller, qtbot, services, sample, caldav_calendar):  # type: ignore[no-untyped-def]
    """Alice's calendar with her booking's event and a foreign one; the window showing it."""
    cid = connect_radicale(services, sample[0].id, caldav_calendar)
    report = run_async(qtbot, services.engine.drain())
    assert report.synced == 1
    caldav_calendar.reader().put("dentist.ics", ics("dentist-1", datetime.now(UTC) + timedelta(days=2), "Dentist"))
    w = IntegrationsWindow(controller)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())
    w.select_connection(cid)
    w.cid = cid  # type: ignore[attr-defined]
    return w


def test_removal_is_counted_before_disconnect_can_be_pressed(window, qtbot, services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    box = window.ask_disconnect()
    qtbot.addWidget(box)
    assert box.informativeText() == KEEP_TEXT and box.yes.isEnabled()
    assert "deleted from the keychain at once" in box.informativeText()
    box.remove.setChecked(True)
    assert not box.yes.isEnabled()  # until the count is in
    qtbot.waitUntil(lambda: box.counting is not None and box.counting.done())
    assert box.informativeText() == (f"1 future event will be removed from {caldav_calendar.display_name}. "
                                     + KEPT_FOR_REMOVAL)
    assert "stays in the keychain until the events are removed" in box.informativeText()  # not "at once"
    assert box.yes.isEnabled()
    box.yes.click()
    qtbot.waitUntil(lambda: "removed 1 of BizCal's future events" in window.status_label.text(), timeout=20000)
    assert services.connections.get(window.cid).status == "disconnected"
    assert [str(e["UID"]) for e in caldav_calendar.reader().events()] == ["dentist-1"]
    assert services.audit.entries(limit=1)[0].door == "desktop"


def test_unticked_the_events_stay(window, qtbot, services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    box = window.ask_disconnect()
    qtbot.addWidget(box)
    box.remove.setChecked(True)
    qtbot.waitUntil(lambda: box.counting is not None and box.counting.done())
    box.remove.setChecked(False)
    assert box.informativeText() == KEEP_TEXT
    box.yes.click()
    qtbot.waitUntil(lambda: "BizCal's events stay in the calendar" in window.status_label.text())
    assert len(caldav_calendar.reader().events()) == 2


def test_a_calendar_that_cannot_be_counted_keeps_its_events(window, qtbot, services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services.secrets.delete(services.connections.info(window.cid).secret_key, "password")
    box = window.ask_disconnect()
    qtbot.addWidget(box)
    box.remove.setChecked(True)
    qtbot.waitUntil(lambda: not box.remove.isChecked())
    assert "cannot be counted now" in box.informativeText() and box.yes.isEnabled()


def test_an_unfinished_removal_shows_its_progress_and_forget_now_ends_it(window, qtbot, services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    # A removal recorded but not run (the app was closed right after the disconnect).
    services.connections.disconnect(window.cid, door="desktop", removing=True)
    window.controller.data_changed.emit()
    qtbot.waitUntil(lambda: window.removals.isVisible())
    [(label, forget)] = window.removals.lines.values()
    assert label.text().startswith(f"Removing BizCal's events from {services.connections.get(window.cid).calendar_name}: "
                                   "0 of 1.")
    assert window._connections == {}  # gone from the list at once
    forget.click()
    qtbot.waitUntil(lambda: "1 stay in the calendar (the removal was stopped)" in window.status_label.text())
    assert not window.removals.isVisible()
    assert services.connections.get(window.cid).status == "disconnected"
    assert services.secrets.get(services.connections.info(window.cid).secret_key, "password") is None
    assert len(caldav_calendar.reader().events()) == 2  # nothing was removed: it stays
    assert services.audit.entries(limit=1)[0].action == "stop_removal"
