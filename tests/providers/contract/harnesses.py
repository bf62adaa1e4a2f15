"""One harness per provider: the production provider, plus the test's own hands on its calendar.

The contract suite only talks to a :class:`Harness`. A harness holds the provider under test (built
from the production class, only the server address differs) and does what a person in the calendar
app would do, *without* going through that provider: add, move and remove someone else's
appointment, rename or delete a booking's event, and read back what the calendar really holds.
A new provider joins the suite by adding one harness here and its name to ``BACKENDS``.
"""

from __future__ import annotations

import importlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from bizcal_desktop.errors import TransientError
from bizcal_desktop.providers.base import CalendarProvider, EventSpec, booking_uid, is_own_uid
from bizcal_desktop.providers.memory import MemoryProvider

ZONE = "Europe/Berlin"


@dataclass(frozen=True)
class StoredEvent:
    """A booking's event as the calendar holds it, read without the provider under test."""

    booking_public_id: str
    external_id: str  #: what the provider's EventRef must name (UID, Google id, Graph id)
    start: datetime  #: aware UTC
    end: datetime
    summary: str
    etag: str | None


class Harness(ABC):
    """The provider under test and a back door into its calendar."""

    name: str
    provider: CalendarProvider
    #: The calendar the provider writes to, as ``list_calendars`` names it.
    calendar_id: str
    #: Whether the credential expires and can be renewed (OAuth), or never does (app-passwords).
    credentials_expire: bool = True

    # ----- our events, read back
    @abstractmethod
    def own_events(self) -> list[StoredEvent]:
        """Every booking event in the calendar."""

    def stored(self, booking_public_id: str) -> StoredEvent | None:
        found = [e for e in self.own_events() if e.booking_public_id == booking_public_id]
        assert len(found) <= 1, f"{len(found)} events for one booking"
        return found[0] if found else None

    @abstractmethod
    def event_count(self) -> int:
        """Every event in the calendar, ours and foreign (a probe left behind would show here)."""

    # ----- what a person does in the calendar app
    @abstractmethod
    def rename_behind_our_back(self, booking_public_id: str, summary: str) -> None:
        """Edit a booking's event in the calendar app: its ETag changes."""

    @abstractmethod
    def delete_behind_our_back(self, booking_public_id: str) -> None:
        """Delete a booking's event in the calendar app."""

    @abstractmethod
    def add_foreign(self, start: datetime, end: datetime) -> str:
        """Add someone else's appointment; returns the source key ``fetch_busy`` reports it under."""

    @abstractmethod
    def move_foreign(self, key: str, start: datetime, end: datetime) -> None: ...

    @abstractmethod
    def remove_foreign(self, key: str) -> None: ...

    @abstractmethod
    def refuse_cursors(self, cursor: str) -> str:
        """Make the server refuse ``cursor`` (expired sync state); returns the cursor to pass."""

    @abstractmethod
    def provider_of_deleted_calendar(self) -> CalendarProvider:
        """A provider (not yet opened) for another calendar of the account, which the user just deleted."""

    # ----- a write whose answer never arrived
    async def write_whose_answer_is_lost(self, spec: EventSpec) -> None:
        """The create reaches the server, but the caller never learns where the event is.

        For a network provider that is an upsert whose reference is thrown away, exactly the state
        a crash (or a timeout after the server committed) leaves behind.
        """
        await self.provider.upsert_event(spec, None)


# ================================================================================ memory


