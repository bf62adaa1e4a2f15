"""Disconnect, safely, against a real Radicale (read back with the fixture's own reader).

With removal: only BizCal's future events of this database's bookings go — a foreign event, a past
booking's event and an event another BizCal installation wrote stay — counted first, with progress,
logged and linked to the disconnect; the secret is gone either way. Without removal: the events stay,
and connecting the same calendar again takes them over instead of writing them twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import CalendarEventMapping, CalendarSyncLog
from tests.fixtures.radicale import CalendarFixture


def ics(uid: str, start: datetime, summary: str, marker: str | None = None) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", f"UID:{uid}",
             f"DTSTAMP:{datetime.now(UTC):{fmt}}", f"DTSTART:{start:{fmt}}",
             f"DTEND:{start + timedelta(hours=1):{fmt}}", f"SUMMARY:{summary}"]
    if marker:
        lines.append(f"X-BIZCAL-BOOKING:{marker}")
    return "\r\n".join([*lines, "END:VEVENT", "END:VCALENDAR", ""])


def soon(days: int, hour: int = 10) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


async def connect(services, calendar: CalendarFixture):  # type: ignore[no-untyped-def]
    server = calendar.server
    return await services.connections.connect_caldav(
        staff="Mark", provider_type="generic", url=server.url, username=server.username,
        password=server.password, calendar=calendar.url, door="desktop",
    )


@pytest.fixture
async def written(services, caldav_calendar: CalendarFixture):  # type: ignore[no-untyped-def]
    """Mark's calendar with two future bookings, a past one, a dentist appointment and an event of
    another BizCal installation (our marker, a booking this database does not have)."""
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    view = await connect(services, caldav_calendar)
    future = [services.bookings.add("Mark", "Massage", name, soon(d)) for name, d in (("Emma", 2), ("Otto", 9))]
    past = services.bookings.add("Mark", "Massage", "Paula", soon(-2))
    report = await services.engine.drain()
    assert (report.synced, report.failed) == (3, 0)
    reader = caldav_calendar.reader()
    reader.put("dentist.ics", ics("dentist-1", soon(3), "Dentist"))
    stranger = uuid4().hex
    reader.put(f"{stranger}.ics", ics(f"{stranger}@bizcal-desktop", soon(4), "Massage", marker=stranger))
    return services, view, future, past


def uids(calendar: CalendarFixture) -> set[str]:
    return {str(e["UID"]) for e in calendar.reader().events()}


async def test_removal_counts_first_then_deletes_only_our_future_events(written, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, view, future, past = written
    before = uids(caldav_calendar)
    assert len(before) == 5

    preview = await services.connections.removal_preview(view.id)
    assert (preview.count, preview.message) == (2, f"2 future events will be removed from {view.calendar_name}.")
    progress: list[tuple[int, int]] = []
    result = await services.connections.disconnect_and_revoke(
        view.id, door="desktop", remove_events=True, on_progress=lambda done, total: progress.append((done, total)))

    assert (result.removed, result.not_removed, result.left) == (2, 0, 1)
    assert progress == [(0, 2), (1, 2), (2, 2)]
    assert uids(caldav_calendar) == before - {f"{b.public_id}@bizcal-desktop" for b in future}
    assert f"{past.public_id}@bizcal-desktop" in uids(caldav_calendar) and "dentist-1" in uids(caldav_calendar)
    assert result.message == (f"Disconnected {view.display_name}; removed 2 of BizCal's future events; its "
                               "secrets were deleted from the keychain.")
    assert services.secrets.get(services.connections.info(view.id).secret_key, "password") is None
    assert services.connections.get(view.id).status == "disconnected"

    [disconnect] = [e for e in services.audit.entries() if e.action == "disconnect"]
    assert disconnect.door == "desktop" and disconnect.after == {"active": False, "is_default": False,
                                                                 "status": "removing"}
    with services.db.session() as s:
        row = s.scalars(select(CalendarSyncLog).order_by(CalendarSyncLog.id.desc())).first()
        assert row is not None and row.message == (f"Removed 2 of BizCal's 2 future event(s) from "
                                                   f"{view.calendar_name}; its secret was deleted from the keychain.")
        assert row.audit_event_id == disconnect.id
        states = {m.booking_id: (m.state, m.deleted) for m in s.scalars(select(CalendarEventMapping))}
    assert states == {future[0].id: ("removed", True), future[1].id: ("removed", True), past.id: ("left", False)}


async def test_without_removal_the_events_stay_and_a_reconnect_takes_them_over(written, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    services, view, future, past = written
    result = await services.connections.disconnect_and_revoke(view.id, door="cli")
    assert (result.removed, result.left) == (0, 3)
    assert result.message.endswith("BizCal's events stay in the calendar; its secrets were deleted from the keychain.")
    assert len(uids(caldav_calendar)) == 5
    services.bookings.move(future[0].id, soon(2, 15))  # while disconnected: nothing to write it to
    services.bookings.cancel(future[1].id)
    await services.engine.drain()

    again = await connect(services, caldav_calendar)
    log = services.sync_log.entries(limit=1)[0]
    assert log.message.endswith("; 3 event(s) BizCal left in it are taken over, not written again")
    await services.engine.drain()
    events = {str(e["UID"]): e for e in caldav_calendar.reader().events()}
    ours = {uid for uid in events if uid.endswith("@bizcal-desktop")}
    assert ours == {f"{future[0].public_id}@bizcal-desktop", f"{past.public_id}@bizcal-desktop",
                    next(u for u in ours if u.split("@")[0] not in {b.public_id for b in (*future, past)})}
    moved = events[f"{future[0].public_id}@bizcal-desktop"]
    assert moved.decoded("DTSTART").astimezone(UTC) == soon(2, 15)  # updated in place, not written twice
    with services.db.session() as s:
        on_new = {m.booking_id for m in s.scalars(select(CalendarEventMapping)
                                                  .where(CalendarEventMapping.connection_id == again.id))}
    assert on_new == {future[0].id, future[1].id, past.id}
