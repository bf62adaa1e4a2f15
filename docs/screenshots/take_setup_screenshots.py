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
import tempfile
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fixtures.radicale import RadicaleServer
from tests.support.memory_keyring import MemoryKeyring

OUT = Path(__file__).resolve().parent


def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print("wrote", path.relative_to(ROOT))


async def until(predicate, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)


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


def main() -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    keyring.set_keyring(MemoryKeyring())
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix="bizcal-setup-shots-") as tmp, loop:
        loop.run_until_complete(scenario(Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
