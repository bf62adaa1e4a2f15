"""Connect Microsoft from the Integrations window, against the HTTPS Microsoft fake and its browser."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bizcal_desktop.config import Config
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.wiring import build_services
from tests.ui.conftest import run_async


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
        dialog.start()
        qtbot.waitUntil(
            lambda: dialog.saved is not None or "color: #c62828" in dialog.result.styleSheet(), timeout=30000
        )
        assert dialog.saved is not None, dialog.result.text()
        [conn] = services.connections.list()
        assert conn.provider == "microsoft" and conn.staff_id == staff.id and conn.is_default
        assert conn.calendar_id == ms_fake.primary.id
        cache = services.secrets.get(services.connections.info(conn.id).secret_key, "msal_cache")
        assert cache is not None and "RefreshToken" in cache
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()
