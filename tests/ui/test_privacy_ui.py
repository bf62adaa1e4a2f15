"""The privacy level in the windows: Settings (the business's) and Calendar Integrations (one calendar's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import CalendarEventMapping, MappingState, OutboxJob
from bizcal_desktop.ui.autostart import Autostart
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.ui.settings_window import SettingsWindow
from tests.support.connections import seed_connection
from tests.ui.conftest import run_async


@pytest.fixture
def controller(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    c = DesktopController(services)
    c.scheduler.pause()
    yield c


@pytest.fixture
def written(services, sample):  # type: ignore[no-untyped-def]
    """Alice's booking with its event written into her calendar (as a finished sync leaves it)."""
    staff, _service, booking = sample
    view = seed_connection(services, staff=staff.id, provider="caldav", display_name="Work", secret="x",
                           calendar_id="work", calendar_href="work", calendar_name="Work")
    with services.db.session() as s:
        for job in s.scalars(select(OutboxJob)):
            job.status = "done"
        s.add(CalendarEventMapping(booking_id=booking.id, connection_id=view.id, state=MappingState.SYNCED,
                                   external_id="x", synced_version=1))
    return view.id


def rewrite_jobs(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return len(s.scalars(select(OutboxJob).where(OutboxJob.reason == "privacy")).all())


def test_settings_saves_the_business_level_and_says_what_is_rewritten(
    controller, qtbot, services, written, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = SettingsWindow(controller, autostart=Autostart(platform="linux", home=tmp_path,
                                                            xdg_config_home=tmp_path / "cfg"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    assert window.event_privacy.currentData() == "service"  # a new install
    window.event_privacy.setCurrentIndex(window.event_privacy.findData("initials"))
    run_async(qtbot, window.save())
    assert services.settings.get().event_privacy == "initials"
    assert window.status_label.text() == "Saved. Privacy changed to Initials: 1 future event will be rewritten."
    assert rewrite_jobs(services) == 1
    run_async(qtbot, window.save())  # saving again without a change queues nothing more
    assert rewrite_jobs(services) == 1 and window.status_label.text() == "Saved."


def test_integrations_sets_one_calendars_own_level(controller, qtbot, services, written) -> None:  # type: ignore[no-untyped-def]
    window = IntegrationsWindow(controller)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    window.select_connection(written)
    assert window.privacy_button.isEnabled()
    dialog = run_async(qtbot, window.open_privacy())
    qtbot.addWidget(dialog)
    assert dialog.choice.currentData() == "default"
    assert dialog.choice.currentText().startswith("As the business: Service only")
    dialog.choice.setCurrentIndex(dialog.choice.findData("busy"))
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: services.connections.get(written).event_privacy == "busy")
    qtbot.waitUntil(lambda: "Busy" in window.status_label.text())
    assert window.status_label.text() == "Privacy of Work changed to Busy: 1 future event will be rewritten."
    assert rewrite_jobs(services) == 1


def test_settings_keeps_the_audit_trail_for_good_unless_told(controller, qtbot, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services.settings.update(audit_retention_days=90)  # set with the CLI: shown as it is
    window = SettingsWindow(controller, autostart=Autostart(platform="linux", home=tmp_path,
                                                            xdg_config_home=tmp_path / "cfg"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.last_refresh is not None and window.last_refresh.done())
    assert window.audit_retention.currentText() == "90 days"
    window.audit_retention.setCurrentIndex(window.audit_retention.findData(None))
    run_async(qtbot, window.save())
    assert services.settings.get().audit_retention_days is None
    assert window.audit_retention.itemText(0) == "For good"
