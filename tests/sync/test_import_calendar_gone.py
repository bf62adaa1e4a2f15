"""An import that finds the calendar gone takes the connection out of use (not just a failed read).

Before, only a write or the daily calendar check noticed a deleted calendar; the hourly import logged
"not found" and left the connection *active*, so the next booking was still sent to a calendar that no
longer exists. The server here is a real Radicale; the calendar is deleted as a person would (its
collection, with a DELETE), then the import runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bizcal_desktop.store.models import ConnectionStatus

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
async def mark(services, caldav_calendar):  # type: ignore[no-untyped-def]
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    server = caldav_calendar.server
    view = await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=caldav_calendar.url,
    )
    return services, view.id


async def test_a_deleted_calendar_marks_its_connection_calendar_missing(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, connection_id = mark
    first = await services.importer.import_all(now=NOW)
    assert [c.ok for c in first.connections] == [True]

    assert caldav_calendar.reader().delete(caldav_calendar.url).status_code in (200, 204)
    report = await services.importer.import_all(now=NOW)

    [result] = report.connections
    assert not result.ok and result.calendar_gone
    connection = services.connections.get(connection_id)
    assert connection.status == ConnectionStatus.CALENDAR_MISSING
    assert "no longer exists" in (connection.last_error or "")


async def test_an_unreachable_server_is_a_failed_read_and_nothing_more(mark, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, connection_id = mark
    caldav_calendar.server.stop()
    try:
        report = await services.importer.import_all(now=NOW)
    finally:
        caldav_calendar.server.start()
    [result] = report.connections
    assert not result.ok and not result.calendar_gone
    assert services.connections.get(connection_id).status == ConnectionStatus.ACTIVE
