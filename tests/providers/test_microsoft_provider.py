"""MicrosoftProvider end to end against the loopback HTTPS Microsoft fake (only the endpoints differ)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bizcal_desktop.config import Config, MicrosoftEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.provider_factory import ProviderFactory
from bizcal_desktop.providers.base import BusyInterval, ConnectionInfo, EventSpec, booking_uid
from bizcal_desktop.providers.microsoft import MicrosoftProvider
from bizcal_desktop.providers.microsoft.events import MARKER_PROPERTY_ID, event_body
from bizcal_desktop.secrets import SecretStore
from tests.fakes.microsoft import MicrosoftFake

ZONE = "Europe/Berlin"
WINDOW = TimeRange(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 30, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def spec(public_id: str | None = None, start: datetime | None = None, minutes: int = 60) -> EventSpec:
    start = start or utc(2024, 3, 12, 9, 0)
    return EventSpec(booking_public_id=public_id or uuid.uuid4().hex, summary="Massage – Emma",
                     description="Booked in BizCal", start=start, end=start + timedelta(minutes=minutes),
                     timezone=ZONE)


@pytest.fixture
def saved_caches() -> list[str]:
    return []


@pytest.fixture
async def provider(ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints, ms_cache_json: str,
                   saved_caches: list[str]) -> AsyncIterator[MicrosoftProvider]:
    async with MicrosoftProvider(ms_cache_json, ms_fake.primary.id, ms_endpoints, ZONE,
                                 on_cache_changed=saved_caches.append, timeout=5.0) as built:
        yield built


def own(fake: MicrosoftFake) -> list[dict]:  # type: ignore[type-arg]
    return fake.primary.all_events()


# ------------------------------------------------------------------------------------------ writes


async def test_create_writes_the_staff_zone_and_our_marker_then_move_and_delete(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    [stored] = own(ms_fake)
    assert ref.external_id == stored["id"] and ref.etag == stored["@odata.etag"]
    assert stored["start"] == {"dateTime": "2024-03-12T10:00:00", "timeZone": ZONE}
    assert stored["singleValueExtendedProperties"] == [{"id": MARKER_PROPERTY_ID,
                                                        "value": booking.booking_public_id}]
    assert stored["transactionId"] == f"bizcal-{booking.booking_public_id}"

    moved = await provider.upsert_event(spec(booking.booking_public_id, start=utc(2024, 4, 2, 13, 30)), ref)
    [stored] = own(ms_fake)
    assert moved.external_id == ref.external_id and moved.etag != ref.etag
    assert stored["start"] == {"dateTime": "2024-04-02T15:30:00", "timeZone": ZONE}  # CEST after DST
    assert ms_fake.counts["events.create"] == 1 and ms_fake.counts["events.patch"] == 1
    patch_headers = next(h for route, _, h in ms_fake.request_log if route == "events.patch")
    assert patch_headers["if-match"] == ref.etag

    await provider.delete_event(booking.booking_public_id, moved)
    assert own(ms_fake) == []
    await provider.delete_event(booking.booking_public_id, moved)  # 404: already gone is success
    await provider.delete_event(uuid.uuid4().hex, None)  # never existed: nothing to do


async def test_a_retried_post_with_the_same_transaction_id_makes_no_duplicate(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    booking = spec()
    # Two POSTs of the same create, as when the first answer was lost on the way back.
    first = await provider._create(booking, event_body(booking))
    again = await provider._create(booking, event_body(booking))
    assert first.external_id == again.external_id and len(own(ms_fake)) == 1
    assert ms_fake.counts["events.create"] == 2


async def test_crash_after_the_post_landed_adopts_the_event(provider: MicrosoftProvider,
                                                            ms_fake: MicrosoftFake) -> None:
    booking = spec()
    await provider.upsert_event(booking, None)  # landed, but the mapping was never saved
    retried = spec(booking.booking_public_id, start=utc(2024, 3, 12, 11, 0))
    ref = await provider.upsert_event(retried, None)
    [stored] = own(ms_fake)
    assert ref.external_id == stored["id"] and stored["start"]["dateTime"] == "2024-03-12T12:00:00"
    assert ms_fake.counts["events.create"] == 1
    # A delete without a mapping finds the event by the marker too.
    await provider.delete_event(booking.booking_public_id, None)
    assert own(ms_fake) == []


async def test_stale_etag_rereads_and_patches_and_a_deleted_event_is_created_again(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    ms_fake.primary.edit_event(ref.external_id, {"subject": "renamed by the assistant"})
    updated = await provider.upsert_event(spec(booking.booking_public_id, start=utc(2024, 3, 13, 9)), ref)
    [stored] = own(ms_fake)
    assert updated.etag == stored["@odata.etag"] and stored["start"]["dateTime"] == "2024-03-13T10:00:00"
    assert ms_fake.counts["events.patch"] == 2  # the 412, then the patch on the fresh ETag

    ms_fake.primary.delete_event(ref.external_id)  # deleted in Outlook
    again = await provider.upsert_event(booking, updated)
    assert again.external_id != ref.external_id and len(own(ms_fake)) == 1


async def test_429_and_503_are_transient_with_retry_after(provider: MicrosoftProvider,
                                                          ms_fake: MicrosoftFake) -> None:
    ms_fake.inject("events.list", 429, retry_after=12)
    with pytest.raises(TransientError) as caught:
        await provider.upsert_event(spec(), None)
    assert caught.value.retry_after == 12
    ms_fake.inject("calendarView.delta", 503)
    with pytest.raises(TransientError):
        await provider.fetch_busy(WINDOW, None)
    ms_fake.inject("events.list", 400)
    with pytest.raises(PermanentError, match="Bad request"):
        await provider.upsert_event(spec(), None)


async def test_401_renews_silently_and_the_new_cache_is_handed_back(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake, saved_caches: list[str]
) -> None:
    await provider.list_calendars()
    ms_fake.expire_access_tokens()
    calendars = await provider.list_calendars()
    assert [c.primary for c in calendars] == [True]
    assert ms_fake.identity.grants.count("refresh_token") >= 2  # the sign-in helper's, then the renewal
    assert saved_caches and json.loads(saved_caches[-1])["RefreshToken"]


async def test_revoked_refresh_token_is_an_auth_error(provider: MicrosoftProvider, ms_fake: MicrosoftFake) -> None:
    ms_fake.revoke_refresh_tokens()
    with pytest.raises(AuthError, match="reconnect"):
        await provider.list_calendars()


async def test_refresh_credentials_renews_only_when_expiring(provider: MicrosoftProvider) -> None:
    quiet = await provider.refresh_credentials(timedelta(minutes=10))
    assert not quiet.refreshed and quiet.expires_at is not None
    renewed = await provider.refresh_credentials(timedelta(hours=2))
    assert renewed.refreshed and renewed.expires_at is not None


async def test_test_connection_probes_a_write_and_leaves_nothing(provider: MicrosoftProvider,
                                                                 ms_fake: MicrosoftFake) -> None:
    check = await provider.test_connection()
    assert check.ok, check.message
    assert own(ms_fake) == [] and ms_fake.counts["events.create"] == 1


# ------------------------------------------------------------------------------------------ busy import


def _event(subject: str, start: str, end: str, zone: str = ZONE, **extra: object) -> dict:  # type: ignore[type-arg]
    return {"subject": subject, "start": {"dateTime": start, "timeZone": zone},
            "end": {"dateTime": end, "timeZone": zone}, **extra}


async def test_import_honours_show_as_cancelled_declined_all_day_and_own_events(
    provider: MicrosoftProvider, ms_fake: MicrosoftFake
) -> None:
    cal = ms_fake.primary
    dentist = cal.add_event(_event("Dentist", "2024-03-12T08:00:00", "2024-03-12T09:00:00"))
    cal.add_event(_event("Lunch", "2024-03-12T12:00:00", "2024-03-12T13:00:00", showAs="free"))
    cal.add_event(_event("Home office", "2024-03-12T13:00:00", "2024-03-12T17:00:00", showAs="workingElsewhere"))
    cal.add_event(_event("Cancelled", "2024-03-13T08:00:00", "2024-03-13T09:00:00", isCancelled=True))
    cal.add_event(_event("Declined", "2024-03-13T10:00:00", "2024-03-13T11:00:00",
                         responseStatus={"response": "declined", "time": "2024-03-01T00:00:00Z"}))
    # All-day on the spring-forward day in Berlin, written by a client in Windows zone names.
    dst = cal.add_event(_event("Conference", "2024-03-31T00:00:00", "2024-04-01T00:00:00",
                               zone="W. Europe Standard Time", isAllDay=True))
    booking = spec(start=utc(2024, 3, 14, 9))
    ref = await provider.upsert_event(booking, None)

    changes = await provider.fetch_busy(WINDOW, None)
    assert changes.full
    assert set(changes.upserts) == {dentist["id"], dst["id"]}
    assert changes.upserts[dentist["id"]] == [BusyInterval(utc(2024, 3, 12, 7), utc(2024, 3, 12, 8))]
    [day] = changes.upserts[dst["id"]]
    assert (day.start, day.end, day.all_day) == (utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), True)  # 23 hours
    assert changes.own_events == {ref.external_id: booking_uid(booking.booking_public_id)}
    assert changes.own_times[ref.external_id] == (booking.start, booking.end)

    # Incremental: nothing changed → nothing reported; an own event moved in Outlook → new own_times.
    quiet = await provider.fetch_busy(WINDOW, changes.cursor)
    assert not quiet.full and (quiet.upserts, quiet.removed, quiet.own_events) == ({}, set(), {})
    cal.edit_event(ref.external_id, {"start": {"dateTime": "2024-03-14T15:00:00", "timeZone": ZONE},
                                     "end": {"dateTime": "2024-03-14T16:00:00", "timeZone": ZONE}})
    cal.edit_event(dentist["id"], {"showAs": "free"})
    cal.delete_event(dst["id"])
    moved = await provider.fetch_busy(WINDOW, quiet.cursor)
    assert moved.own_times == {ref.external_id: (utc(2024, 3, 14, 14), utc(2024, 3, 14, 15))}
    assert moved.upserts == {dentist["id"]: []} and moved.removed == {dst["id"]}


async def test_a_refused_delta_link_reads_everything_again(provider: MicrosoftProvider,
                                                           ms_fake: MicrosoftFake) -> None:
    for day in range(1, 13):  # more than one page at the fake's page size
        ms_fake.primary.add_event(_event(f"e{day}", f"2024-03-{day:02d}T08:00:00", f"2024-03-{day:02d}T09:00:00"))
    first = await provider.fetch_busy(WINDOW, None)
    assert len(first.upserts) == 12
    ms_fake.primary.expire_delta_tokens()
    again = await provider.fetch_busy(WINDOW, first.cursor)
    assert again.full and len(again.upserts) == 12 and again.cursor != first.cursor
    # A cursor for a narrower window is not trusted for a wider one.
    wider = TimeRange(WINDOW.start, WINDOW.end + timedelta(days=30))
    assert (await provider.fetch_busy(wider, again.cursor)).full


async def test_the_provider_factory_builds_it_and_saves_a_renewed_cache(
    ms_fake: MicrosoftFake, ms_endpoints: MicrosoftEndpoints, ms_cache_json: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    secrets = SecretStore("bizcal-test")
    secrets.set("conn-1", "msal_cache", ms_cache_json)
    config = dataclasses.replace(Config(data_dir=tmp_path), microsoft=ms_endpoints)
    info = ConnectionInfo(id=1, provider="microsoft", secret_key="conn-1", timezone=ZONE,
                          calendar_id=ms_fake.primary.id)
    ms_fake.expire_access_tokens()
    async with ProviderFactory(config, secrets).build(info) as built:
        await built.list_calendars()
    assert secrets.get("conn-1", "msal_cache") != ms_cache_json
