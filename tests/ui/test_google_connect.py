"""Connect Google from the Integrations window, against the loopback Google fake and its browser."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bizcal_desktop.config import Config
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.integrations_window import IntegrationsWindow
from bizcal_desktop.wiring import build_services
from tests.ui.conftest import run_async


def test_connect_google_button_signs_in_and_saves_the_connection(  # type: ignore[no-untyped-def]
    qloop, qtbot, tmp_path: Path, google_endpoints, fake_browser
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
        dialog.start()
        qtbot.waitUntil(
            lambda: dialog.saved is not None or "color: #c62828" in dialog.result.styleSheet(), timeout=30000
        )
        assert dialog.saved is not None, dialog.result.text()
        [conn] = services.connections.list()
        assert conn.provider == "google" and conn.staff_id == staff.id and conn.is_default
        run_async(qtbot, controller.scheduler.stop(grace=5))
    finally:
        services.close()
