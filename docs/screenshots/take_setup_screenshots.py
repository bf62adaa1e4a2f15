"""Regenerate the set-up wizard's screenshots (the README's first-run walk-through).

Run under Xvfb so fonts and styles are those of a real desktop:
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_setup_screenshots.py

A fresh data folder and a Radicale server like the tests use: the wizard is filled in page by page
as a new user would, the calendar is connected through the CalDAV dialog, and each page is saved
with ``QWidget.grab()``. Kept apart from ``take_screenshots.py``, which starts from a folder that is
already set up.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from shot_kit import run, save, until
from tests.fixtures.radicale import RadicaleServer


async def scenario(base: Path) -> None:
    from PySide6.QtCore import QTime

    from bizcal_desktop.config import Config
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.ui.setup_wizard import CONNECT, SetupWizard
    from bizcal_desktop.wiring import build_services

    server = RadicaleServer(base / "radicale")
    server.start()
    services = build_services(Config.load(base / "data"))
    try:
        calendar_url = server.make_calendar("work", "Practice")
        wizard = SetupWizard(DesktopController(services))
        wizard.show()
        await until(lambda: wizard.load_task is not None and wizard.load_task.done())
        wizard.you_page.name.setText("Mark Weber")
        wizard.you_page.zone.set_zone("Europe/Berlin")
        save(wizard, "setup-you")

        wizard.next()
        row = wizard.services_page.add_row()
        row.name.setText("Sports massage")
        row.duration.setValue(45)
        row.before.setValue(5)
        row.after.setValue(10)
        await asyncio.sleep(0.1)
        save(wizard, "setup-services")

        wizard.next()
        saturday = wizard.hours_page.days["sat"]
        saturday.open.setChecked(True)
        saturday.start.setTime(QTime(10, 0))
        saturday.end.setTime(QTime(14, 0))
        await asyncio.sleep(0.1)
        save(wizard, "setup-hours")

        wizard.next()
        await until(lambda: wizard.currentId() == CONNECT and wizard.connect_page.refresh_task.done())
        dialog = wizard.connect_page.open_caldav()
        await until(lambda: dialog.load_task.done())
        dialog.provider.setCurrentIndex(dialog.provider.findData("generic"))
        dialog.server.setText(server.url)
        dialog.username.setText(server.username)
        dialog.password.setText(server.password)
        await dialog.test()
        dialog.calendar.setCurrentIndex(dialog.calendar.findData(calendar_url))
        await dialog.save()
        await until(lambda: bool(wizard.connect_page.connections))
        save(wizard, "setup-connect")

        wizard.next()
        await until(lambda: wizard.done_page.finish_task.done())
        save(wizard, "setup-done")
        wizard.accept()
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    sys.exit(run(scenario, "bizcal-setup-shots-"))
