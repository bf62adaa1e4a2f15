"""Microsoft 365 / Outlook.com calendars as a :class:`CalendarProvider`, through Microsoft Graph v1.0.

Writes
    Graph chooses event ids, so a booking's event is recognised by our marker (a single-value
    extended property holding the booking's public id) and created with a ``transactionId`` derived
    from that id: a retried POST returns the event the first one made instead of a second one.
    Updates are ``PATCH /me/events/{id}`` with ``If-Match`` on the stored ETag; a 412 re-reads and
    patches again; a 404 creates the event again. Without a stored reference (a crash after the POST
    landed, or a reconnect to a calendar that already holds our events) the event is first looked
    up by the marker (``$filter`` on the extended property) and adopted.

Busy import
    ``calendarView/delta`` over the window, following ``@odata.nextLink`` to the ``@odata.deltaLink``,
    which is the cursor. With a cursor only changes come back; ``@removed`` entries (deleted events,
    and events that left the window) become removals. A refused delta link (410) is handled here by a
    full re-read (``full=True``). The cursor (:class:`~bizcal_desktop.providers.cursor.WindowCursor`:
    each calendar's delta link and the window) is used only for the window it was made for; another
    window reads everything again. Source keys are event (occurrence) ids; events of extra busy
    calendars are keyed ``"<calendar id>/<event id>"``. The delta gives a series' plain occurrences
    without ``showAs`` and the like, so they take them from their series master, read once per series
    and remembered in the cursor (:mod:`~bizcal_desktop.providers.microsoft.series`).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from bizcal_desktop.config import MicrosoftEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import ConflictError, ProviderError
from bizcal_desktop.providers.base import (
    BusyChanges,
    CalendarInfo,
    CalendarProvider,
    ConnectionCheck,
    CredentialRefresh,
    EventRef,
    EventSpec,
    booking_uid,
)
from bizcal_desktop.providers.cursor import CursorRefused, WindowCursor, incremental_or_full, usable_cursor
from bizcal_desktop.providers.microsoft.events import (
    MARKER_EXPAND,
    MARKER_PROPERTY_ID,
    busy_intervals,
    event_body,
    own_booking_id,
    own_event_times,
    transaction_id,
)
from bizcal_desktop.providers.microsoft.series import SeriesCache, is_plain_occurrence
from bizcal_desktop.providers.microsoft.session import MicrosoftSession, api_error

log = logging.getLogger(__name__)

#: Items per delta page we ask for (Graph's default is small; fewer round trips on a first import).
PAGE_SIZE = 200


def _graph_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _filter_utc(instant: datetime) -> str:
    """An instant as ``$filter`` compares ``start/dateTime`` and ``end/dateTime``: UTC, no offset."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class MicrosoftProvider(CalendarProvider):
    """One Outlook calendar of one Microsoft account."""

    kind = "microsoft"

    def __init__(
        self,
        cache_json: str,
        calendar_id: str | None,
        endpoints: MicrosoftEndpoints,
        timezone: str,
        on_cache_changed: Callable[[str], None] | None = None,
        timeout: float = 20.0,
        busy_calendar_ids: list[str] | None = None,
    ) -> None:
        self.calendar_id = calendar_id
        self.timezone = timezone
        self._busy_ids = list(busy_calendar_ids) if busy_calendar_ids else None
        self._session = MicrosoftSession(cache_json, endpoints, timeout, on_cache_changed)

    async def aclose(self) -> None:
        await self._session.aclose()

    async def refresh_credentials(self, within: timedelta) -> CredentialRefresh:
        refreshed = await self._session.refresh_if_expiring(within)
        return CredentialRefresh(refreshed=refreshed, expires_at=self._session.expires_at)

    # ---------------------------------------------------------------- calendars

    async def list_calendars(self) -> list[CalendarInfo]:
        calendars: list[CalendarInfo] = []
        url: str | None = "me/calendars"
        while url:
            response = await self._session.request("GET", url)
            if response.status_code != 200:
                raise api_error(response, "listing the calendars")
            data = response.json()
            calendars.extend(
                CalendarInfo(calendar_id=c["id"], name=c.get("name") or c["id"],
                             primary=bool(c.get("isDefaultCalendar")), writable=bool(c.get("canEdit", True)))
                for c in data.get("value", []))
            url = data.get("@odata.nextLink")
        return calendars

    async def _calendar(self) -> str:
        """The calendar written to: the configured one, else the account's default calendar."""
        if self.calendar_id is None:
            calendars = await self.list_calendars()
            chosen = next((c for c in calendars if c.primary), calendars[0] if calendars else None)
            if chosen is None:
                raise ProviderError("The Microsoft account has no calendar; create one in Outlook first.")
            self.calendar_id = chosen.calendar_id
        return self.calendar_id

    async def test_connection(self) -> ConnectionCheck:
        """List the calendars, find ours, and prove writing works with a throw-away event."""
        try:
            calendars = await self.list_calendars()
            target = next((c for c in calendars if c.calendar_id == self.calendar_id
                           or (self.calendar_id is None and c.primary)), None)
            if target is None:
                return ConnectionCheck(False, "The chosen calendar is no longer in this Microsoft account; "
                                       "choose another calendar.", calendars)
            if not target.writable:
                return ConnectionCheck(False, f"BizCal may only read the calendar “{target.name}”; choose a "
                                       "calendar you can edit.", calendars)
            await self._probe_write(target.calendar_id)
        except ProviderError as exc:
            return ConnectionCheck(False, str(exc), error=exc)
        return ConnectionCheck(True, f"Connected to the Outlook calendar “{target.name}”; BizCal can write "
                               "events there.", calendars)

    async def _probe_write(self, calendar_id: str) -> None:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        body = {"subject": "BizCal connection test", "showAs": "free", "isReminderOn": False,
                "start": {"dateTime": start.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(minutes=5)).replace(tzinfo=None).isoformat(),
                        "timeZone": "UTC"},
                "transactionId": f"bizcal-probe-{uuid.uuid4().hex}"}
        response = await self._session.request("POST", self._events_path(calendar_id), json_body=body)
        if response.status_code not in (200, 201):
            raise api_error(response, "writing a test event")
        response = await self._session.request("DELETE", f"me/events/{quote(response.json()['id'], safe='')}")
        if response.status_code not in (200, 204, 404):
            raise api_error(response, "removing the test event")

    # ---------------------------------------------------------------- writes

    @staticmethod
    def _events_path(calendar_id: str) -> str:
        return f"me/calendars/{quote(calendar_id, safe='')}/events"

    @staticmethod
    def _event_path(event_id: str) -> str:
        return f"me/events/{quote(event_id, safe='')}"

    @staticmethod
    def _ref(event: dict[str, Any]) -> EventRef:
        return EventRef(external_id=event["id"], etag=event.get("@odata.etag"))

    async def _find_own(self, booking_public_id: str) -> dict[str, Any] | None:
        """Our event for this booking, found by the marker (adoption after a crash or a reconnect)."""
        calendar_id = await self._calendar()
        query = {"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{MARKER_PROPERTY_ID}' "
                            f"and ep/value eq '{booking_public_id}')",
                 "$expand": MARKER_EXPAND}
        response = await self._session.request("GET", self._events_path(calendar_id), params=query)
        if response.status_code != 200:
            raise api_error(response, "looking for the booking's event")
        found = response.json().get("value") or []
        return found[0] if found else None

    async def _create(self, spec: EventSpec, body: dict[str, Any]) -> EventRef:
        calendar_id = await self._calendar()
        response = await self._session.request(
            "POST", self._events_path(calendar_id),
            json_body={**body, "transactionId": transaction_id(spec.booking_public_id)})
        if response.status_code not in (200, 201):
            raise api_error(response, "creating the booking's event")
        return self._ref(response.json())

    async def _patch(self, event_id: str, body: dict[str, Any], etag: str | None) -> Any:
        headers = {"If-Match": etag} if etag else None
        return await self._session.request("PATCH", self._event_path(event_id), json_body=body, headers=headers)

    async def _patch_current(self, event_id: str, body: dict[str, Any]) -> EventRef | None:
        """Re-read the event and patch it on its current ETag; None when it is gone."""
        for _ in range(2):
            response = await self._session.request("GET", self._event_path(event_id))
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise api_error(response, "reading the booking's event")
            response = await self._patch(event_id, body, response.json().get("@odata.etag"))
            if response.status_code == 200:
                return self._ref(response.json())
            if response.status_code == 404:
                return None
            if response.status_code != 412:
                raise api_error(response, "updating the booking's event")
        raise ConflictError("The booking's event keeps changing in Outlook; BizCal will retry shortly.")

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        body = event_body(spec)
        if known is not None and known.external_id:
            response = await self._patch(known.external_id, body, known.etag)
            if response.status_code == 200:
                return self._ref(response.json())
            if response.status_code == 412:
                ref = await self._patch_current(known.external_id, body)
                if ref is not None:
                    return ref
            elif response.status_code != 404:
                raise api_error(response, "updating the booking's event")
            log.info("booking event %s is gone from Outlook; creating it again", spec.booking_public_id)
        else:
            existing = await self._find_own(spec.booking_public_id)
            if existing is not None:
                log.info("adopting the existing Outlook event of booking %s", spec.booking_public_id)
                ref = await self._patch_current(existing["id"], body)
                if ref is not None:
                    return ref
        return await self._create(spec, body)

    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        event_id = known.external_id if known is not None and known.external_id else None
        if event_id is None:
            found = await self._find_own(booking_public_id)
            if found is None:
                return
            event_id = found["id"]
        response = await self._session.request("DELETE", self._event_path(event_id))
        if response.status_code in (200, 204, 404):
            return
        raise api_error(response, "deleting the booking's event")

    async def list_own_events(self, window: TimeRange) -> dict[str, EventRef]:
        """Our events in ``window`` with their ETags: the calendar's events filtered by our marker, paged.

        ``/events`` (not ``calendarView``, whose ``$filter`` on extended properties is unreliable)
        with the marker's presence and the window in one ``$filter``; only the id, the ETag and the
        marker come back.
        """
        window = window.to_utc()
        marker = f"singleValueExtendedProperties/Any(ep: ep/id eq '{MARKER_PROPERTY_ID}' and ep/value ne null)"
        url: str | None = self._events_path(await self._calendar())
        params: dict[str, str] | None = {
            "$filter": f"{marker} and start/dateTime lt '{_filter_utc(window.end)}' "
                       f"and end/dateTime gt '{_filter_utc(window.start)}'",
            "$select": "id,transactionId", "$expand": MARKER_EXPAND, "$top": str(PAGE_SIZE)}
        found: dict[str, EventRef] = {}
        while url:
            response = await self._session.request("GET", url, params=params)
            if response.status_code != 200:
                raise api_error(response, "listing the booking events")
            data = response.json()
            for item in data.get("value", []):
                booking = own_booking_id(item)
                if booking is not None:
                    found[booking] = self._ref(item)
            url, params = data.get("@odata.nextLink"), None  # a next link carries its own parameters
        return found

    # ---------------------------------------------------------------- busy import

    async def _busy_calendars(self) -> list[str]:
        return self._busy_ids or [await self._calendar()]

    def _source_key(self, calendar_id: str, event_id: str) -> str:
        return event_id if calendar_id == self.calendar_id else f"{calendar_id}/{event_id}"

    async def _pages(self, url: str, params: dict[str, str] | None, incremental: bool) -> tuple[list[dict[str, Any]], str]:
        """Every page of one delta round; (items, deltaLink). 410 on a delta link → CursorRefused."""
        items: list[dict[str, Any]] = []
        while True:
            response = await self._session.request("GET", url, params=params,
                                                   headers={"Prefer": f"odata.maxpagesize={PAGE_SIZE}"})
            if response.status_code == 410 and incremental:
                raise CursorRefused("410 for a delta link")
            if response.status_code != 200:
                raise api_error(response, "reading busy times")
            data = response.json()
            items.extend(data.get("value", []))
            params = None  # next and delta links carry their own parameters
            if data.get("@odata.nextLink"):
                url = data["@odata.nextLink"]
                continue
            link = data.get("@odata.deltaLink")
            if not link:
                raise api_error(response, "reading busy times (no delta link)")
            return items, link

    def _classify(self, calendar_id: str, item: dict[str, Any], window: TimeRange, changes: BusyChanges,
                  series: SeriesCache) -> None:
        key = self._source_key(calendar_id, item["id"])
        if "@removed" in item:
            if not changes.full:
                changes.removed.add(key)
            return
        if item.get("type") == "seriesMaster":  # a view lists its instances; its own times are the first's
            return
        if is_plain_occurrence(item):
            facts = series.facts(str(item["seriesMasterId"]))
            if facts is None or facts.own:  # the series is gone (404), or one of ours was made recurring
                if not changes.full:
                    changes.removed.add(key)
                return
            item = facts.applied_to(item)
        booking = own_booking_id(item)
        if booking is not None:
            changes.own_events[key] = booking_uid(booking)
            times = own_event_times(item, self.timezone)
            if times is not None:
                changes.own_times[key] = times
            return
        intervals = busy_intervals(item, self.timezone, window)
        if intervals or not changes.full:
            changes.upserts[key] = intervals

    async def _round(self, window: TimeRange, links: dict[str, str] | None, calendars: list[str],
                     known: SeriesCache) -> BusyChanges:
        """One delta round over every busy calendar: initial (``links`` None) or incremental."""
        changes = BusyChanges(full=links is None, upserts={})
        new_links: dict[str, str] = {}
        read: list[tuple[str, dict[str, Any]]] = []
        for calendar_id in calendars:
            if links is None:
                url = f"me/calendars/{quote(calendar_id, safe='')}/calendarView/delta"
                params: dict[str, str] | None = {"startDateTime": _graph_utc(window.start),
                                                 "endDateTime": _graph_utc(window.end)}
            else:
                url, params = links[calendar_id], None
            items, new_links[calendar_id] = await self._pages(url, params, incremental=links is not None)
            read.extend((calendar_id, item) for item in items)
        series = await known.resolve(self._session, (item for _, item in read), full=links is None)
        for calendar_id, item in read:
            self._classify(calendar_id, item, window, changes, series)
        cursor = WindowCursor(window, new_links, {"series": series.state()} if series else {})
        return dataclasses.replace(changes, cursor=cursor.encode())

    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Incremental from ``cursor`` when it fits the window and calendars, else (or if refused) full."""
        window = window.to_utc()
        before = self._session.requests
        calendars = await self._busy_calendars()
        previous = usable_cursor(cursor, window, calendars, "Microsoft")
        stored = WindowCursor.decode(cursor)  # the series it knew are worth keeping for any window
        known = SeriesCache.from_state(stored.state.get("series") if stored else None)
        incremental = partial(self._round, window, dict(previous.tokens), calendars, known) if previous else None
        full = partial(self._round, window, None, calendars, known)
        changes = await incremental_or_full(incremental, full, "Microsoft")
        return dataclasses.replace(changes, requests=self._session.requests - before)
