"""Connect Google from the Integrations window, against the loopback Google fake and its browser."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bizcal_desktop.config import Config
from bizcal_desktop.ui.calendar_choice import CALENDAR_ID_ROLE
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.google_connect import GoogleConnectDialog
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.wiring import build_services
from tests.ui.conftest import run_async
from tests.ui.oauth_dialog_steps import ERROR_STYLE, save, sign_in

TEAM = "team@group.calendar.google.com"
HOLIDAYS = "holidays@group.calendar.google.com"


def test_connect_google_button_signs_in_and_saves_the_connection(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, google_fake, google_endpoints, fake_browser
) -> None:
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), google=google_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        controller = DesktopController(services)
        window = IntegrationsWindow(controller)
        qtbot.addWidget(window)
        dialog = window.open_google()
        qtbot.waitUntil(dialog.load_task.done)
        assert dialog.staff.currentData() == staff.id
        sign_in(qtbot, dialog)
        assert dialog.choice.calendar_id() == google_fake.primary.id  # primary preselected
        assert services.connections.list() == []  # signing in alone saves nothing
        save(qtbot, dialog)
        [conn] = services.connections.list()
        assert conn.provider == "google" and conn.staff_id == staff.id and conn.is_default
        assert conn.calendar_id == google_fake.primary.id
        assert services.connections.info(conn.id).busy_calendar_ids == ()
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()


def test_user_picks_another_calendar_for_bookings_and_one_more_as_busy(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, google_fake, google_endpoints, fake_browser
) -> None:
    google_fake.add_calendar(TEAM, "Team")
    google_fake.add_calendar(HOLIDAYS, "Holidays", access_role="reader")
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), google=google_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        service = services.directory.add_service("Haircut", 45)
        controller = DesktopController(services)
        dialog = GoogleConnectDialog(controller, staff.id)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(dialog.load_task.done)
        sign_in(qtbot, dialog)

        offered = [dialog.choice.calendar.itemData(i) for i in range(dialog.choice.calendar.count())]
        assert offered == [google_fake.primary.id, TEAM]  # the read-only one cannot take bookings
        dialog.choice.select_calendar(TEAM)
        busy_offered = [dialog.choice.busy.item(i).data(CALENDAR_ID_ROLE) for i in range(dialog.choice.busy.count())]
        assert busy_offered == [google_fake.primary.id, HOLIDAYS]
        dialog.choice.set_busy(HOLIDAYS, True)
        save(qtbot, dialog)

        [conn] = services.connections.list()
        assert conn.calendar_id == TEAM and conn.calendar_name == "Team"
        assert services.connections.info(conn.id).busy_calendar_ids == (TEAM, HOLIDAYS)
        run_async(qtbot, controller.scheduler.stop(grace=5))

        start = (datetime.now(UTC) + timedelta(days=1)).date().isoformat() + "T10:00"
        booking = services.bookings.add(staff.id, service.id, "Carla Customer", start)
        run_async(qtbot, services.engine.drain())
        assert google_fake.calendar(TEAM).get(booking.public_id) is not None
        assert google_fake.primary.get(booking.public_id) is None
    finally:
        services.close()


def test_a_failed_calendar_test_keeps_the_choice_open_and_saves_nothing(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, google_fake, google_endpoints, fake_browser
) -> None:
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), google=google_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        controller = DesktopController(services)
        dialog = GoogleConnectDialog(controller, staff.id)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(dialog.load_task.done)
        sign_in(qtbot, dialog)
        google_fake.inject("events.insert", 403, reason="forbidden", message="No write access")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: ERROR_STYLE in dialog.message.styleSheet(), timeout=30000)
        assert dialog.saved is None and services.connections.list() == []
        assert dialog.save_button.isEnabled() and dialog.choice.isEnabled()  # choose again or retry
        save(qtbot, dialog)  # the same signed-in account, no second browser round
        [conn] = services.connections.list()
        assert conn.calendar_id == google_fake.primary.id
        assert google_fake.counts["oauth.auth"] == 1
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()


def test_cancel_after_sign_in_saves_nothing_and_revokes_the_grant(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, google_fake, google_endpoints, fake_browser
) -> None:
    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), google=google_endpoints))
    try:
        staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
        controller = DesktopController(services)
        dialog = GoogleConnectDialog(controller, staff.id)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(dialog.load_task.done)
        sign_in(qtbot, dialog)
        dialog.cancel_button.click()
        qtbot.waitUntil(lambda: google_fake.counts["oauth.revoke"] == 1, timeout=10000)
        assert services.connections.list() == []
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()
