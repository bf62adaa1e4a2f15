"""Regenerate the screenshots in this folder: every window, with sample data, under a real X server.

Run under Xvfb so fonts and styles are those of a real desktop:
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_screenshots.py [NAME ...]

With NAMEs (e.g. ``tray-menu-attention``) only those pictures are written; the rest are left as they are.

It builds the app's real services on a temporary data folder, starts a Radicale server like the
tests do, connects one staff member to it (events synced, a busy event imported) and another to a
server that is down (failed syncs), then opens each window and saves ``QWidget.grab()`` as PNG.
Last, a third staff member's calendar refuses its password and the clock moves on 40 minutes, so
the tray menu shows the calm alerts' status lines.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shot_kit import ONLY, OUT, run, save, settle
from tests.fixtures.radicale import RadicaleServer
from tests.fixtures.server_process import free_port
from tests.support.connections import seed_connection


class ShotClock:
    """The attention rules' clock: real time, plus however far the scenario moved it on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def next_weekday(start: datetime) -> datetime:
    day = start + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def busy_ics(uid: str, start: datetime, end: datetime, title: str) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//screenshots//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{datetime.now(UTC):{fmt}}",
            f"DTSTART:{start.astimezone(UTC):{fmt}}",
            f"DTEND:{end.astimezone(UTC):{fmt}}",
            f"SUMMARY:{title}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


