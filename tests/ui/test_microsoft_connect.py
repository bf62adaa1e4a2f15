"""Connect Microsoft from the Integrations window, against the HTTPS Microsoft fake and its browser."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bizcal_desktop.config import Config
from bizcal_desktop.ui.calendar_choice import CALENDAR_ID_ROLE
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.ui.microsoft_connect import MicrosoftConnectDialog
from bizcal_desktop.wiring import build_services
from tests.fakes.microsoft import MicrosoftFake
from tests.ui.conftest import run_async
from tests.ui.oauth_dialog_steps import save, sign_in


def test_connect_microsoft_button_signs_in_and_saves_the_connection(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, ms_fake, ms_endpoints, ms_browser
) -> None:
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), microsoft=ms_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        controller = DesktopController(services)
        window = IntegrationsWindow(controller)
        qtbot.addWidget(window)
        assert window.connect_microsoft_button.text() == "Connect Microsoft…"
        dialog = window.open_microsoft()
        qtbot.waitUntil(dialog.load_task.done)
        assert dialog.staff.currentData() == staff.id
        sign_in(qtbot, dialog)
        assert dialog.choice.calendar_id() == ms_fake.primary.id  # the default calendar is preselected
        assert services.connections.list() == []  # signing in alone saves nothing
        save(qtbot, dialog)
        [conn] = services.connections.list()
        assert conn.provider == "microsoft" and conn.staff_id == staff.id and conn.is_default
        assert conn.calendar_id == ms_fake.primary.id
        cache = services.secrets.get(services.connections.info(conn.id).secret_key, "msal_cache")
        assert cache is not None and "RefreshToken" in cache
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()


def test_user_picks_another_calendar_for_bookings_and_one_more_as_busy(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, ms_fake: MicrosoftFake, ms_endpoints, ms_browser
) -> None:
    team = ms_fake.add_calendar("Team")
    shared = ms_fake.add_calendar("Boss (shared)", can_edit=False)
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), microsoft=ms_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        service = services.directory.add_service("Haircut", 45)
        controller = DesktopController(services)
        dialog = MicrosoftConnectDialog(controller, staff.id)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(dialog.load_task.done)
        sign_in(qtbot, dialog)

        offered = [dialog.choice.calendar.itemData(i) for i in range(dialog.choice.calendar.count())]
        assert offered == [ms_fake.primary.id, team.id]  # the read-only one cannot take bookings
        dialog.choice.select_calendar(team.id)
        busy_offered = [dialog.choice.busy.item(i).data(CALENDAR_ID_ROLE) for i in range(dialog.choice.busy.count())]
        assert busy_offered == [ms_fake.primary.id, shared.id]
        dialog.choice.set_busy(shared.id, True)
        save(qtbot, dialog)

        [conn] = services.connections.list()
        assert conn.calendar_id == team.id and conn.calendar_name == "Team"
        assert services.connections.info(conn.id).busy_calendar_ids == (team.id, shared.id)
        run_async(qtbot, controller.scheduler.stop(grace=5))

        day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        booking = services.bookings.add(staff.id, service.id, "Carla Customer", f"{day}T10:00")
        run_async(qtbot, services.engine.drain())
        [event] = team.all_events()
        assert event["transactionId"] == f"bizcal-{booking.public_id}"
        assert ms_fake.primary.all_events() == []

        # The Microsoft provider honours busy_calendar_ids: the ticked calendar's events block time.
        shared.add_event({"subject": "Board meeting",
                          "start": {"dateTime": f"{day}T14:00:00", "timeZone": "Europe/Berlin"},
                          "end": {"dateTime": f"{day}T15:00:00", "timeZone": "Europe/Berlin"}})
        report = run_async(qtbot, services.importer.import_all())
        assert [(c.ok, c.added) for c in report.connections] == [(True, 1)]
    finally:
        services.close()
