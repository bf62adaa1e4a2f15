"""GoogleProvider end to end against the loopback Google fake (only the base URLs differ)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bizcal_desktop.config import Config, GoogleEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.provider_factory import ProviderFactory
from bizcal_desktop.providers import google as google_package
from bizcal_desktop.providers.base import BusyInterval, ConnectionInfo, EventSpec, booking_uid
from bizcal_desktop.providers.google import GoogleProvider
from bizcal_desktop.providers.google import provider as provider_module
from bizcal_desktop.secrets import SecretStore
from tests.fakes.google import GoogleFake

ZONE = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def spec(public_id: str | None = None, start: datetime | None = None, minutes: int = 60,
         summary: str = "Massage – Emma") -> EventSpec:
    start = start or utc(2024, 3, 12, 9, 0)
    return EventSpec(booking_public_id=public_id or uuid.uuid4().hex, summary=summary,
                     description="Booked in BizCal", start=start, end=start + timedelta(minutes=minutes),
                     timezone=ZONE)


class Refreshed(list[str]):
    """Collects the token JSON handed to ``on_token_refreshed``."""


@pytest.fixture
def refreshed() -> Refreshed:
    return Refreshed()


@pytest.fixture
async def provider(google_fake: GoogleFake, google_endpoints: GoogleEndpoints,
                   refreshed: Refreshed) -> AsyncIterator[GoogleProvider]:
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE,
                              on_token_refreshed=refreshed.append, timeout=5.0) as built:
        yield built


# ------------------------------------------------------------------------------------------ writes


async def test_upsert_creates_the_event_in_the_staff_zone_with_our_marker(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)

    stored = google_fake.calendar().get(booking.booking_public_id)
    assert stored is not None and ref.external_id == booking.booking_public_id
    assert ref.etag == stored["etag"]
    assert stored["start"] == {"dateTime": "2024-03-12T10:00:00+01:00", "timeZone": ZONE}
    assert stored["end"] == {"dateTime": "2024-03-12T11:00:00+01:00", "timeZone": ZONE}
    assert stored["summary"] == "Massage – Emma"
    assert stored["extendedProperties"]["private"] == {"bizcalBooking": booking.booking_public_id}
    assert stored["status"] == "confirmed"


async def test_move_keeps_the_id_and_changes_the_times(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    first = await provider.upsert_event(booking, None)
    moved = spec(booking.booking_public_id, start=utc(2024, 4, 2, 13, 30))  # after the DST change
    second = await provider.upsert_event(moved, first)

    assert second.external_id == first.external_id and second.etag != first.etag
    events = google_fake.calendar().live_events()
    assert len(events) == 1
    assert events[0]["start"] == {"dateTime": "2024-04-02T15:30:00+02:00", "timeZone": ZONE}
    assert google_fake.counts["events.insert"] == 1 and google_fake.counts["events.patch"] == 1


async def test_delete_removes_and_a_second_delete_succeeds(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    await provider.delete_event(booking.booking_public_id, ref)
    assert google_fake.calendar().live_events() == []
    await provider.delete_event(booking.booking_public_id, ref)  # Google answers 410: fine
    await provider.delete_event(uuid.uuid4().hex, None)  # never existed, Google answers 404: fine
    assert google_fake.counts["events.delete"] == 3


async def test_crash_after_insert_adopts_the_existing_event(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    await provider.upsert_event(booking, None)  # landed, but the mapping was never saved
    retried = spec(booking.booking_public_id, start=utc(2024, 3, 12, 11, 0))
    ref = await provider.upsert_event(retried, None)

    events = google_fake.calendar().live_events()
    assert [e["id"] for e in events] == [booking.booking_public_id]
    assert events[0]["start"]["dateTime"] == "2024-03-12T12:00:00+01:00"
    assert ref.etag == events[0]["etag"]
    assert google_fake.counts["events.insert"] == 2  # the second answered 409 duplicate


async def test_stale_etag_rereads_and_keeps_the_users_other_changes(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    google_fake.calendar().edit_event(booking.booking_public_id, {"colorId": "5"})  # user edits in Google
    moved = spec(booking.booking_public_id, start=utc(2024, 3, 12, 15, 0))
    new_ref = await provider.upsert_event(moved, ref)

    stored = google_fake.calendar().get(booking.booking_public_id)
    assert stored is not None
    assert stored["colorId"] == "5" and stored["start"]["dateTime"] == "2024-03-12T16:00:00+01:00"
    assert new_ref.etag == stored["etag"]
    assert google_fake.counts["events.patch"] == 2  # the first answered 412 conditionNotMet


async def test_an_event_deleted_in_google_is_restored_under_the_same_id(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    google_fake.calendar().delete_event(booking.booking_public_id)
    await provider.upsert_event(booking, ref)  # with the mapping
    assert [e["id"] for e in google_fake.calendar().live_events()] == [booking.booking_public_id]
    google_fake.calendar().delete_event(booking.booking_public_id)
    await provider.upsert_event(booking, None)  # without it: insert 409 → read → restore
    assert [e["id"] for e in google_fake.calendar().live_events()] == [booking.booking_public_id]


async def test_an_event_purged_from_google_is_inserted_again(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    booking = spec()
    ref = await provider.upsert_event(booking, None)
    google_fake.calendar().purge(booking.booking_public_id)
    new_ref = await provider.upsert_event(booking, ref)  # patch answers 404
    assert new_ref.external_id == booking.booking_public_id
    assert len(google_fake.calendar().live_events()) == 1


@pytest.mark.parametrize(
    ("status", "reason", "retry_after", "expected_wait"),
    [
        (429, None, 7, 7.0),
        (403, "rateLimitExceeded", 3, 3.0),
        (403, "userRateLimitExceeded", None, None),
        (403, "quotaExceeded", None, 3600.0),
        (500, None, None, None),
        (503, None, 12, 12.0),
    ],
)
async def test_throttling_and_server_errors_are_transient(
    provider: GoogleProvider, google_fake: GoogleFake, status: int, reason: str | None,
    retry_after: int | None, expected_wait: float | None,
) -> None:
    google_fake.inject("events.insert", status, reason=reason, retry_after=retry_after)
    with pytest.raises(TransientError) as caught:
        await provider.upsert_event(spec(), None)
    assert caught.value.retry_after == expected_wait
    assert google_fake.calendar().live_events() == []


async def test_a_refused_request_is_permanent_with_googles_message(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    google_fake.inject("events.insert", 400, message="Invalid attendee email.")
    with pytest.raises(PermanentError, match="Invalid attendee email"):
        await provider.upsert_event(spec(), None)


async def test_a_slow_google_is_a_transient_timeout(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    google_fake.inject_delay("events.insert", 1.0)
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE,
                              timeout=0.2) as provider:
        with pytest.raises(TransientError, match="did not answer"):
            await provider.upsert_event(spec(), None)


async def test_an_unreachable_google_is_transient(google_fake: GoogleFake) -> None:
    with httpx_free_port() as port:
        endpoints = GoogleEndpoints(api_base=f"http://127.0.0.1:{port}/calendar/v3",
                                    token_uri=f"{google_fake.base_url}/token")
    async with GoogleProvider(google_fake.grant_token_json(), "primary", endpoints, ZONE) as provider:
        with pytest.raises(TransientError, match="Could not reach Google"):
            await provider.list_calendars()


class httpx_free_port:  # noqa: N801 - used as a context manager name
    """A loopback port that was free a moment ago (nothing listens on it afterwards)."""

    def __enter__(self) -> int:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        return int(self._sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


# ------------------------------------------------------------------------------------------ tokens


async def test_expired_access_token_is_refreshed_and_handed_back(
    provider: GoogleProvider, google_fake: GoogleFake, refreshed: Refreshed
) -> None:
    google_fake.expire_access_tokens()  # the app still believes its token is valid for an hour
    await provider.upsert_event(spec(), None)

    assert len(refreshed) == 1
    new_token = json.loads(refreshed[0])["token"]
    assert google_fake.oauth.check_bearer(f"Bearer {new_token}") is not None
    assert google_fake.counts["events.insert"] == 2  # 401, then the retry with the new token
    assert google_fake.counts["oauth.token"] == 1
    assert len(google_fake.calendar().live_events()) == 1


async def test_token_near_expiry_is_refreshed_before_the_request(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints, refreshed: Refreshed
) -> None:
    data = json.loads(google_fake.grant_token_json())
    data["expiry"] = (datetime.now(UTC) + timedelta(seconds=30)).replace(tzinfo=None).isoformat() + "Z"
    async with GoogleProvider(json.dumps(data), "primary", google_endpoints, ZONE,
                              on_token_refreshed=refreshed.append) as provider:
        await provider.list_calendars()
    assert len(refreshed) == 1
    assert google_fake.counts["calendarList.list"] == 1  # no wasted 401 round trip


async def test_revoked_refresh_token_asks_the_user_to_reconnect(
    provider: GoogleProvider, google_fake: GoogleFake, refreshed: Refreshed
) -> None:
    google_fake.expire_access_tokens()
    google_fake.revoke_refresh_tokens()
    with pytest.raises(AuthError, match="revoked or expired; reconnect"):
        await provider.upsert_event(spec(), None)
    assert refreshed == []


async def test_the_provider_factory_builds_it_and_saves_refreshed_tokens(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints, tmp_path: Any
) -> None:
    secrets = SecretStore("bizcal-test")
    secrets.set("conn-key", "oauth_token", google_fake.grant_token_json())
    factory = ProviderFactory(Config(data_dir=tmp_path, google=google_endpoints), secrets)
    info = ConnectionInfo(id=1, provider="google", secret_key="conn-key", timezone=ZONE,
                          calendar_id=google_fake.account_email)
    old_token = json.loads(secrets.get("conn-key", "oauth_token") or "{}")["token"]
    google_fake.expire_access_tokens()
    provider = factory.build(info)
    async with provider:
        assert isinstance(provider, GoogleProvider)
        await provider.upsert_event(spec(), None)
    saved = json.loads(secrets.get("conn-key", "oauth_token") or "{}")
    assert saved["token"] != old_token
    assert google_fake.oauth.check_bearer(f"Bearer {saved['token']}") is not None


# ------------------------------------------------------------------------------------------ calendars


async def test_list_calendars_and_test_connection(provider: GoogleProvider, google_fake: GoogleFake,
                                                  google_endpoints: GoogleEndpoints) -> None:
    google_fake.add_calendar("holidays@group.v.calendar.google.com", "Holidays", access_role="reader")
    calendars = await provider.list_calendars()
    assert [(c.calendar_id, c.primary, c.writable) for c in calendars] == [
        (google_fake.account_email, True, True),
        ("holidays@group.v.calendar.google.com", False, False),
    ]
    check = await provider.test_connection()
    assert check.ok, check.message
    assert google_fake.calendar().live_events() == []  # the probe event was removed again
    async with GoogleProvider(google_fake.grant_token_json(), "holidays@group.v.calendar.google.com",
                              google_endpoints, ZONE) as read_only:
        refused = await read_only.test_connection()
    assert not refused.ok and "only read" in refused.message


async def test_test_connection_reports_a_revoked_grant(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    google_fake.expire_access_tokens()
    google_fake.revoke_refresh_tokens()
    check = await provider.test_connection()
    assert not check.ok and "reconnect" in check.message


def test_the_google_package_exports_the_public_api() -> None:
    expected = {"authorize_google", "revoke", "GoogleProvider", "GoogleGrant", "SCOPES"}
    assert expected <= set(google_package.__all__)


# ------------------------------------------------------------------------------------------ busy import

WINDOW = TimeRange(utc(2024, 3, 25), utc(2024, 4, 9))  # spans the EU DST change of 31 March


def timed(event_id: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "summary": event_id, "start": {"dateTime": start, "timeZone": ZONE},
            "end": {"dateTime": end, "timeZone": ZONE}, **extra}


def seed_calendar(fake: GoogleFake) -> None:
    """A realistic mix: recurring with EXDATE, all-day on the DST day, transparent, deleted, declined."""
    cal = fake.calendar()
    cal.add_event(timed("weekly1", "2024-03-18T09:00:00+01:00", "2024-03-18T10:00:00+01:00",
                        recurrence=["RRULE:FREQ=WEEKLY;COUNT=4",
                                    "EXDATE;TZID=Europe/Berlin:20240401T090000"]))
    cal.add_event({"id": "allday1", "summary": "Away", "start": {"date": "2024-03-31"},
                   "end": {"date": "2024-04-01"}})
    cal.add_event(timed("free1", "2024-03-26T12:00:00+01:00", "2024-03-26T13:00:00+01:00",
                        transparency="transparent"))
    cal.add_event(timed("gone1", "2024-03-27T12:00:00+01:00", "2024-03-27T13:00:00+01:00"))
    cal.delete_event("gone1")
    cal.add_event(timed("declined1", "2024-03-28T12:00:00+01:00", "2024-03-28T13:00:00+01:00",
                        attendees=[{"email": fake.account_email, "responseStatus": "declined"},
                                   {"email": "boss@example.com", "responseStatus": "accepted"}],
                        organizer={"email": "boss@example.com"}))
    cal.add_event(timed("accepted1", "2024-03-29T12:00:00+01:00", "2024-03-29T13:00:00+01:00",
                        attendees=[{"email": fake.account_email, "responseStatus": "accepted"}]))
    cal.add_event(timed("outside1", "2024-05-01T12:00:00+02:00", "2024-05-01T13:00:00+02:00"))


async def test_full_import_applies_the_busy_rules(provider: GoogleProvider, google_fake: GoogleFake) -> None:
    seed_calendar(google_fake)
    own = spec(start=utc(2024, 3, 26, 8, 0))
    await provider.upsert_event(own, None)
    google_fake.reset_counts()

    changes = await provider.fetch_busy(WINDOW, None)

    assert changes.full and changes.cursor and changes.requests == 1
    assert set(changes.upserts) == {"weekly1", "allday1", "accepted1"}
    # Weekly 09:00 Berlin: 08:00Z before the DST change, 07:00Z after; 1 April excluded by EXDATE.
    assert changes.upserts["weekly1"] == [
        BusyInterval(utc(2024, 3, 25, 8), utc(2024, 3, 25, 9)),
        BusyInterval(utc(2024, 4, 8, 7), utc(2024, 4, 8, 8)),
    ]
    # The all-day event on the DST day blocks the local day: 23 hours.
    assert changes.upserts["allday1"] == [
        BusyInterval(utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), all_day=True)]
    assert changes.own_events == {own.booking_public_id: booking_uid(own.booking_public_id)}
    assert changes.removed == set()


async def test_all_day_events_follow_the_staff_zone_not_the_calendar_zone(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    google_fake.calendar().add_event(
        {"id": "allday2", "start": {"date": "2024-03-10"}, "end": {"date": "2024-03-11"}})
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints,
                              "America/New_York") as provider:  # US DST starts on 10 March 2024
        changes = await provider.fetch_busy(TimeRange(utc(2024, 3, 9), utc(2024, 3, 12)), None)
    assert changes.upserts["allday2"] == [
        BusyInterval(utc(2024, 3, 10, 5), utc(2024, 3, 11, 4), all_day=True)]


async def test_sync_token_returns_only_changes(provider: GoogleProvider, google_fake: GoogleFake) -> None:
    seed_calendar(google_fake)
    first = await provider.fetch_busy(WINDOW, None)

    unchanged = await provider.fetch_busy(WINDOW, first.cursor)
    assert not unchanged.full and unchanged.upserts == {} and unchanged.removed == set()
    assert unchanged.requests == 1

    cal = google_fake.calendar()
    cal.add_event(timed("new1", "2024-04-03T14:00:00+02:00", "2024-04-03T15:00:00+02:00"))
    cal.edit_event("accepted1", {"transparency": "transparent"})
    cal.delete_event("allday1")
    cal.cancel_instance("weekly1", utc(2024, 3, 25, 8))
    cal.add_event(timed("farfuture", "2024-06-03T14:00:00+02:00", "2024-06-03T15:00:00+02:00"))
    google_fake.reset_counts()

    changes = await provider.fetch_busy(WINDOW, unchanged.cursor)

    assert not changes.full
    assert changes.upserts == {
        "new1": [BusyInterval(utc(2024, 4, 3, 12), utc(2024, 4, 3, 13))],
        "accepted1": [],  # now free
        "farfuture": [],  # outside the window: filtered locally
        "weekly1": [BusyInterval(utc(2024, 4, 8, 7), utc(2024, 4, 8, 8))],  # series re-read without 25 March
    }
    assert changes.removed == {"allday1"}
    assert changes.requests == 2  # the incremental list + the one touched series
    list_params = [q for route, q in google_fake.request_log if route == "events.list"]
    assert "syncToken" in list_params[0] and "timeMin" not in list_params[0]


async def test_a_refused_sync_token_leads_to_a_full_reread(
    provider: GoogleProvider, google_fake: GoogleFake
) -> None:
    seed_calendar(google_fake)
    first = await provider.fetch_busy(WINDOW, None)
    google_fake.calendar().expire_sync_tokens()
    google_fake.calendar().add_event(timed("new2", "2024-04-04T14:00:00+02:00", "2024-04-04T15:00:00+02:00"))

    again = await provider.fetch_busy(WINDOW, first.cursor)

    assert again.full and again.requests == 2  # 410, then the full list
    assert set(again.upserts) == {"weekly1", "allday1", "accepted1", "new2"}
    follow_up = await provider.fetch_busy(WINDOW, again.cursor)
    assert not follow_up.full and follow_up.requests == 1


async def test_a_deleted_series_is_removed(provider: GoogleProvider, google_fake: GoogleFake) -> None:
    seed_calendar(google_fake)
    first = await provider.fetch_busy(WINDOW, None)
    google_fake.calendar().delete_event("weekly1")
    changes = await provider.fetch_busy(WINDOW, first.cursor)
    assert changes.removed == {"weekly1"} and changes.upserts == {}


async def test_full_import_pages_through_large_results(
    provider: GoogleProvider, google_fake: GoogleFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "PAGE_SIZE", 2)
    for day in range(1, 6):
        google_fake.calendar().add_event(timed(f"busy{day}", f"2024-04-0{day}T10:00:00+02:00",
                                               f"2024-04-0{day}T11:00:00+02:00"))
    changes = await provider.fetch_busy(WINDOW, None)
    assert len(changes.upserts) == 5 and changes.requests == 3 and changes.cursor


async def test_extra_busy_calendars_are_keyed_apart(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    team = google_fake.add_calendar("team@group.calendar.google.com", "Team", access_role="reader")
    team.add_event(timed("shared1", "2024-03-26T09:00:00+01:00", "2024-03-26T10:00:00+01:00"))
    google_fake.calendar().add_event(timed("mine1", "2024-03-27T09:00:00+01:00", "2024-03-27T10:00:00+01:00"))
    async with GoogleProvider(google_fake.grant_token_json(), "primary", google_endpoints, ZONE,
                              busy_calendar_ids=["primary", team.id]) as provider:
        first = await provider.fetch_busy(WINDOW, None)
        assert set(first.upserts) == {"mine1", f"{team.id}/shared1"}
        team.delete_event("shared1")
        second = await provider.fetch_busy(WINDOW, first.cursor)
    assert not second.full and second.removed == {f"{team.id}/shared1"} and second.requests == 2


# ------------------------------------------------------------------------------------------ the fake itself


async def test_the_fake_rejects_bodies_the_real_api_would_reject(
    google_fake: GoogleFake, google_endpoints: GoogleEndpoints
) -> None:
    """Bodies are checked against Google's discovery document: unknown fields and wrong types fail."""
    token = json.loads(google_fake.grant_token_json())["token"]
    base = {"start": {"dateTime": "2024-03-12T10:00:00+01:00"},
            "end": {"dateTime": "2024-03-12T11:00:00+01:00"}}
    async with httpx.AsyncClient(base_url=google_endpoints.api_base + "/",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        unknown = await client.post("calendars/primary/events", json={**base, "colour": "red"})
        wrong_type = await client.post("calendars/primary/events", json={**base, "guestsCanModify": "yes"})
        bad_id = await client.post("calendars/primary/events", json={**base, "id": "Booking-1"})
        no_end = await client.post("calendars/primary/events", json={"start": base["start"]})
        no_token = await client.get("users/me/calendarList", headers={"Authorization": "Bearer nope"})
    for response in (unknown, wrong_type, bad_id, no_end):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["errors"][0]["reason"]
    assert "Unknown name \"colour\"" in unknown.json()["error"]["message"]
    assert no_token.status_code == 401 and no_token.json()["error"]["status"] == "UNAUTHENTICATED"


async def test_the_fake_enforces_scopes(google_fake: GoogleFake, google_endpoints: GoogleEndpoints) -> None:
    events_only = google_fake.grant_token_json(("https://www.googleapis.com/auth/calendar.events",))
    async with GoogleProvider(events_only, "primary", google_endpoints, ZONE) as provider:
        with pytest.raises(PermanentError, match="Reconnect Google"):
            await provider.list_calendars()
        await provider.upsert_event(spec(), None)  # writing events needs only calendar.events