async def scenario(base: Path) -> None:
    from zoneinfo import ZoneInfo

    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    from bizcal_desktop.app import DesktopApp
    from bizcal_desktop.config import Config
    from bizcal_desktop.ui import resources
    from bizcal_desktop.ui.autostart import Autostart
    from bizcal_desktop.ui.settings_window import SettingsWindow
    from bizcal_desktop.wiring import build_services
    from tests.fixtures.radicale import CalendarReader

    server = RadicaleServer(base / "radicale")
    server.start()
    services = build_services(Config.load(base / "data"))
    try:
        berlin = ZoneInfo("Europe/Berlin")
        services.settings.update(timezone="Europe/Berlin", buffer_after_minutes=10, min_notice_minutes=60)
        alice = services.directory.add_staff("Alice Baker", "Europe/Berlin")
        bob = services.directory.add_staff("Bob Carter", "Europe/Berlin")
        services.directory.add_staff("Chloe Diaz", "Europe/Berlin")
        cut = services.directory.add_service("Haircut", 45)
        colour = services.directory.add_service("Colouring", 90)
        day = next_weekday(datetime.now(berlin)).date()
        cal_url = server.make_calendar("work", "Alice – Work")
        alice_conn = seed_connection(
            services,
            staff=alice.id,
            provider="caldav",
            provider_type="nextcloud",
            display_name="Nextcloud – alice",
            server_url=server.url,
            username=server.username,
            calendar_id=cal_url,
            calendar_href=cal_url,
            calendar_name="Alice – Work",
            secret=server.password,
        )
        dead = f"http://127.0.0.1:{free_port()}/"
        seed_connection(
            services,
            staff=bob.id,
            provider="caldav",
            provider_type="icloud",
            display_name="iCloud – bob@example.com",
            server_url=dead,
            username="bob@example.com",
            calendar_id=dead + "bob/home/",
            calendar_href=dead + "bob/home/",
            calendar_name="Home",
            secret="x",
        )
        for who, svc, customer, at in (
            (alice, cut, "Emma Fischer", "09:00"),
            (alice, colour, "Liam Schulz", "11:00"),
            (alice, cut, "Mia Wagner", "15:00"),
            (bob, cut, "Noah Becker", "10:00"),
            (bob, colour, "Lena Hoffmann", "13:30"),
        ):
            services.bookings.add(who.id, svc.id, customer, f"{day.isoformat()}T{at}")
        for who, svc, customer, days, at in WEEK_BOOKINGS:  # the rest of the week, for the week view
            other = day - timedelta(days=day.weekday()) + timedelta(days=days)
            if other != day:
                services.bookings.add(alice.id if who == "alice" else bob.id, cut.id if svc == "cut" else colour.id,
                                      customer, f"{other.isoformat()}T{at}")
        reader = CalendarReader(cal_url, server.username, server.password)
        lunch = datetime.combine(day, datetime.min.time(), berlin)
        reader.put(
            f"{uuid.uuid4().hex}.ics",
            busy_ics(uuid.uuid4().hex, lunch + timedelta(hours=13), lunch + timedelta(hours=14), "Dentist"),
        )
        reader.put(
            f"{uuid.uuid4().hex}.ics",
            busy_ics(
                uuid.uuid4().hex,
                lunch + timedelta(days=1, hours=9),
                lunch + timedelta(days=1, hours=12),
                "Training",
            ),
        )

        clock = ShotClock()
        desktop = DesktopApp(services, clock=clock)
        for timer in desktop.controller.scheduler.names:  # the scenario drains; the timers only start
            desktop.controller.scheduler.set_interval(timer, 3600)
        desktop.start()
        await desktop.controller.sync_now()
        await services.importer.import_all()
        await desktop.controller.refresh_status()

        # Tray icons (the three states, light and dark).
        strip = QPixmap(6 * 72, 72)
        strip.fill()
        painter = QPainter(strip)
        for i, (state, dark) in enumerate(
            (s, d) for d in (False, True) for s in ("idle", "syncing", "attention")
        ):
            if dark:
                painter.fillRect(i * 72, 0, 72, 72, resources.QGuiApplication.palette().dark())
            painter.drawPixmap(i * 72 + 4, 4, resources.icon(f"tray-{state}", dark=dark).pixmap(64, 64))
        painter.end()
        if not ONLY or "tray-icons" in ONLY:
            strip.save(str(OUT / "tray-icons.png"))
        menu = desktop.tray.menu
        menu.popup(QPoint(200, 200))
        await asyncio.sleep(0.3)
        save(menu, "tray-menu")
        menu.hide()

        bookings = desktop.windows.open("bookings")
        bookings.set_day(day)
        await settle(bookings)
        bookings.table.selectRow(1)
        save(bookings, "bookings")
        dialog = bookings.open_new()
        dialog.customer.setText("Sofia Klein")
        await asyncio.sleep(0.6)
        dialog.service.setCurrentIndex(dialog.service.findData(cut.id))
        await asyncio.sleep(0.6)
        dialog.select_slot(min(3, dialog.slots.count() - 1))
        await asyncio.sleep(0.1)
        save(dialog, "new-booking")
        dialog.reject()
        await directory_and_booking_shots(desktop, services, bookings)

        integrations = desktop.windows.open("integrations")
        await settle(integrations)
        integrations.select_connection(alice_conn.id)
        save(integrations, "calendar-integrations")
        details = integrations.open_details()
        await settle(details)
        save(details, "connection-details")
        details.close()

        wizard = integrations.open_caldav()
        await asyncio.sleep(0.3)
        wizard.provider.setCurrentIndex(wizard.provider.findData("generic"))
        wizard.server.setText(server.url)
        wizard.username.setText(server.username)
        wizard.password.setText(server.password)
        await wizard.test()
        await asyncio.sleep(0.1)
        save(wizard, "caldav-wizard")
        wizard.provider.setCurrentIndex(wizard.provider.findData("icloud"))
        wizard.username.setText("alice@icloud.com")
        wizard.password.setText("not-an-app-password")
        await asyncio.sleep(0.1)
        save(wizard, "caldav-wizard-icloud")
        wizard.reject()

        log = desktop.windows.open("sync_log")
        await settle(log)
        log.show_failures()
        await settle(log)
        log.select_row(2)  # a failed write: Retry is offered
        desktop.controller.data_changed.emit()  # a change elsewhere refreshes the log: the row stays chosen
        await settle(log)
        save(log, "sync-log")

        availability = desktop.windows.open("availability")
        availability.set_day(day)
        await settle(availability)
        availability.staff.setCurrentIndex(availability.staff.findData(alice.id))
        await settle(availability)
        availability.service.setCurrentIndex(availability.service.findData(cut.id))
        await settle(availability)
        dentist = lunch + timedelta(hours=13, minutes=15)
        await availability.explain(dentist.astimezone(UTC))
        save(availability, "availability")

        settings = SettingsWindow(desktop.controller, autostart=Autostart(platform="linux", home=base))
        settings.show()
        await settle(settings)
        save(settings, "settings")
        settings.close()

        resync = desktop.windows.open("resync")
        await resync.start_resync()
        save(resync, "resync")

        await tray_with_problems(desktop, services, server, clock, day)
        await desktop.quit()
    finally:
        server.stop()
    QApplication.instance().processEvents()