class MemoryHarness(Harness):
    name = "memory"

    def __init__(self) -> None:
        self.memory = MemoryProvider(credential_lifetime=timedelta(hours=1))
        self.provider = self.memory
        self.calendar_id = self.memory.calendar_id

    def own_events(self) -> list[StoredEvent]:
        return [StoredEvent(e.key.split("@")[0], e.key, e.start, e.end, e.summary, e.etag)
                for e in self.memory.own_events()]

    def event_count(self) -> int:
        return len(self.memory.events())

    def rename_behind_our_back(self, booking_public_id: str, summary: str) -> None:
        self.memory.edit_event(booking_uid(booking_public_id), summary=summary)

    def delete_behind_our_back(self, booking_public_id: str) -> None:
        self.memory.remove_event(booking_uid(booking_public_id))

    def add_foreign(self, start: datetime, end: datetime) -> str:
        return self.memory.add_busy(start, end)

    def move_foreign(self, key: str, start: datetime, end: datetime) -> None:
        self.memory.move_event(key, start, end)

    def remove_foreign(self, key: str) -> None:
        self.memory.remove_event(key)

    def refuse_cursors(self, cursor: str) -> str:
        self.memory.expire_cursors()
        return cursor

    def provider_of_deleted_calendar(self) -> CalendarProvider:
        gone = MemoryProvider(calendar_id="deleted", calendar_name="Deleted calendar")
        gone.delete_calendar()
        return gone

    async def write_whose_answer_is_lost(self, spec: EventSpec) -> None:
        # The in-memory calendar can do what the network ones only suffer: lose the real answer.
        self.memory.lose_response_of_next_write()
        with pytest.raises(TransientError):
            await self.memory.upsert_event(spec, None)


# ================================================================================ CalDAV (Radicale)


def caldav_provider_class() -> type[CalendarProvider]:
    """The CalDAV provider, wherever the package split has put it."""
    for module in ("bizcal_desktop.providers.caldav", "bizcal_desktop.providers.caldav_provider"):
        try:
            found = getattr(importlib.import_module(module), "CalDAVProvider", None)
        except ImportError:
            continue
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise ImportError("CalDAVProvider not found")


