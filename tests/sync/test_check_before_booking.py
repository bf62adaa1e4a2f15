"""Fresh when it matters (issue 15 item 7), against a real Radicale: before a booking, one staff
member's calendars are read again - incrementally, logged as "checked before booking" - and a
calendar that cannot be read in time is a note with the age of its busy times, never an error."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bizcal_desktop.services.booking_check import unchecked_note
from bizcal_desktop.store.models import BusyBlock, CalendarConnection, CalendarSyncLog, Setting
from bizcal_desktop.store.settings import BusinessSettings
from bizcal_desktop.sync.importer import AvailabilityImporter
from bizcal_desktop.sync.scheduler import IMPORT, build_scheduler
from tests.support.connections import seed_connection
from tests.sync.test_importer_caldav import vevent

BERLIN = ZoneInfo("Europe/Berlin")


def soon(hour: int) -> datetime:
    """``hour`` o'clock in Berlin three days from now (inside the import window)."""
    day = datetime.now(BERLIN).date() + timedelta(days=3)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


async def connect(services, staff: str, server, calendar_url: str) -> int:  # type: ignore[no-untyped-def]
    view = await services.connections.connect_caldav(
        staff=staff, provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar_url,
    )
    return view.id


@pytest.fixture
async def mark(services, caldav_calendar):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    await connect(services, "Mark", caldav_calendar.server, caldav_calendar.url)
    return services


def log_rows(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return [r.message for r in s.scalars(select(CalendarSyncLog).where(CalendarSyncLog.action == "import")
                                              .order_by(CalendarSyncLog.id))]


async def test_reads_only_that_staff_members_calendars_incrementally(  # type: ignore[no-untyped-def]
    mark, caldav_calendar, radicale_server
) -> None:
    services = mark
    services.directory.add_staff("Lydia", "Europe/Berlin")
    await connect(services, "Lydia", radicale_server, radicale_server.make_calendar())
    await services.importer.import_all()  # the periodic import: both, full
    caldav_calendar.reader().put(f"{caldav_calendar.url}dentist.ics",
                                 vevent("dentist", soon(10), soon(11)))

    report = await services.importer.refresh_staff("Mark")

    [work] = report.connections
    assert (work.ok, work.full, work.added, work.reason) == (True, False, 1, "checked before booking")
    # The sync-collection and one multiget for the changed event (credentials go up front: no 401).
    assert work.requests == 2
    assert services.booking_check.busy_over("Mark", "Massage", soon(10).astimezone(UTC)) is not None
    assert "(incremental, checked before booking): 1 added" in log_rows(services)[-1]
    nothing_new = await services.booking_check.refresh("Mark")
    assert (nothing_new.requests, nothing_new.unchecked) == (1, ())  # the sync-collection alone


async def test_a_calendar_that_cannot_be_read_is_a_note_with_the_age_of_its_busy_times(  # type: ignore[no-untyped-def]
    services, fresh_radicale
) -> None:
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    calendar = fresh_radicale.make_calendar()
    await connect(services, "Mark", fresh_radicale, calendar)
    await services.importer.import_all()
    with services.db.session() as s:
        [connection] = s.scalars(select(CalendarConnection)).all()
        last_read = connection.last_import_at
    fresh_radicale.stop()

    check = await services.booking_check.refresh("Mark")

    assert check.checked == ()
    [unchecked] = check.unchecked
    assert unchecked.as_of == last_read
    assert "Could not reach the calendar server" in unchecked.reason
    note = unchecked_note(unchecked)
    assert note.startswith(f"Could not check {unchecked.name} just now (")
    assert note.endswith(f"; showing busy times from {last_read.astimezone():%H:%M}")
    assert log_rows(services)[-1].startswith(f"Could not import busy times from {unchecked.name} "
                                             "(checked before booking): ")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def test_a_silent_server_is_given_the_request_timeout_and_no_more(services, silent_port) -> None:  # type: ignore[no-untyped-def]
    staff = services.directory.add_staff("Mark", "Europe/Berlin")
    url = f"http://127.0.0.1:{silent_port}/mark/work/"
    seed_connection(services, staff=staff.id, provider="caldav", provider_type="generic", display_name="Work",
                    server_url=f"http://127.0.0.1:{silent_port}/", username="mark", calendar_id=url,
                    calendar_href=url, calendar_name="Work", secret="x")
    importer = AvailabilityImporter(services.db, services.providers, services.settings, request_timeout=0.3)

    report = await importer.refresh_staff("Mark")

    [work] = report.connections
    assert (work.ok, work.message, work.as_of) == (False, "no answer within 0.3 seconds", None)
    assert log_rows(services)[-1] == ("Could not import busy times from Work (checked before booking): "
                                      "no answer within 0.3 seconds")


async def test_an_import_under_way_is_waited_for_only_as_long_as_a_request(mark) -> None:  # type: ignore[no-untyped-def]
    services = mark
    importer = AvailabilityImporter(services.db, services.providers, services.settings, request_timeout=0.1)
    async with importer._lock:  # the periodic import holds it (reading every calendar)
        report = await importer.refresh_staff("Mark")
    [work] = report.connections
    assert not work.ok and "still under way" in work.message
    with services.db.session() as s:
        row = s.scalars(select(CalendarSyncLog).order_by(CalendarSyncLog.id.desc())).first()
        assert row is not None and row.outcome == "skipped" and "checked before booking" in row.message
        assert s.scalars(select(CalendarConnection)).one().last_error is None  # the calendar is fine


async def test_busy_over_names_a_title_only_when_titles_are_kept(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services = mark
    caldav_calendar.reader().put(f"{caldav_calendar.url}dentist.ics", vevent("dentist", soon(10), soon(11)))
    await services.importer.import_all()
    at = soon(10).astimezone(UTC) + timedelta(minutes=30)
    clash = services.booking_check.busy_over("Mark", "Massage", at)
    assert clash is not None and clash.sentence() == (
        f"Mark is busy then: a busy time in {clash.blocks[0].connection_name} (10:00–11:00)")
    with services.db.session() as s:  # a block stored with its title (as when titles were kept)
        s.scalars(select(BusyBlock)).one().title = "Dentist"
    assert "a busy time in" in services.booking_check.busy_over("Mark", "Massage", at).sentence()  # type: ignore[union-attr]
    services.settings.update(keep_busy_titles=True)
    clash = services.booking_check.busy_over("Mark", "Massage", at)
    assert clash is not None and clash.sentence().startswith("Mark is busy then: 'Dentist' in ")
    assert services.booking_check.busy_over("Mark", "Massage", soon(11).astimezone(UTC)) is None  # ends at 11


def test_the_periodic_import_runs_every_15_minutes_unless_set_otherwise(services) -> None:  # type: ignore[no-untyped-def]
    assert services.settings.get().import_interval_minutes == 15
    assert build_scheduler(drain=None, import_all=lambda: None)._timers[IMPORT].interval == 15 * 60  # type: ignore[arg-type, return-value]
    # Settings saved by an earlier version hold every field: their interval stays what it was.
    earlier = {**BusinessSettings().__dict__, "import_interval_minutes": 60}
    with services.db.session() as s:
        s.add(Setting(key="business", value_json=json.dumps(earlier)))
    assert services.settings.get().import_interval_minutes == 60
