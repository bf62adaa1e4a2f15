"""Screenshots of the team features: who uses this computer, a time another computer booked first,
a disconnect's removal under way, and a booking made at the front desk seen on a laptop at once.

Run under Xvfb so fonts and styles are those of a real desktop:
    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/take_team_screenshots.py [NAME ...]

Where a window needs a team database (the person question, Settings → Team database → *Used by*, live
updates) it runs on a private PostgreSQL cluster started as the tests start theirs
(``tests/fixtures/postgres.py``); two data folders on it are two computers, the front desk and Sarah's
laptop. The booking dialog's "That time was just taken" and the removal's progress need no server: they
run on a SQLite file, the other device being a second connection to it, as in the tests.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shot_kit import run, save, settle, until, wanted

from tests.support.connections import seed_connection

BERLIN = ZoneInfo("Europe/Berlin")
STAFF = ("Sarah Klein", "Jo Park", "Mark Evans")


def next_weekday(days_ahead: int) -> date:
    day = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def team_device(folder: Path, url: str, name: str):  # type: ignore[no-untyped-def]
    """One computer on the team database, chosen in its Settings (saved in its data folder, as a user
    would), with its own device id and name and keychain entry."""
    from bizcal_desktop.config import Config
    from bizcal_desktop.device import rename_device
    from bizcal_desktop.secrets import SecretStore
    from bizcal_desktop.services.team_database import TeamDatabaseService
    from bizcal_desktop.wiring import build_services

    folder.mkdir(parents=True)
    rename_device(folder, name)
    config = Config(data_dir=folder, keyring_service=f"bizcal-shots-{folder.name}")
    TeamDatabaseService(config, SecretStore(config.keyring_service)).save(url, None)
    return build_services(config)


async def scenario(base: Path) -> None:
    await solo_shots(base / "solo")
    if any(wanted(n) for n in ("team-who-uses", "settings-team", "team-live-booking")):
        await team_shots(base)


# ----- on a SQLite file ------------------------------------------------------------------------------------
async def solo_shots(folder: Path) -> None:
    from bizcal_desktop.config import Config
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.wiring import build_services

    services = build_services(Config.load(folder))
    try:
        services.settings.update(timezone="Europe/Berlin")
        for name in STAFF:
            services.directory.add_staff(name, "Europe/Berlin")
        services.directory.add_service("Haircut", 45)
        services.directory.add_service("Colouring", 90)
        controller = DesktopController(services)
        controller.scheduler.pause()
        await taken_shot(controller, services)
        await removal_shot(controller, services)
        await controller.scheduler.stop(grace=2)
    finally:
        services.close()


async def taken_shot(controller, services) -> None:  # type: ignore[no-untyped-def]
    """The booking dialog at 10:00 while another device books Sarah from 10:15: Book is refused."""
    from bizcal_desktop.services.bookings import BookingService
    from bizcal_desktop.services.directory import DirectoryService
    from bizcal_desktop.store.database import Database
    from bizcal_desktop.ui.booking_dialog import BookingDialog

    sarah = services.directory.find_staff("Sarah Klein")
    day = next_weekday(3)
    dialog = BookingDialog(controller, day)
    dialog.show()
    await until(lambda: dialog.check_task is not None and dialog.check_task.done() and not dialog.loading)
    dialog.staff.setCurrentIndex(dialog.staff.findData(sarah.id))
    dialog.service.setCurrentIndex(dialog.service.findText("Haircut (45 min)"))
    await until(lambda: dialog.check_task is not None and dialog.check_task.done() and not dialog.loading)
    dialog.customer.setText("Eva Lang")
    times = [dialog.slots.item(i).text() for i in range(dialog.slots.count())]
    dialog.select_slot(times.index("10:00"))
    other_device = Database(services.db.path)
    try:
        BookingService(other_device, DirectoryService(other_device)).add(
            sarah.id, "Haircut", "Walk-in at the desk", datetime.combine(day, time(10, 15), BERLIN))
    finally:
        other_device.dispose()
    await dialog.save()
    await asyncio.sleep(0.3)
    save(dialog, "booking-taken")
    dialog.reject()


async def removal_shot(controller, services) -> None:  # type: ignore[no-untyped-def]
    """Jo disconnected a calendar with removal; 3 of its 12 events are gone when the window is opened."""
    from sqlalchemy import select

    from bizcal_desktop.store import disconnects
    from bizcal_desktop.store.models import CalendarEventMapping, JobStatus, OutboxJob
    from bizcal_desktop.ui.integrations_window import IntegrationsWindow

    jo, mark = (services.directory.find_staff(n) for n in ("Jo Park", "Mark Evans"))
    work = seed_connection(services, staff=jo.id, provider="caldav", provider_type="nextcloud",
                           display_name="Nextcloud – jo", server_url="https://cloud.example.org/", username="jo",
                           calendar_id="https://cloud.example.org/jo/work/",
                           calendar_href="https://cloud.example.org/jo/work/", calendar_name="Work", secret="unused")
    seed_connection(services, staff=jo.id, provider="google", display_name="Google – jo.park@example.org",
                    username="jo.park@example.org", calendar_id="primary", calendar_name="jo.park@example.org",
                    secret="{}")
    seed_connection(services, staff=mark.id, provider="caldav", provider_type="fastmail",
                    display_name="Fastmail – mark", server_url="https://caldav.fastmail.com/", username="mark",
                    calendar_id="https://caldav.fastmail.com/mark/studio/",
                    calendar_href="https://caldav.fastmail.com/mark/studio/", calendar_name="Studio", secret="unused")
    first = datetime.combine(next_weekday(1), time(9), BERLIN)
    for n in range(12):
        booking = services.bookings.add(jo.id, "Haircut", f"Customer {n + 1}",
                                        first + timedelta(days=n // 4, hours=2 * (n % 4)))
        with services.db.session() as s:  # written there by a finished sync (no server is involved here)
            for job in s.scalars(select(OutboxJob).where(OutboxJob.booking_id == booking.id)):
                job.status = JobStatus.DONE
            s.add(CalendarEventMapping(booking_id=booking.id, connection_id=work.id, state="synced",
                                       external_id=f"{booking.id}@bizcal-desktop", synced_version=1))
    services.connections.disconnect(work.id, door="desktop", removing=True)
    with services.db.session() as s:
        ids = list(s.scalars(select(CalendarEventMapping.id).where(CalendarEventMapping.connection_id == work.id)
                             .order_by(CalendarEventMapping.id).limit(3)))
    for mapping_id in ids:
        with services.db.session() as s:
            disconnects.mark_removed(s, mapping_id)
    window = IntegrationsWindow(controller)
    window.resize(1120, 300)
    window.show()
    await settle(window)
    await asyncio.sleep(0.3)
    save(window, "disconnect-removing")
    window.close()


# ----- on a team's PostgreSQL --------------------------------------------------------------------------------
async def team_shots(base: Path) -> None:
    import psycopg

    from tests.fixtures.postgres import find_pg_bin, start_cluster, stop_cluster

    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise SystemExit("PostgreSQL is not installed (no pg_ctl); Debian's postgresql package provides it")
    cluster = Path(tempfile.mkdtemp(prefix="bizcal-shots-pg-"))
    server = start_cluster(pg_bin, cluster)
    try:
        with psycopg.connect(f"postgresql://{server.user}@{server.host}:{server.port}/postgres",
                             autocommit=True) as admin:
            admin.execute("CREATE DATABASE salon")
        url = f"postgresql://{server.user}@localhost:{server.port}/salon"  # as a user types it
        desk = team_device(base / "desk", url, "Front desk")
        laptop = team_device(base / "laptop", url, "Sarah's laptop")
        try:
            desk.settings.update(timezone="Europe/Berlin")
            for name in STAFF:
                desk.directory.add_staff(name, "Europe/Berlin")
            desk.directory.add_service("Haircut", 45)
            desk.directory.add_service("Colouring", 90)
            await person_shots(laptop, base)
            await live_shot(desk, laptop, base)
        finally:
            desk.close()
            laptop.close()
    finally:
        stop_cluster(pg_bin, cluster)


async def person_shots(laptop, base: Path) -> None:  # type: ignore[no-untyped-def]
    """The question asked once at start, then Settings → Team database with *Used by* saved."""
    from bizcal_desktop.ui.autostart import Autostart
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.ui.person_picker import PersonDialog
    from bizcal_desktop.ui.settings_window import SettingsWindow

    dialog = PersonDialog(laptop.person, laptop.directory)
    dialog.show()
    await until(dialog.load_task.done)
    dialog.picker.setCurrentIndex(dialog.picker.findText("Sarah Klein"))
    await asyncio.sleep(0.3)
    save(dialog, "team-who-uses")
    await dialog.save()

    controller = DesktopController(laptop)
    controller.scheduler.pause()
    settings = SettingsWindow(controller, autostart=Autostart(platform="linux", home=base))
    settings.show()
    await settle(settings)
    row = settings.team_database.person_row
    await row.save()
    await asyncio.sleep(0.3)
    save(settings.team_database, "settings-team")
    settings.close()
    await controller.scheduler.stop(grace=2)


async def live_shot(desk, laptop, base: Path) -> None:  # type: ignore[no-untyped-def]
    """Sarah's laptop writes her calendar (Radicale) and shows her day; the front desk books a customer for
    her, and within a moment it is in the laptop's Bookings window and in her calendar - no timer ran."""
    from bizcal_desktop.app import DesktopApp
    from tests.fixtures.radicale import RadicaleServer

    server = RadicaleServer(base / "radicale")
    server.start()
    day = next_weekday(2)
    sarah = desk.directory.find_staff("Sarah Klein")
    url = server.make_calendar("sarah", "Sarah – Salon")
    seed_connection(laptop, staff=sarah.id, provider="caldav", provider_type="nextcloud",
                    display_name="Nextcloud – sarah", server_url=server.url, username=server.username,
                    calendar_id=url, calendar_href=url, calendar_name="Sarah – Salon", secret=server.password)
    for customer, at in (("Emma Fischer", "09:00"), ("Liam Schulz", "11:00")):
        desk.bookings.add(sarah.id, "Haircut", customer, f"{day.isoformat()}T{at}")
    app = DesktopApp(laptop)
    for timer in app.controller.scheduler.names:  # an hour away: only the notification can act
        app.controller.scheduler.set_interval(timer, 3600)
    app.start()
    try:
        watch = app.controller.team_changes
        await app.controller.sync_now()
        window = app.windows.open("bookings")
        window.set_day(day)
        await settle(window)
        await until(lambda: watch is not None and watch.feed.backend_pid is not None)
        await asyncio.to_thread(desk.bookings.add, sarah.id, "Colouring", "Nora Vogel", f"{day.isoformat()}T14:00",
                                "desktop")
        await until(lambda: window.model.rowCount() == 3
                    and all(b.sync_state == "synced" for b in window.model.rows()))
        await settle(window, 0.4)
        window.table.selectRow(next(i for i, b in enumerate(window.model.rows()) if b.customer_name == "Nora Vogel"))
        await asyncio.sleep(0.2)
        save(window, "team-live-booking")
    finally:
        if app.controller.team_changes is not None:
            await app.controller.team_changes.stop()
        await app.controller.scheduler.stop(grace=5)
        app.windows.close_all()
        server.stop()


if __name__ == "__main__":
    sys.exit(run(scenario, "bizcal-shots-"))
