"""The CalendarProvider contract (``providers/base.py``), checked on every backend alike.

Each test runs on the in-memory provider, CalDAV against Radicale, and the production Google and
Microsoft providers against their loopback fakes. What the calendar holds is read back through the
harness's back door, never through the provider under test. A provider that fails here is not done.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import NotFoundError
from bizcal_desktop.providers.base import BusyInterval, EventSpec
from tests.providers.contract.harnesses import ZONE, Harness

WINDOW = TimeRange(datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in July 2026, UTC."""
    return datetime(2026, 7, day, hour, minute, tzinfo=UTC)


def spec(public_id: str | None = None, start: datetime | None = None, sequence: int = 0,
         summary: str = "Massage – Emma") -> EventSpec:
    start = start or at(6, 9)
    return EventSpec(booking_public_id=public_id or uuid.uuid4().hex, summary=summary,
                     description="Booked in BizCal", start=start, end=start + timedelta(hours=1),
                     timezone=ZONE, sequence=sequence)


# ------------------------------------------------------------------------------------------ writes


async def test_the_same_booking_written_twice_is_one_event(harness: Harness) -> None:
    booking = spec()
    first = await harness.provider.upsert_event(booking, None)
    again = await harness.provider.upsert_event(booking, None)  # the job ran again before the mapping was saved

    [stored] = harness.own_events()
    assert stored.booking_public_id == booking.booking_public_id
    assert (stored.start, stored.end, stored.summary) == (booking.start, booking.end, booking.summary)
    assert first.external_id == again.external_id == stored.external_id
    assert again.etag == stored.etag

    moved = spec(booking.booking_public_id, start=at(7, 14), sequence=1)
    ref = await harness.provider.upsert_event(moved, again)
    [stored] = harness.own_events()
    assert (stored.start, stored.end) == (moved.start, moved.end)
    assert ref.external_id == stored.external_id and ref.etag == stored.etag != again.etag


async def test_a_write_whose_answer_was_lost_is_adopted_on_retry(harness: Harness) -> None:
    booking = spec()
    await harness.write_whose_answer_is_lost(booking)
    assert [e.booking_public_id for e in harness.own_events()] == [booking.booking_public_id]  # it landed

    retried = spec(booking.booking_public_id, start=at(6, 11), sequence=1)  # moved meanwhile
    ref = await harness.provider.upsert_event(retried, None)  # no mapping was saved: known=None

    [stored] = harness.own_events()
    assert (stored.start, stored.end) == (retried.start, retried.end)
    assert ref.external_id == stored.external_id and ref.etag == stored.etag


async def test_an_update_with_a_stale_etag_rereads_and_the_booking_wins(harness: Harness) -> None:
    booking = spec()
    ref = await harness.provider.upsert_event(booking, None)
    harness.rename_behind_our_back(booking.booking_public_id, "Renamed in the calendar app")
    renamed = harness.stored(booking.booking_public_id)
    assert renamed is not None and renamed.etag != ref.etag  # our reference is stale now

    moved = spec(booking.booking_public_id, start=at(8, 15), sequence=1)
    new_ref = await harness.provider.upsert_event(moved, ref)

    [stored] = harness.own_events()
    assert (stored.start, stored.end, stored.summary) == (moved.start, moved.end, moved.summary)
    assert new_ref.external_id == stored.external_id and new_ref.etag == stored.etag


async def test_an_update_of_an_event_deleted_in_the_calendar_writes_it_again(harness: Harness) -> None:
    booking = spec()
    ref = await harness.provider.upsert_event(booking, None)
    harness.delete_behind_our_back(booking.booking_public_id)
    assert harness.stored(booking.booking_public_id) is None

    moved = spec(booking.booking_public_id, start=at(9, 8), sequence=1)
    new_ref = await harness.provider.upsert_event(moved, ref)

    [stored] = harness.own_events()
    assert (stored.start, stored.end) == (moved.start, moved.end)
    assert new_ref.external_id == stored.external_id and new_ref.etag == stored.etag


async def test_deleting_an_event_that_is_already_gone_succeeds(harness: Harness) -> None:
    booking = spec()
    ref = await harness.provider.upsert_event(booking, None)
    harness.delete_behind_our_back(booking.booking_public_id)

    await harness.provider.delete_event(booking.booking_public_id, ref)  # gone already: no error
    await harness.provider.delete_event(booking.booking_public_id, ref)  # and again
    await harness.provider.delete_event(booking.booking_public_id, None)
    await harness.provider.delete_event(uuid.uuid4().hex, None)  # never existed
    assert harness.own_events() == []


async def test_a_delete_without_a_reference_finds_the_event_by_the_booking(harness: Harness) -> None:
    kept, doomed = spec(), spec(start=at(10, 9))
    await harness.provider.upsert_event(kept, None)
    await harness.provider.upsert_event(doomed, None)  # the mapping of this write was never saved

    await harness.provider.delete_event(doomed.booking_public_id, None)

    assert [e.booking_public_id for e in harness.own_events()] == [kept.booking_public_id]


# ------------------------------------------------------------------------------------------ busy import