#: Bookings on the other days of the shown week: (staff, service, customer, weekday 0-6, time).
WEEK_BOOKINGS = (
    ("alice", "cut", "Sofia Klein", 0, "10:00"),
    ("bob", "colour", "Jonas Weber", 0, "14:00"),
    ("alice", "colour", "Emilia Braun", 1, "09:30"),
    ("alice", "cut", "Ben Hartmann", 2, "16:00"),
    ("bob", "cut", "Mila Koch", 3, "11:15"),
    ("alice", "cut", "Paul Richter", 3, "15:00"),
    ("bob", "colour", "Hanna Wolf", 4, "09:00"),
    ("alice", "cut", "Emma Fischer", 5, "10:30"),
)


async def directory_and_booking_shots(desktop, services, bookings) -> None:  # type: ignore[no-untyped-def]
    """Bookings found by name and one booking's details; Staff & Services with its archive question."""
    bookings.search.setText("emma")
    await settle(bookings)
    bookings.table.selectRow(0)
    save(bookings, "bookings-search")
    bookings.search.clear()
    await settle(bookings)
    bookings.table.selectRow(0)
    details = bookings.open_details()
    await settle(details)
    details.history_table.selectRow(0)
    save(details, "booking-details")
    details.close()

    bob = services.directory.find_staff("Bob Carter")
    services.settings.set_staff_hours(bob.id, {"tue": ["10:00-18:00"], "wed": ["10:00-18:00"],
                                               "thu": ["10:00-14:00", "15:00-20:00"], "sat": ["09:00-13:00"]})
    services.directory.add_service("Beard trim", 20, buffer_after=5)
    services.directory.add_service("Bridal styling", 120, buffer_before=15, buffer_after=15, offered=False)
    window = desktop.windows.open("staff_services")
    await settle(window)
    tab = window.staff_tab
    tab.select(bob.id)
    await asyncio.sleep(0.3)
    save(window, "staff-services")
    tab.select(services.directory.find_staff("Alice Baker").id)
    box = await tab.ask_archive()
    await asyncio.sleep(0.3)
    save(box, "staff-archive")
    box.reject()
    window.tabs.setCurrentWidget(window.services_tab)
    await settle(window)
    window.services_tab.table.selectRow(1)
    await asyncio.sleep(0.2)
    save(window, "staff-services-services")
    dialog = window.services_tab.open_edit()
    await asyncio.sleep(0.3)
    save(dialog, "service-edit")
    dialog.reject()
    window.close()


async def tray_with_problems(desktop, services, server, clock: ShotClock, day) -> None:  # type: ignore[no-untyped-def]
    """Chloe's calendar refuses its password (told at once); Bob's failures have lasted 40 minutes."""
    from PySide6.QtCore import QPoint

    chloe_id = services.directory.find_staff("Chloe Diaz").id
    url = server.make_calendar("chloe", "Chloe – Studio")
    seed_connection(
        services, staff=chloe_id, provider="caldav", provider_type="generic", display_name="Studio",
        server_url=server.url, username=server.username, calendar_id=url, calendar_href=url,
        calendar_name="Chloe – Studio", secret="an-old-password",
    )
    cut = services.directory.list_services()[0]
    services.bookings.add(chloe_id, cut.id, "Ida Richter", f"{day.isoformat()}T16:00")
    await desktop.controller.sync_now()
    await desktop.controller.refresh_status()
    clock.offset += 40 * 60
    desktop.controller.review_attention()
    await asyncio.sleep(0.2)
    menu = desktop.tray.menu
    menu.popup(QPoint(200, 200))
    await asyncio.sleep(0.3)
    save(menu, "tray-menu-attention")
    menu.hide()


if __name__ == "__main__":
    sys.exit(run(scenario, "bizcal-shots-"))
