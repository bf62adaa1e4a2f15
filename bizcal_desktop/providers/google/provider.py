"""Google Calendar as a :class:`CalendarProvider`: booking events out, busy times in.

Writes
    The event id is the booking's ``public_id`` (32 hex chars are valid base32hex), so a retried or
    crashed insert can never make a second event: a 409 ``duplicate`` means "it is already there",
    and the event is adopted (read, then patched with ``If-Match``). Updates are ``PATCH`` with the
    stored ETag; a 412 re-reads and patches again. A 404 on patch inserts again. An event the user
    deleted in Google keeps its id (Google refuses to reuse it with 409 and answers 410 to deletes),
    so it is *restored* by patching ``status: confirmed``; if Google refuses that too, the write fails
    permanently with a message instead of inventing a second id.

Busy import
    ``events.list`` with ``singleEvents=true`` over the window, paged, keeping the last page's
    ``nextSyncToken``. With a cursor the list is incremental (Google forbids ``timeMin``/``timeMax``
    with a sync token, so results are filtered to the window locally); cancelled items become
    removals. A recurring series is one source (its id); when any of its instances changed, the
    series' instances in the window are re-read with ``events.instances``. An incremental fetch
    cannot see events that merely slid into a moving window without changing, so the cursor
    (:class:`~bizcal_desktop.providers.cursor.WindowCursor`: each calendar's sync token and the
    window) is used only for the window it was made for; a new day's window is a full read. A
    refused sync token (410) is handled here: the provider does the full re-read itself and returns
    ``full=True``.

Source keys are event ids; events of extra busy calendars (``busy_calendar_ids`` beyond the
connection's own calendar) are keyed ``"<calendar id>/<event id>"`` so two calendars never clash.
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

from bizcal_desktop.config import GoogleEndpoints
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import (
    ConflictError,
    PermanentError,
    ProviderError,
    TransientError,
)
from bizcal_desktop.providers.base import (
    BusyChanges,
    BusyInterval,
    CalendarInfo,
    CalendarProvider,
    ConnectionCheck,
    CredentialRefresh,
    EventRef,
    EventSpec,
    booking_uid,
)
from bizcal_desktop.providers.cursor import CursorRefused, WindowCursor, incremental_or_full, usable_cursor
from bizcal_desktop.providers.google.events import busy_intervals, event_body, own_booking_id, own_event_times
from bizcal_desktop.providers.google.session import GoogleSession, api_error

log = logging.getLogger(__name__)

#: Largest page Google serves for events.list (fewer round trips on a first import).
PAGE_SIZE = 2500


def _rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


class GoogleProvider(CalendarProvider):
    """One Google calendar of one account, reached through the Calendar v3 REST API."""

    kind = "google"

    def __init__(
        self,
        token_json: str,
        calendar_id: str,
        endpoints: GoogleEndpoints,
        timezone: str,
        on_token_refreshed: Callable[[str], None] | None = None,
        timeout: float = 20.0,
        busy_calendar_ids: list[str] | None = None,
    ) -> None:
        self.calendar_id = calendar_id or "primary"
        self.timezone = timezone
        self.busy_calendar_ids = list(busy_calendar_ids or [self.calendar_id])
        self._session = GoogleSession(token_json, endpoints.api_base, endpoints.token_uri, timeout,
                                      on_token_refreshed)

    async def aclose(self) -> None:
        await self._session.aclose()

    async def refresh_credentials(self, within: timedelta) -> CredentialRefresh:
        refreshed = await self._session.refresh_if_expiring(within)
        return CredentialRefresh(refreshed=refreshed, expires_at=self._session.expires_at)

    # ---------------------------------------------------------------- paths

    @staticmethod
    def _events_path(calendar_id: str, event_id: str | None = None) -> str:
        path = f"calendars/{quote(calendar_id, safe='')}/events"
        return f"{path}/{quote(event_id, safe='')}" if event_id else path

    # ---------------------------------------------------------------- calendars

    async def list_calendars(self) -> list[CalendarInfo]:
        calendars: list[CalendarInfo] = []
        page_token: str | None = None
        while True:
            params = {"pageToken": page_token} if page_token else None
            response = await self._session.request("GET", "users/me/calendarList", params=params)
            if response.status_code != 200:
                raise api_error(response, "listing the calendars")
            data = response.json()
            for entry in data.get("items", []):
                calendars.append(CalendarInfo(
                    calendar_id=entry["id"],
                    name=entry.get("summaryOverride") or entry.get("summary") or entry["id"],
                    primary=bool(entry.get("primary")),
                    writable=entry.get("accessRole") in ("owner", "writer"),
                ))
            page_token = data.get("nextPageToken")
            if not page_token:
                return calendars

    async def test_connection(self) -> ConnectionCheck:
        """List the calendars, find ours, and prove writing works with a throw-away event."""
        try:
            calendars = await self.list_calendars()
            target = next((c for c in calendars if c.calendar_id == self.calendar_id
                           or (self.calendar_id == "primary" and c.primary)), None)
            if target is None:
                return ConnectionCheck(False, f"The calendar {self.calendar_id} is no longer in this Google "
                                       "account; choose another calendar.", calendars)
            if not target.writable:
                return ConnectionCheck(False, f"BizCal may only read the calendar “{target.name}”; "
                                       "choose a calendar you can edit.", calendars)
            await self._probe_write()
        except ProviderError as exc:
            return ConnectionCheck(False, str(exc), error=exc)
        return ConnectionCheck(True, f"Connected to the Google calendar “{target.name}”; BizCal can "
                               "write events there.", calendars)

    async def _probe_write(self) -> None:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        probe_id = uuid.uuid4().hex
        body = {"id": probe_id, "summary": "BizCal connection test", "transparency": "transparent",
                "start": {"dateTime": _rfc3339(start)},
                "end": {"dateTime": _rfc3339(start + timedelta(minutes=5))},
                "extendedProperties": {"private": {"bizcalProbe": "1"}}}
        response = await self._session.request("POST", self._events_path(self.calendar_id), json_body=body,
                                               params={"sendUpdates": "none"})
        if response.status_code != 200:
            raise api_error(response, "writing a test event")
        response = await self._session.request("DELETE", self._events_path(self.calendar_id, probe_id),
                                               params={"sendUpdates": "none"})
        if response.status_code not in (200, 204, 404, 410):
            raise api_error(response, "removing the test event")

    # ---------------------------------------------------------------- writes

    @staticmethod
    def _ref(event: dict[str, Any]) -> EventRef:
        return EventRef(external_id=event["id"], etag=event.get("etag"))

    async def _insert(self, spec: EventSpec, body: dict[str, Any]) -> EventRef | None:
        """Insert with the booking's id; None when that id already exists (409)."""
        response = await self._session.request(
            "POST", self._events_path(self.calendar_id),
            json_body={"id": spec.booking_public_id, **body}, params={"sendUpdates": "none"})
        if response.status_code == 200:
            return self._ref(response.json())
        if response.status_code == 409:
            return None
        raise api_error(response, "creating the booking's event")

    async def _patch(self, event_id: str, body: dict[str, Any], etag: str | None) -> Any:
        headers = {"If-Match": etag} if etag else None
        return await self._session.request("PATCH", self._events_path(self.calendar_id, event_id),
                                           json_body=body, headers=headers, params={"sendUpdates": "none"})

    async def _adopt(self, spec: EventSpec, body: dict[str, Any]) -> EventRef:
        """The event exists (ours from an earlier attempt, or deleted by the user): read, then patch."""
        event_id = spec.booking_public_id
        for _ in range(2):
            response = await self._session.request("GET", self._events_path(self.calendar_id, event_id))
            if response.status_code == 404:
                ref = await self._insert(spec, body)
                if ref is not None:
                    return ref
                continue
            if response.status_code != 200:
                raise api_error(response, "reading the booking's event")
            current = response.json()
            response = await self._patch(event_id, body, current.get("etag"))
            if response.status_code == 200:
                if current.get("status") == "cancelled":
                    log.info("restored the booking event %s that was deleted in Google", event_id)
                return self._ref(response.json())
            if response.status_code == 412:
                continue
            if response.status_code in (403, 410) and current.get("status") == "cancelled":
                error = api_error(response, "restoring the booking's event")
                if isinstance(error, TransientError):
                    raise error
                raise PermanentError(
                    "The booking's event was deleted in Google and Google refuses to restore it; "
                    "check the calendar's permissions, then sync the booking again."
                )
            raise api_error(response, "updating the booking's event")
        raise ConflictError("The booking's event keeps changing in Google; BizCal will retry shortly.")

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        body = event_body(spec)
        if known is not None and known.etag:
            response = await self._patch(known.external_id or spec.booking_public_id, body, known.etag)
            if response.status_code == 200:
                return self._ref(response.json())
            if response.status_code in (412, 410):
                return await self._adopt(spec, body)
            if response.status_code != 404:
                raise api_error(response, "updating the booking's event")
            log.info("booking event %s is gone from Google; creating it again", spec.booking_public_id)
        ref = await self._insert(spec, body)
        return ref if ref is not None else await self._adopt(spec, body)

    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        event_id = known.external_id if known is not None and known.external_id else booking_public_id
        response = await self._session.request("DELETE", self._events_path(self.calendar_id, event_id),
                                               params={"sendUpdates": "none"})
        if response.status_code in (200, 204, 404, 410):
            return
        raise api_error(response, "deleting the booking's event")

    async def list_own_events(self, window: TimeRange) -> dict[str, EventRef]:
        """Our events in ``window`` with their ETags: one ``events.list`` (paged), only a few fields each.

        Google filters on a private property only by an exact value, and ours is the booking id, so
        the window is listed once with a field mask (id, ETag, our marker) and ours picked out here.
        """
        window = window.to_utc()
        items, _ = await self._list_pages(self.calendar_id, {
            "timeMin": _rfc3339(window.start), "timeMax": _rfc3339(window.end), "maxResults": PAGE_SIZE,
            "fields": "items(id,etag,status,extendedProperties/private),nextPageToken"},
            what="listing the booking events")
        found: dict[str, EventRef] = {}
        for item in items:
            booking = own_booking_id(item)
            if booking is not None and item.get("status") != "cancelled":
                found[booking] = self._ref(item)
        return found

    # ---------------------------------------------------------------- busy import

    def _source_key(self, calendar_id: str, event_id: str) -> str:
        return event_id if calendar_id == self.calendar_id else f"{calendar_id}/{event_id}"

    async def _list_pages(
        self, calendar_id: str, params: dict[str, Any], what: str = "reading busy times"
    ) -> tuple[list[dict[str, Any]], str | None]:
        """All pages of events.list; (items, nextSyncToken). 410 on a sync token → CursorRefused."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            query = {**params, "pageToken": page_token} if page_token else params
            response = await self._session.request("GET", self._events_path(calendar_id), params=query)
            if response.status_code == 410 and "syncToken" in params:
                raise CursorRefused(f"410 for the calendar {calendar_id}")
            if response.status_code != 200:
                raise api_error(response, what)
            data = response.json()
            items.extend(data.get("items", []))
            page_token = data.get("nextPageToken")
            if not page_token:
                return items, data.get("nextSyncToken")

    async def _series_intervals(
        self, calendar_id: str, series_id: str, window: TimeRange
    ) -> list[BusyInterval] | None:
        """Busy intervals of a recurring series in the window; None when the series is gone."""
        intervals: list[BusyInterval] = []
        page_token: str | None = None
        while True:
            params: dict[str, Any] = {"timeMin": _rfc3339(window.start), "timeMax": _rfc3339(window.end),
                                      "maxResults": PAGE_SIZE}
            if page_token:
                params["pageToken"] = page_token
            response = await self._session.request(
                "GET", self._events_path(calendar_id, series_id) + "/instances", params=params)
            if response.status_code in (404, 410):
                return None
            if response.status_code != 200:
                raise api_error(response, "reading a recurring event")
            data = response.json()
            for item in data.get("items", []):
                intervals.extend(busy_intervals(item, self.timezone, window))
            page_token = data.get("nextPageToken")
            if not page_token:
                return intervals

    def _note_own_times(self, key: str, item: dict[str, Any], changes: BusyChanges) -> None:
        times = own_event_times(item, self.timezone)
        if times is not None:
            changes.own_times[key] = times

    def _classify(self, calendar_id: str, item: dict[str, Any], window: TimeRange, changes: BusyChanges,
                  series: dict[str, list[BusyInterval]]) -> None:
        """File one listed instance into ``changes`` (full read) or ``series`` (per recurring series)."""
        booking = own_booking_id(item)
        key = self._source_key(calendar_id, item.get("recurringEventId") or item["id"])
        if booking is not None:
            changes.own_events[key] = booking_uid(booking)
            self._note_own_times(key, item, changes)
            return
        intervals = busy_intervals(item, self.timezone, window)
        if item.get("recurringEventId"):
            series.setdefault(key, []).extend(intervals)
        elif intervals:
            changes.upserts[key] = intervals

    async def _full(self, window: TimeRange) -> BusyChanges:
        changes = BusyChanges(full=True, upserts={})
        tokens: dict[str, str] = {}
        for calendar_id in self.busy_calendar_ids:
            items, sync_token = await self._list_pages(calendar_id, {
                "singleEvents": "true", "timeMin": _rfc3339(window.start), "timeMax": _rfc3339(window.end),
                "maxResults": PAGE_SIZE})
            series: dict[str, list[BusyInterval]] = {}
            for item in items:
                if item.get("status") != "cancelled":
                    self._classify(calendar_id, item, window, changes, series)
            changes.upserts.update({k: sorted(v, key=lambda i: i.start) for k, v in series.items() if v})
            if sync_token:
                tokens[calendar_id] = sync_token
        if set(tokens) == set(self.busy_calendar_ids):
            changes = dataclasses.replace(changes, cursor=WindowCursor(window, tokens).encode())
        return changes

    async def _incremental(self, window: TimeRange, tokens: dict[str, str]) -> BusyChanges:
        changes = BusyChanges(full=False, upserts={})
        new_tokens: dict[str, str] = {}
        for calendar_id in self.busy_calendar_ids:
            items, sync_token = await self._list_pages(calendar_id, {
                "singleEvents": "true", "syncToken": tokens[calendar_id], "maxResults": PAGE_SIZE})
            touched_series: set[str] = set()
            for item in items:
                key = self._source_key(calendar_id, item["id"])
                if item.get("recurringEventId"):
                    touched_series.add(item["recurringEventId"])
                elif item.get("status") == "cancelled":
                    changes.removed.add(key)  # a deleted single event or a deleted whole series
                elif own_booking_id(item) is not None:
                    changes.own_events[key] = booking_uid(own_booking_id(item) or "")
                    self._note_own_times(key, item, changes)
                else:
                    changes.upserts[key] = busy_intervals(item, self.timezone, window)
            for series_id in sorted(touched_series):
                key = self._source_key(calendar_id, series_id)
                if key in changes.removed:
                    continue
                intervals = await self._series_intervals(calendar_id, series_id, window)
                if intervals is None:
                    changes.removed.add(key)
                else:
                    changes.upserts[key] = sorted(intervals, key=lambda i: i.start)
            new_tokens[calendar_id] = sync_token or tokens[calendar_id]
        return dataclasses.replace(changes, cursor=WindowCursor(window, new_tokens).encode())

    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Incremental from ``cursor`` when it fits the window and calendars, else (or if refused) full."""
        window = window.to_utc()
        before = self._session.requests
        previous = usable_cursor(cursor, window, self.busy_calendar_ids, "Google")
        incremental = partial(self._incremental, window, dict(previous.tokens)) if previous else None
        changes = await incremental_or_full(incremental, partial(self._full, window), "Google")
        return dataclasses.replace(changes, requests=self._session.requests - before)
