"""Regenerate the Reconnect / Pause screenshots: Calendar Integrations with a connection that needs
reconnect and one that is paused, and the CalDAV Reconnect dialog after a passing test.

Run under Xvfb so fonts and styles are those of a real desktop:
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_reconnect_screenshots.py

Real services on a temporary data folder and a Radicale server as the tests start it: Bob's app
password is changed on the server after his first booking synced, so his next booking is refused and
his connection needs reconnect; Chloe's connection is paused with a booking waiting.
"""
from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shot_kit import run, save, settle
from tests.fixtures.radicale import RadicaleServer
from tests.support.connections import seed_connection


async def scenario(base: Path) -> None:
    from bizcal_desktop.config import Config
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.ui.integrations_window import IntegrationsWindow
    from bizcal_desktop.wiring import build_services

    server = RadicaleServer(base / "radicale")
    server.start()
    services = build_services(Config.load(base / "data"))
    try:
        alice = services.directory.add_staff("Alice Baker", "Europe/Berlin")
        bob = services.directory.add_staff("Bob Carter", "Europe/Berlin")
        chloe = services.directory.add_staff("Chloe Diaz", "Europe/Berlin")
        cut = services.directory.add_service("Haircut", 45)
        day = (datetime.now(UTC) + timedelta(days=2)).date()

        def conn(staff, user, slug, name, kind, label):  # type: ignore[no-untyped-def]
            url = server.make_calendar(slug, name, username=user)
            return seed_connection(services, staff=staff.id, provider="caldav", provider_type=kind,
                                   display_name=f"{label} – {user}", server_url=server.url, username=user,
                                   calendar_id=url, calendar_href=url, calendar_name=name,
                                   secret=server.users[user])
        conn(alice, "alice", "work", "Alice – Work", "nextcloud", "Nextcloud")
        b = conn(bob, "bob", "home", "Home", "fastmail", "Fastmail")
        c = conn(chloe, "alice", "salon", "Salon", "generic", "Other CalDAV server")
        for who, cust, at in ((alice, "Emma Fischer", "09:00"), (bob, "Noah Becker", "10:00"),
                              (chloe, "Mia Wagner", "11:00")):
            services.bookings.add(who.id, cut.id, cust, f"{day.isoformat()}T{at}")
        controller = DesktopController(services)
        controller.scheduler.pause()
        controller.start()
        await controller.sync_now()
        server.set_password("bob", "bob-new-app-password")  # Bob revoked his app password
        services.bookings.add(bob.id, cut.id, "Lena Hoffmann", f"{day.isoformat()}T13:30")
        await controller.sync_now()
        services.connections.set_paused(c.id, True)
        services.bookings.add(chloe.id, cut.id, "Sofia Klein", f"{day.isoformat()}T15:00")
        await controller.sync_now()
        await controller.refresh_status()
        window = IntegrationsWindow(controller)
        window.resize(1120, 380)
        window.show()
        await settle(window)
        window.select_connection(b.id)
        await asyncio.sleep(0.3)
        save(window, "calendar-integrations-reconnect")
        dialog = window.repair.open_reconnect()
        dialog.password.setText("bob-new-app-password")
        await dialog.test()
        await asyncio.sleep(0.3)
        save(dialog, "reconnect-caldav")
        dialog.reject()
        await controller.scheduler.stop(grace=2)
    finally:
        services.close()
        server.stop()


if __name__ == "__main__":
    sys.exit(run(scenario, "bizcal-shots-"))
