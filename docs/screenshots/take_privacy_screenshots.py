"""Screenshots of what issue 18 added: event privacy, the Audit window, and a safe Disconnect.

Run under Xvfb so fonts and styles are those of a real desktop:
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_privacy_screenshots.py [NAME ...]

It builds the app's real services on a temporary data folder with sample staff, bookings and
connections (no calendar server: these windows only read and write the database), makes a few
changes through the CLI's and the desktop's doors so the audit trail has rows, then opens each
window and saves ``QWidget.grab()`` as PNG.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shot_kit import run, save, settle
from tests.support.connections import seed_connection


def sample(services):  # type: ignore[no-untyped-def]
    """Two staff members, their calendars, and a few bookings in the coming days."""
    berlin = ZoneInfo("Europe/Berlin")
    services.settings.update(timezone="Europe/Berlin", door="desktop")
    alice = services.directory.add_staff("Alice Baker", "Europe/Berlin")
    bob = services.directory.add_staff("Bob Carter", "Europe/Berlin")
    services.directory.add_service("Physiotherapy", 45)
    services.directory.add_service("Massage", 60)
    work = seed_connection(services, staff=alice.id, provider="caldav", provider_type="nextcloud",
                           display_name="Nextcloud – alice", server_url="https://cloud.example.org/",
                           username="alice", calendar_id="https://cloud.example.org/alice/work/",
                           calendar_href="https://cloud.example.org/alice/work/", calendar_name="Work",
                           secret="unused", door="desktop")
    seed_connection(services, staff=bob.id, provider="google", display_name="Google – bob@example.org",
                    username="bob@example.org", calendar_id="primary", calendar_name="bob@example.org",
                    secret="{}", door="desktop")
    day = (datetime.now(berlin) + timedelta(days=2)).replace(second=0, microsecond=0)
    for hour, customer in ((9, "Emma Schmidt"), (11, "Otto Meyer"), (14, "Lea Roth")):
        booking = services.bookings.add(alice.id, "Physiotherapy", customer, day.replace(hour=hour, minute=0),
                                        door="desktop")
        written(services, booking.id, work.id)
    return work


def written(services, booking_id: int, connection_id: int) -> None:  # type: ignore[no-untyped-def]
    """The booking's event as a finished sync leaves it (no server is involved here)."""
    from sqlalchemy import select

    from bizcal_desktop.store.models import CalendarEventMapping, JobStatus, OutboxJob

    with services.db.session() as s:
        for job in s.scalars(select(OutboxJob).where(OutboxJob.booking_id == booking_id)):
            job.status = JobStatus.DONE
        s.add(CalendarEventMapping(booking_id=booking_id, connection_id=connection_id, state="synced",
                                   external_id=f"{booking_id}@bizcal-desktop", synced_version=1))


async def scenario(base: Path) -> None:
    from bizcal_desktop.config import Config
    from bizcal_desktop.ui.autostart import Autostart
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.ui.integrations_window import IntegrationsWindow
    from bizcal_desktop.ui.settings_window import SettingsWindow
    from bizcal_desktop.wiring import build_services

    services = build_services(Config.load(base / "data"))
    try:
        work = sample(services)
        controller = DesktopController(services)
        controller.scheduler.pause()

        settings = SettingsWindow(controller, autostart=Autostart(platform="linux", home=base))
        settings.show()
        await settle(settings)
        settings.event_privacy.setCurrentIndex(settings.event_privacy.findData("initials"))
        await settings.save()
        save(settings, "settings-privacy")
        settings.close()

        integrations = IntegrationsWindow(controller)
        integrations.resize(1100, 420)
        integrations.show()
        await settle(integrations)
        integrations.select_connection(work.id)
        dialog = await integrations.open_privacy()
        assert dialog is not None
        dialog.choice.setCurrentIndex(dialog.choice.findData("busy"))
        await asyncio.sleep(0.2)
        save(dialog, "connection-privacy")
        dialog.reject()
        integrations.close()
        await audit_shot(controller, services)
        await disconnect_shot(controller, services, base)
    finally:
        services.close()


async def audit_shot(controller, services) -> None:  # type: ignore[no-untyped-def]
    """A few changes through the CLI's and the desktop's doors, then the Audit window on one of them."""
    from bizcal_desktop.services.audit import Door
    from bizcal_desktop.ui.audit_window import AuditWindow

    emma = next(b for b in services.bookings.list() if b.customer_name == "Emma Schmidt")
    services.bookings.move(emma.id, emma.start + timedelta(hours=7), door=Door.DESKTOP)
    services.settings.update(door=Door.CLI, min_notice_minutes=240)
    otto = next(b for b in services.bookings.list() if b.customer_name == "Otto Meyer")
    services.bookings.cancel(otto.id, door=Door.CLI)
    window = AuditWindow(controller)
    window.resize(1100, 620)
    window.show()
    await settle(window)
    moved = next(i for i, e in enumerate(window.model.rows()) if e.action == "move")
    window.table.selectRow(moved)
    await asyncio.sleep(0.2)
    save(window, "audit")
    window.close()


async def disconnect_shot(controller, services, base: Path) -> None:  # type: ignore[no-untyped-def]
    """A real calendar (Radicale) holding a dozen of Chloe's bookings, and Disconnect asking about them."""
    from tests.fixtures.radicale import RadicaleServer
    from bizcal_desktop.ui.integrations_window import IntegrationsWindow

    server = RadicaleServer(base / "radicale")
    server.start()
    try:
        chloe = services.directory.add_staff("Chloe Diaz", "Europe/Berlin")
        url = server.make_calendar("chloe", "Chloe – Practice")
        conn = seed_connection(services, staff=chloe.id, provider="caldav", provider_type="generic",
                               display_name="Practice calendar – chloe", server_url=server.url,
                               username=server.username, calendar_id=url, calendar_href=url,
                               calendar_name="Chloe – Practice", secret=server.password, door="desktop")
        start = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                                       microsecond=0)
        for i in range(12):
            services.bookings.add(chloe.id, "Massage", f"Client {i + 1}", start + timedelta(days=i // 3, hours=2 * (i % 3)),
                                  door="desktop")
        await services.engine.drain()
        window = IntegrationsWindow(controller)
        window.resize(1100, 420)
        window.show()
        await settle(window)
        window.select_connection(conn.id)
        box = window.ask_disconnect()
        assert box is not None
        box.remove.setChecked(True)
        while box.counting is None or not box.counting.done():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        save(box, "disconnect")
        box.reject()
        window.close()
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(run(scenario, "bizcal-shots-"))
