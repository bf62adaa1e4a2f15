"""The in-memory provider's own promises: injected failures, the calendar face, cursors and tokens.

What it shares with every provider is checked by the contract suite (``tests/providers/contract/``);
these are the parts only it has, which the engine and importer tests lean on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.providers.base import BusyInterval, EventSpec, booking_uid
from bizcal_desktop.providers.memory import Call, MemoryProvider

WINDOW = TimeRange(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 7, day, hour, tzinfo=UTC)


def spec(public_id: str | None = None, start: datetime | None = None) -> EventSpec:
    start = start or at(6, 9)
    return EventSpec(booking_public_id=public_id or uuid.uuid4().hex, summary="Massage – Emma",
                     description="", start=start, end=start + timedelta(hours=1), timezone="Europe/Berlin")


async def test_an_injected_failure_happens_before_anything_is_written() -> None:
    memory, doomed, fine = MemoryProvider(), spec(), spec(start=at(7, 9))
    memory.fail_next("upsert", TransientError("busy", retry_after=2), times=2,
                     booking_public_id=doomed.booking_public_id)

    await memory.upsert_event(fine, None)  # another booking is not affected
    for _ in range(2):
        with pytest.raises(TransientError) as caught:
            await memory.upsert_event(doomed, None)
        assert caught.value.retry_after == 2
    assert memory.event_of(doomed.booking_public_id) is None
    await memory.upsert_event(doomed, None)  # used up

    assert len(memory.own_events()) == 2
    assert memory.calls[-1] == Call("upsert", doomed.booking_public_id)
    assert sum(c.operation == "upsert" for c in memory.calls) == 4


async def test_fail_always_lasts_until_cleared_and_unknown_operations_are_refused() -> None:
    memory = MemoryProvider()
    memory.fail_always("delete", AuthError("revoked"))
    for _ in range(3):
        with pytest.raises(AuthError):
            await memory.delete_event(uuid.uuid4().hex, None)
    memory.clear_failures()
    await memory.delete_event(uuid.uuid4().hex, None)
    with pytest.raises(ValueError, match="Unknown operation"):
        memory.fail_next("upsrt", PermanentError("typo"))  # type: ignore[arg-type]


async def test_a_lost_answer_still_writes_and_test_connection_reports_failures() -> None:
    memory, booking = MemoryProvider(), spec()
    memory.lose_response_of_next_write()
    with pytest.raises(TransientError):
        await memory.upsert_event(booking, None)
    assert memory.event_of(booking.booking_public_id) is not None
    await memory.upsert_event(booking, None)  # the next write is answered again

    memory.fail_next("test_connection", AuthError("The password was refused."))
    check = await memory.test_connection()
    assert not check.ok and check.message == "The password was refused."


async def test_our_event_moved_in_the_calendar_is_reported_where_it_went() -> None:
    memory, booking = MemoryProvider(), spec()
    await memory.upsert_event(booking, None)
    first = await memory.fetch_busy(WINDOW, None)

    memory.move_event(booking.uid, at(9, 13), at(9, 14))  # an assistant drags it
    changes = await memory.fetch_busy(WINDOW, first.cursor)

    assert not changes.full and changes.upserts == {} and changes.removed == set()
    assert changes.own_events == {booking.uid: booking.uid}
    assert changes.own_times == {booking.uid: (at(9, 13), at(9, 14))}


async def test_free_events_and_other_windows() -> None:
    memory = MemoryProvider()
    memory.add_busy(at(2, 10), at(2, 11), key="lunch", busy=False)
    memory.add_busy(at(3, 0), at(4, 0), key="away", all_day=True)
    first = await memory.fetch_busy(WINDOW, None)
    assert first.upserts == {"away": [BusyInterval(at(3, 0), at(4, 0), all_day=True)]}

    memory.edit_event("lunch", busy=True)
    changes = await memory.fetch_busy(WINDOW, first.cursor)
    assert changes.upserts == {"lunch": [BusyInterval(at(2, 10), at(2, 11))]}

    later = TimeRange(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    assert (await memory.fetch_busy(later, changes.cursor)).full  # the window slid: read it all
    memory.expire_cursors()
    assert (await memory.fetch_busy(WINDOW, changes.cursor)).full
    with pytest.raises(ValueError, match="looks like one of our booking events"):
        memory.add_busy(at(5, 9), at(5, 10), key=booking_uid(uuid.uuid4().hex))


async def test_credentials_renew_only_near_expiry() -> None:
    now = [datetime(2026, 7, 1, 12, tzinfo=UTC)]
    memory = MemoryProvider(credential_lifetime=timedelta(hours=1), clock=lambda: now[0])

    quiet = await memory.refresh_credentials(timedelta(minutes=10))
    assert (quiet.refreshed, quiet.expires_at) == (False, datetime(2026, 7, 1, 13, tzinfo=UTC))
    now[0] += timedelta(minutes=55)
    renewed = await memory.refresh_credentials(timedelta(minutes=10))
    assert (renewed.refreshed, renewed.expires_at) == (True, datetime(2026, 7, 1, 13, 55, tzinfo=UTC))
    assert memory.refreshes == 1

    never = await MemoryProvider().refresh_credentials(timedelta(days=365))
    assert (never.refreshed, never.expires_at) == (False, None)