def _vevent(uid: str, start: datetime, end: datetime, summary: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone else//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\nDTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


class CalDAVHarness(Harness):
    """Radicale on loopback; the back door is plain WebDAV (the fixture's CalendarReader)."""

    name = "caldav"
    credentials_expire = False

    def __init__(self, calendar: Any) -> None:  # tests.fixtures.radicale.CalendarFixture
        self.calendar = calendar
        self.reader = calendar.reader()
        self.calendar_id = calendar.url
        self.provider = caldav_provider_class()(  # type: ignore[call-arg]
            calendar.server.url, calendar.username, calendar.password, calendar.url, ZONE, timeout=10,
        )

    def _own_resources(self) -> list[tuple[Any, icalendar.Event]]:
        found = []
        for resource in self.reader.resources():
            for event in resource.events():
                if is_own_uid(str(event.get("UID"))):
                    found.append((resource, event))
        return found

    def own_events(self) -> list[StoredEvent]:
        return [
            StoredEvent(str(event["UID"]).split("@")[0], str(event["UID"]),
                        event.decoded("DTSTART").astimezone(UTC), event.decoded("DTEND").astimezone(UTC),
                        str(event.get("SUMMARY")), resource.etag)
            for resource, event in self._own_resources()
        ]

    def event_count(self) -> int:
        return len(self.reader.hrefs())

    def _own_resource(self, booking_public_id: str) -> Any:
        uid = booking_uid(booking_public_id)
        return next(r for r, e in self._own_resources() if str(e["UID"]) == uid)

    def rename_behind_our_back(self, booking_public_id: str, summary: str) -> None:
        resource = self._own_resource(booking_public_id)
        calendar = resource.calendar()
        for event in calendar.walk("VEVENT"):
            event["SUMMARY"] = summary
        answer = self.reader.put(resource.href, calendar.to_ical().decode(), etag=resource.etag)
        assert answer.status_code in (200, 201, 204), answer.status_code

    def delete_behind_our_back(self, booking_public_id: str) -> None:
        answer = self.reader.delete(self._own_resource(booking_public_id).href)
        assert answer.status_code in (200, 204), answer.status_code

    def add_foreign(self, start: datetime, end: datetime) -> str:
        name = f"foreign-{uuid.uuid4().hex[:10]}"
        answer = self.reader.put(f"{name}.ics", _vevent(f"{name}@example.org", start, end, "Dentist"))
        assert answer.status_code == 201, answer.status_code
        return f"{self.calendar.url}{name}.ics"

    def move_foreign(self, key: str, start: datetime, end: datetime) -> None:
        name = key.rsplit("/", 1)[-1].removesuffix(".ics")
        answer = self.reader.put(key, _vevent(f"{name}@example.org", start, end, "Dentist"))
        assert answer.status_code in (200, 201, 204), answer.status_code

    def remove_foreign(self, key: str) -> None:
        assert self.reader.delete(key).status_code in (200, 204)

    def refuse_cursors(self, cursor: str) -> str:
        # Radicale cannot forget its tokens, so hand it one it never issued inside a cursor that is
        # otherwise valid (same calendar, same window): the server itself refuses it.
        data = json.loads(cursor)
        assert isinstance(data, dict) and "token" in data, f"unknown CalDAV cursor format: {cursor[:80]!r}"
        data["token"] = "http://radicale.org/ns/sync/" + "0" * 64
        return json.dumps(data)

    def provider_of_deleted_calendar(self) -> CalendarProvider:
        server = self.calendar.server
        url = server.make_calendar()
        assert self.reader.delete(url).status_code in (200, 204)  # DELETE of the collection itself
        return caldav_provider_class()(  # type: ignore[call-arg]
            server.url, server.username, server.password, url, ZONE, timeout=10)


# ================================================================================ Google (fake)


def _google_time(instant: datetime) -> dict[str, str]:
    return {"dateTime": instant.astimezone(UTC).isoformat(), "timeZone": "UTC"}


def _parse_google_time(value: dict[str, str]) -> datetime:
    return datetime.fromisoformat(value["dateTime"]).astimezone(UTC)


class GoogleHarness(Harness):
    """The Google fake on loopback; the back door is its calendar store (what a user does in Google)."""

    name = "google"

    def __init__(self, fake: Any, endpoints: Any) -> None:  # tests.fakes.google.GoogleFake
        from bizcal_desktop.providers.google import GoogleProvider

        self.fake = fake
        self.endpoints = endpoints
        self.calendar_id = fake.account_email
        self.provider = GoogleProvider(fake.grant_token_json(), "primary", endpoints, ZONE, timeout=5.0)

    def _own(self) -> list[dict[str, Any]]:
        return [e for e in self.fake.calendar().live_events()
                if e.get("extendedProperties", {}).get("private", {}).get("bizcalBooking")]

    def own_events(self) -> list[StoredEvent]:
        return [
            StoredEvent(e["extendedProperties"]["private"]["bizcalBooking"], e["id"],
                        _parse_google_time(e["start"]), _parse_google_time(e["end"]), e.get("summary", ""),
                        e["etag"])
            for e in self._own()
        ]

    def event_count(self) -> int:
        return len(self.fake.calendar().live_events())

    def rename_behind_our_back(self, booking_public_id: str, summary: str) -> None:
        self.fake.calendar().edit_event(booking_public_id, {"summary": summary})

    def delete_behind_our_back(self, booking_public_id: str) -> None:
        self.fake.calendar().delete_event(booking_public_id)

    def add_foreign(self, start: datetime, end: datetime) -> str:
        event = self.fake.calendar().add_event(
            {"id": f"foreign{uuid.uuid4().hex[:12]}", "summary": "Dentist",
             "start": _google_time(start), "end": _google_time(end)})
        return str(event["id"])

    def move_foreign(self, key: str, start: datetime, end: datetime) -> None:
        self.fake.calendar().edit_event(key, {"start": _google_time(start), "end": _google_time(end)})

    def remove_foreign(self, key: str) -> None:
        self.fake.calendar().delete_event(key)

    def refuse_cursors(self, cursor: str) -> str:
        self.fake.calendar().expire_sync_tokens()
        return cursor

    def provider_of_deleted_calendar(self) -> CalendarProvider:
        from bizcal_desktop.providers.google import GoogleProvider

        gone = self.fake.add_calendar(f"{uuid.uuid4().hex[:10]}@group.calendar.google.com", "Old clients")
        self.fake.delete_calendar(gone.id)
        return GoogleProvider(self.fake.grant_token_json(), gone.id, self.endpoints, ZONE, timeout=5.0)


# ================================================================================ Microsoft (fake)


def _graph_time(instant: datetime) -> dict[str, str]:
    return {"dateTime": instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


class MicrosoftHarness(Harness):
    """The HTTPS Microsoft fake on loopback; the back door is its Graph store (what a user does in Outlook)."""

    name = "microsoft"

    def __init__(self, fake: Any, endpoints: Any, cache_json: str) -> None:  # tests.fakes.microsoft.MicrosoftFake
        from bizcal_desktop.providers.microsoft import MicrosoftProvider

        self.fake = fake
        self.endpoints = endpoints
        self.cache_json = cache_json
        self.calendar_id = fake.primary.id
        self.provider = MicrosoftProvider(cache_json, fake.primary.id, endpoints, ZONE, timeout=5.0)

    @staticmethod
    def _booking_of(event: dict[str, Any]) -> str | None:
        for prop in event.get("singleValueExtendedProperties") or []:
            return str(prop.get("value"))
        return None

    def _own(self) -> list[dict[str, Any]]:
        return [e for e in self.fake.primary.all_events() if self._booking_of(e)]

    def own_events(self) -> list[StoredEvent]:
        from tests.fakes.microsoft.graph_store import parse_graph_time

        return [
            StoredEvent(self._booking_of(e) or "", e["id"], parse_graph_time(e["start"]),
                        parse_graph_time(e["end"]), e.get("subject", ""), e.get("@odata.etag"))
            for e in self._own()
        ]

    def event_count(self) -> int:
        return len(self.fake.primary.all_events())

    def _graph_id(self, booking_public_id: str) -> str:
        return next(e["id"] for e in self._own() if self._booking_of(e) == booking_public_id)

    def rename_behind_our_back(self, booking_public_id: str, summary: str) -> None:
        self.fake.primary.edit_event(self._graph_id(booking_public_id), {"subject": summary})

    def delete_behind_our_back(self, booking_public_id: str) -> None:
        self.fake.primary.delete_event(self._graph_id(booking_public_id))

    def add_foreign(self, start: datetime, end: datetime) -> str:
        event = self.fake.primary.add_event({"subject": "Dentist", "start": _graph_time(start),
                                             "end": _graph_time(end)})
        return str(event["id"])

    def move_foreign(self, key: str, start: datetime, end: datetime) -> None:
        self.fake.primary.edit_event(key, {"start": _graph_time(start), "end": _graph_time(end)})

    def remove_foreign(self, key: str) -> None:
        self.fake.primary.delete_event(key)

    def refuse_cursors(self, cursor: str) -> str:
        self.fake.primary.expire_delta_tokens()
        return cursor

    def provider_of_deleted_calendar(self) -> CalendarProvider:
        from bizcal_desktop.providers.microsoft import MicrosoftProvider

        gone = self.fake.add_calendar("Old clients")
        self.fake.delete_calendar(gone.id)
        return MicrosoftProvider(self.cache_json, gone.id, self.endpoints, ZONE, timeout=5.0)


# ================================================================================ registry


def _memory(request: pytest.FixtureRequest) -> Harness:
    return MemoryHarness()


def _caldav(request: pytest.FixtureRequest) -> Harness:
    return CalDAVHarness(request.getfixturevalue("caldav_calendar"))


def _google(request: pytest.FixtureRequest) -> Harness:
    return GoogleHarness(request.getfixturevalue("google_fake"), request.getfixturevalue("google_endpoints"))


def _microsoft(request: pytest.FixtureRequest) -> Harness:
    return MicrosoftHarness(request.getfixturevalue("ms_fake"), request.getfixturevalue("ms_endpoints"),
                            request.getfixturevalue("ms_cache_json"))


#: Backend name -> how to build its harness from pytest fixtures (only that backend's are started).
BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Harness]] = {
    "memory": _memory,
    "caldav": _caldav,
    "google": _google,
    "microsoft": _microsoft,
}