async def test_busy_import_reads_everything_then_only_the_changes(harness: Harness) -> None:
    dentist = harness.add_foreign(at(2, 10), at(2, 11))
    lunch = harness.add_foreign(at(3, 12), at(3, 13))
    harness.add_foreign(datetime(2026, 8, 3, 12, tzinfo=UTC), datetime(2026, 8, 3, 13, tzinfo=UTC))  # outside
    booking = spec(start=at(4, 9))
    await harness.provider.upsert_event(booking, None)

    full = await harness.provider.fetch_busy(WINDOW, None)
    assert full.full and full.cursor
    assert full.upserts == {dentist: [BusyInterval(at(2, 10), at(2, 11))],
                            lunch: [BusyInterval(at(3, 12), at(3, 13))]}
    assert list(full.own_events.values()) == [booking.uid]  # ours: reported, never a busy block
    [own_key] = full.own_events
    assert full.own_times[own_key] == (booking.start, booking.end)

    quiet = await harness.provider.fetch_busy(WINDOW, full.cursor)
    assert not quiet.full and (quiet.upserts, quiet.removed) == ({}, set()) and quiet.cursor

    new = harness.add_foreign(at(5, 14), at(5, 15))
    harness.move_foreign(lunch, at(6, 12), at(6, 13))
    harness.remove_foreign(dentist)
    changes = await harness.provider.fetch_busy(WINDOW, quiet.cursor)

    assert not changes.full and changes.cursor
    assert changes.upserts == {new: [BusyInterval(at(5, 14), at(5, 15))],
                               lunch: [BusyInterval(at(6, 12), at(6, 13))]}
    assert changes.removed == {dentist}


async def test_an_unreadable_cursor_means_a_full_read(harness: Harness) -> None:
    dentist = harness.add_foreign(at(2, 10), at(2, 11))
    await harness.provider.fetch_busy(WINDOW, None)

    again = await harness.provider.fetch_busy(WINDOW, "not a cursor")

    assert again.full and set(again.upserts) == {dentist} and again.cursor
    follow_up = await harness.provider.fetch_busy(WINDOW, again.cursor)
    assert not follow_up.full


async def test_a_cursor_the_server_refuses_means_a_full_read(harness: Harness) -> None:
    dentist = harness.add_foreign(at(2, 10), at(2, 11))
    first = await harness.provider.fetch_busy(WINDOW, None)
    assert first.cursor
    refused = harness.refuse_cursors(first.cursor)
    lunch = harness.add_foreign(at(3, 12), at(3, 13))

    again = await harness.provider.fetch_busy(WINDOW, refused)  # a refused cursor is a full read, never an error

    assert again.full and set(again.upserts) == {dentist, lunch} and again.cursor
    follow_up = await harness.provider.fetch_busy(WINDOW, again.cursor)
    assert not follow_up.full and follow_up.upserts == {}


# ------------------------------------------------------------------------------------------ our events, listed


async def test_listing_our_events_names_exactly_ours_at_the_version_we_wrote(harness: Harness) -> None:
    first, second = spec(start=at(3, 9)), spec(start=at(12, 15))
    outside = spec(start=datetime(2026, 8, 3, 9, tzinfo=UTC))
    written = {s.booking_public_id: await harness.provider.upsert_event(s, None) for s in (first, second, outside)}
    harness.add_foreign(at(4, 10), at(4, 11))  # someone else's appointment in the window

    listed = await harness.provider.list_own_events(WINDOW)

    assert set(listed) == {first.booking_public_id, second.booking_public_id}
    for public_id, ref in listed.items():
        stored = harness.stored(public_id)
        assert stored is not None and ref.external_id == stored.external_id == written[public_id].external_id
        assert ref.etag == stored.etag == written[public_id].etag  # unchanged since our write: same ETag


async def test_listing_shows_an_event_deleted_or_edited_in_the_calendar_app(harness: Harness) -> None:
    deleted, edited, kept = spec(start=at(3, 9)), spec(start=at(5, 9)), spec(start=at(7, 9))
    refs = {s.booking_public_id: await harness.provider.upsert_event(s, None) for s in (deleted, edited, kept)}
    harness.delete_behind_our_back(deleted.booking_public_id)
    harness.rename_behind_our_back(edited.booking_public_id, "Renamed in the calendar app")

    listed = await harness.provider.list_own_events(WINDOW)

    assert set(listed) == {edited.booking_public_id, kept.booking_public_id}
    assert listed[edited.booking_public_id].etag != refs[edited.booking_public_id].etag
    assert listed[kept.booking_public_id].etag == refs[kept.booking_public_id].etag


async def test_a_deleted_calendar_is_not_found_for_listing_and_writing(harness: Harness) -> None:
    async with harness.provider_of_deleted_calendar() as gone:
        with pytest.raises(NotFoundError):
            await gone.list_own_events(WINDOW)
        with pytest.raises(NotFoundError):
            await gone.upsert_event(spec(), None)


# ------------------------------------------------------------------------------------------ account


async def test_test_connection_proves_a_write_and_leaves_nothing_behind(harness: Harness) -> None:
    before = harness.event_count()
    check = await harness.provider.test_connection()
    assert check.ok, check.message
    assert harness.event_count() == before
    calendars = await harness.provider.list_calendars()
    assert harness.calendar_id in [c.calendar_id for c in calendars]


async def test_refresh_credentials_renews_only_what_expires(harness: Harness) -> None:
    now = datetime.now(UTC)
    quiet = await harness.provider.refresh_credentials(timedelta(seconds=1))
    assert not quiet.refreshed
    renewed = await harness.provider.refresh_credentials(timedelta(days=1))
    if harness.credentials_expire:  # OAuth tokens: renewed when they expire within the margin
        assert quiet.expires_at is not None and quiet.expires_at > now
        assert renewed.refreshed and renewed.expires_at is not None and renewed.expires_at > now
    else:  # app-passwords never expire: nothing to renew, ever
        assert (quiet.expires_at, renewed.refreshed, renewed.expires_at) == (None, False, None)
