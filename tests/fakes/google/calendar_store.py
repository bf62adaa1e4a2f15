"""One fake Google calendar: its events and the Calendar v3 semantics the app depends on.

Deleted events stay stored with ``status: cancelled`` (so ``events.get`` still returns them, a second
delete answers 410 and their id cannot be inserted again), every change bumps a per-calendar sequence
that sync tokens point into, and recurring series are expanded into instances on the fly.

Tests use the public methods (``add_event``, ``edit_event``, ``delete_event``, ``cancel_instance``,
``purge``, ``expire_sync_tokens``) to play the user editing the calendar in Google; the ``api_*``
methods are what the HTTP layer calls.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
import threading
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.fakes.google import recurrence
from tests.fakes.google.errors import FakeHTTPError

_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
#: Query parameters Google refuses together with ``syncToken``.
_NOT_WITH_SYNC_TOKEN = ("timeMin", "timeMax", "updatedMin", "orderBy", "q", "iCalUID",
                        "privateExtendedProperty", "sharedExtendedProperty")
#: Fields a client cannot set; Google ignores them on input.
_READ_ONLY = ("kind", "etag", "htmlLink", "created", "updated", "creator", "organizer", "iCalUID")


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Google's patch semantics: objects merge recursively, arrays and scalars replace, null clears.

    ``start``/``end`` are replaced whole so switching between ``date`` and ``dateTime`` works.
    """
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict) and key not in (
            "start", "end", "originalStartTime"
        ):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class FakeCalendar:
    """A calendar and its events; every method takes the fake's lock, so tests may call them too."""

    def __init__(self, calendar_id: str, summary: str, time_zone: str, lock: threading.RLock,
                 primary: bool = False, access_role: str = "owner") -> None:
        self.id = calendar_id
        self.summary = summary
        self.time_zone = time_zone
        self.primary = primary
        self.access_role = access_role
        self.events: dict[str, dict[str, Any]] = {}
        self._lock = lock
        self._changed_at: dict[str, int] = {}
        self._seq = 0
        self._token_epoch = 0
        self._pages: dict[str, tuple[list[dict[str, Any]], str | None]] = {}

    # ---------------------------------------------------------------- user-side simulation (tests)

    def add_event(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Create an event as the user would in Google (no validation of the id's alphabet)."""
        with self._lock:
            event = copy.deepcopy(resource)
            event.setdefault("id", secrets.token_hex(13))
            event.setdefault("status", "confirmed")
            event.setdefault("created", _now_rfc3339())
            self._store(event)
            return copy.deepcopy(event)

    def edit_event(self, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an event as the user would (patch semantics)."""
        with self._lock:
            event = self.events[event_id]
            _merge(event, changes)
            self._store(event)
            return copy.deepcopy(event)

    def delete_event(self, event_id: str) -> None:
        """Delete an event as the user would: it stays as ``cancelled`` for sync and 410 answers."""
        with self._lock:
            event = self.events[event_id]
            event["status"] = "cancelled"
            self._store(event)

    def cancel_instance(self, master_id: str, original_start: datetime | date) -> str:
        """Delete one instance of a recurring series (a cancelled exception); returns its id."""
        with self._lock:
            master = self.events[master_id]
            zone = master["start"].get("timeZone") or self.time_zone
            if isinstance(original_start, datetime):
                key: datetime | date = original_start
                local = original_start.astimezone(ZoneInfo(zone))
                original = {"dateTime": local.isoformat(), "timeZone": zone}
            else:
                key = original_start
                original = {"date": original_start.isoformat()}
            inst_id = recurrence.instance_id(master_id, key)
            self._store({"id": inst_id, "recurringEventId": master_id, "originalStartTime": original,
                         "status": "cancelled", "start": original, "end": original})
            return inst_id

    def purge(self, event_id: str) -> None:
        """Forget an event entirely, as Google eventually does with deleted events."""
        with self._lock:
            self.events.pop(event_id, None)
            self._changed_at.pop(event_id, None)

    def expire_sync_tokens(self) -> None:
        """Make every sync token issued so far answer ``410 fullSyncRequired``."""
        with self._lock:
            self._token_epoch += 1

    def get(self, event_id: str) -> dict[str, Any] | None:
        """A copy of the stored event (including cancelled ones), or None."""
        with self._lock:
            event = self.events.get(event_id)
            return copy.deepcopy(event) if event else None

    def live_events(self) -> list[dict[str, Any]]:
        """Copies of the stored events that are not deleted."""
        with self._lock:
            return [copy.deepcopy(e) for e in self.events.values() if e.get("status") != "cancelled"]

    # ---------------------------------------------------------------- internals

    def _store(self, event: dict[str, Any]) -> None:
        self._seq += 1
        event["kind"] = "calendar#event"
        event["etag"] = f'"{3_000_000_000_000_000 + self._seq * 1000 + secrets.randbelow(1000)}"'
        event["updated"] = _now_rfc3339()
        event.setdefault("created", event["updated"])
        event.setdefault("iCalUID", f"{event['id']}@google.com")
        event.setdefault("creator", {"email": self.id, "self": True})
        event.setdefault("organizer", {"email": self.id, "self": True})
        event.setdefault("sequence", 0)
        for attendee in event.get("attendees", []):
            if attendee.get("email") == self.id:
                attendee["self"] = True
            attendee.setdefault("responseStatus", "needsAction")
        self.events[event["id"]] = event
        self._changed_at[event["id"]] = self._seq

    def _check_times(self, event: dict[str, Any]) -> None:
        start, end = event.get("start"), event.get("end")
        if not start or not end:
            raise FakeHTTPError(400, "required", "Missing end time." if start else "Missing start time.")
        if ("date" in start) != ("date" in end):
            raise FakeHTTPError(400, "invalid",
                                "Start and end times must either both be date or both be dateTime.")
        bounds = []
        for name, value in (("start", start), ("end", end)):
            if "date" in value:
                bounds.append(datetime.combine(date.fromisoformat(value["date"]), datetime.min.time(), UTC))
                continue
            if "dateTime" not in value:
                raise FakeHTTPError(400, "required", f"Missing {name} time.")
            parsed = recurrence.parse_dt(value["dateTime"])
            zone_name = value.get("timeZone")
            if zone_name:
                try:
                    zone = ZoneInfo(zone_name)
                except (ZoneInfoNotFoundError, ValueError) as exc:
                    raise FakeHTTPError(400, "invalid",
                                        f"Invalid time zone definition for {name} time.") from exc
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=zone)
            elif parsed.tzinfo is None or event.get("recurrence"):
                raise FakeHTTPError(400, "invalid", f"Missing time zone definition for {name} time.")
            bounds.append(parsed)
        if bounds[1] < bounds[0]:
            raise FakeHTTPError(400, "timeRangeEmpty", "The specified time range is empty.")

    def _find(self, event_id: str) -> dict[str, Any] | None:
        """A stored event or an expanded instance of a stored series."""
        if event_id in self.events:
            return self.events[event_id]
        master_id, _, _ = event_id.partition("_")
        master = self.events.get(master_id)
        if master and master.get("recurrence"):
            for inst in self._instances(master, include_cancelled=True):
                if inst["id"] == event_id:
                    return inst
        return None

    def _instances(self, master: dict[str, Any], include_cancelled: bool) -> list[dict[str, Any]]:
        result = []
        for inst in recurrence.expand(master, self.time_zone):
            exception = self.events.get(inst["id"])
            if exception is not None and exception.get("recurringEventId") == master["id"]:
                if exception.get("status") == "cancelled":
                    if include_cancelled:
                        result.append(self._cancelled_view(exception))
                    continue
                inst = exception
            inst.setdefault("etag", master["etag"])
            result.append(copy.deepcopy(inst))
        return result

    @staticmethod
    def _cancelled_view(event: dict[str, Any]) -> dict[str, Any]:
        """What list returns for a deleted event: only the guaranteed fields."""
        view = {"kind": "calendar#event", "etag": event.get("etag"), "id": event["id"], "status": "cancelled"}
        if event.get("recurringEventId"):
            view["recurringEventId"] = event["recurringEventId"]
            view["originalStartTime"] = event["originalStartTime"]
        return view

    def _overlaps(self, event: dict[str, Any], time_min: datetime | None, time_max: datetime | None) -> bool:
        start, end = recurrence.event_bounds(event, self.time_zone)
        if time_min is not None and end <= time_min:
            return False
        return not (time_max is not None and start >= time_max)

    def _sync_token(self) -> str:
        raw = f"{self.id}|{self._token_epoch}|{self._seq}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _token_seq(self, token: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            cal, epoch, seq = raw.rsplit("|", 2)
            if cal == self.id and int(epoch) == self._token_epoch:
                return int(seq)
        except (ValueError, UnicodeDecodeError):
            pass
        raise FakeHTTPError(410, "fullSyncRequired")

    # ---------------------------------------------------------------- Calendar v3 operations

    def api_insert(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            event = {k: copy.deepcopy(v) for k, v in body.items() if k not in _READ_ONLY and v is not None}
            if "id" in event:
                if not isinstance(event["id"], str) or not _ID_RE.match(event["id"]):
                    raise FakeHTTPError(400, "invalid", "Invalid resource id value.")
                if event["id"] in self.events:
                    raise FakeHTTPError(409, "duplicate")
            else:
                event["id"] = secrets.token_hex(13)
            event.setdefault("status", "confirmed")
            self._check_times(event)
            self._store(event)
            return copy.deepcopy(event)

    def api_get(self, event_id: str) -> dict[str, Any]:
        with self._lock:
            event = self._find(event_id)
            if event is None:
                raise FakeHTTPError(404)
            return copy.deepcopy(event)

    def _writable(self, event_id: str, if_match: str | None) -> dict[str, Any]:
        event = self._find(event_id)
        if event is None:
            raise FakeHTTPError(404)
        if if_match and if_match != "*" and if_match != event.get("etag"):
            raise FakeHTTPError(412, "conditionNotMet", location="If-Match")
        if event_id not in self.events:  # first change of an expanded instance: becomes an exception
            self.events[event_id] = event
        return self.events[event_id]

    def api_patch(self, event_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        with self._lock:
            if body.get("id") not in (None, event_id):
                raise FakeHTTPError(400, "invalid", "The event id cannot be changed.")
            event = self._writable(event_id, if_match)
            candidate = copy.deepcopy(event)
            old_times = (candidate.get("start"), candidate.get("end"))
            _merge(candidate, {k: v for k, v in body.items() if k not in _READ_ONLY})
            self._check_times(candidate)
            if (candidate.get("start"), candidate.get("end")) != old_times:
                candidate["sequence"] = int(candidate.get("sequence", 0)) + 1
            self._store(candidate)
            return copy.deepcopy(candidate)

    def api_update(self, event_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        with self._lock:
            if body.get("id") not in (None, event_id):
                raise FakeHTTPError(400, "invalid", "The event id cannot be changed.")
            event = self._writable(event_id, if_match)
            kept = {k: event[k] for k in ("id", "created", "iCalUID", "creator", "organizer", "sequence",
                                          "recurringEventId", "originalStartTime") if k in event}
            candidate = {k: copy.deepcopy(v) for k, v in body.items()
                         if k not in _READ_ONLY and v is not None}
            candidate.update(kept)
            candidate.setdefault("status", "confirmed")
            self._check_times(candidate)
            if (candidate.get("start"), candidate.get("end")) != (event.get("start"), event.get("end")):
                candidate["sequence"] = int(candidate.get("sequence", 0)) + 1
            self._store(candidate)
            return copy.deepcopy(candidate)

    def api_delete(self, event_id: str, if_match: str | None) -> None:
        with self._lock:
            event = self._find(event_id)
            if event is None:
                raise FakeHTTPError(404)
            if event.get("status") == "cancelled":
                raise FakeHTTPError(410, "deleted")
            stored = self._writable(event_id, if_match)
            stored["status"] = "cancelled"
            self._store(stored)

    def api_list(self, params: dict[str, list[str]]) -> dict[str, Any]:
        """events.list: full (windowed, filtered) or incremental (syncToken), paged."""
        with self._lock:
            one = {k: v[-1] for k, v in params.items()}
            page_token = one.get("pageToken")
            if page_token:
                if page_token not in self._pages:
                    raise FakeHTTPError(400, "invalid", "Invalid page token value.")
                return self._page(*self._pages[page_token], int(one.get("maxResults", 250)))
            try:
                max_results = min(int(one.get("maxResults", "250")), 2500)
            except ValueError as exc:
                raise FakeHTTPError(400, "invalid", "Invalid value for maxResults.") from exc
            if max_results < 1:
                raise FakeHTTPError(400, "invalid", "Invalid value for maxResults.")
            single = one.get("singleEvents", "false") == "true"
            if "syncToken" in one:
                if any(name in params for name in _NOT_WITH_SYNC_TOKEN):
                    raise FakeHTTPError(400, "invalid",
                                        "Sync token cannot be combined with time bounds or filters.")
                items = self._changes_since(self._token_seq(one["syncToken"]), single)
            else:
                items = self._full_items(params, single)
            return self._page(items, self._sync_token(), max_results)

    def _page(self, items: list[dict[str, Any]], sync_token: str | None, max_results: int) -> dict[str, Any]:
        page, rest = items[:max_results], items[max_results:]
        response: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p{self._seq}"',
            "summary": self.summary,
            "updated": _now_rfc3339(),
            "timeZone": self.time_zone,
            "accessRole": self.access_role,
            "defaultReminders": [],
            "items": page,
        }
        if rest:
            token = secrets.token_urlsafe(12)
            self._pages[token] = (rest, sync_token)
            response["nextPageToken"] = token
        else:
            response["nextSyncToken"] = sync_token
        return response

    def _full_items(self, params: dict[str, list[str]], single: bool) -> list[dict[str, Any]]:
        one = {k: v[-1] for k, v in params.items()}
        show_deleted = one.get("showDeleted", "false") == "true"
        try:
            time_min = recurrence.parse_dt(one["timeMin"]) if "timeMin" in one else None
            time_max = recurrence.parse_dt(one["timeMax"]) if "timeMax" in one else None
        except ValueError as exc:
            raise FakeHTTPError(400, "invalid", "Bad Request") from exc
        for bound in (time_min, time_max):
            if bound is not None and bound.tzinfo is None:
                raise FakeHTTPError(400, "invalid", "Bad Request")
        filters = [f.split("=", 1) for f in params.get("privateExtendedProperty", [])]
        items = []
        for event in self.events.values():
            private = event.get("extendedProperties", {}).get("private", {})
            if any(len(f) != 2 or private.get(f[0]) != f[1] for f in filters):
                continue
            if event.get("recurringEventId") and event.get("recurringEventId") in self.events:
                continue  # exceptions are reached through their series
            cancelled = event.get("status") == "cancelled"
            if event.get("recurrence"):
                if cancelled:
                    if show_deleted:
                        items.append(self._cancelled_view(event))
                    continue
                if single:
                    items.extend(i for i in self._instances(event, show_deleted)
                                 if i.get("status") == "cancelled" or self._overlaps(i, time_min, time_max))
                elif any(self._overlaps(i, time_min, time_max) for i in self._instances(event, False)):
                    items.append(copy.deepcopy(event))
                continue
            if cancelled and not show_deleted:
                continue
            if cancelled or self._overlaps(event, time_min, time_max):
                items.append(self._cancelled_view(event) if cancelled else copy.deepcopy(event))

        def order(item: dict[str, Any]) -> tuple[str, str]:
            start = item.get("start") or item.get("originalStartTime") or {}
            return (start.get("dateTime") or start.get("date") or "", item["id"])

        return sorted(items, key=order)

    def _changes_since(self, seq: int, single: bool) -> list[dict[str, Any]]:
        changed = sorted((s, eid) for eid, s in self._changed_at.items() if s > seq)
        out: dict[str, dict[str, Any]] = {}
        for _, event_id in changed:
            event = self.events[event_id]
            cancelled = event.get("status") == "cancelled"
            if event.get("recurrence"):
                if cancelled:
                    out[event_id] = self._cancelled_view(event)
                elif single:
                    for inst in self._instances(event, include_cancelled=True):
                        out[inst["id"]] = inst
                else:
                    out[event_id] = copy.deepcopy(event)
            else:
                out[event_id] = self._cancelled_view(event) if cancelled else copy.deepcopy(event)
        return list(out.values())

    def api_instances(self, event_id: str, params: dict[str, list[str]]) -> dict[str, Any]:
        """events.instances: the instances of one series overlapping the window."""
        with self._lock:
            master = self.events.get(event_id)
            if master is None or not master.get("recurrence"):
                raise FakeHTTPError(404)
            if master.get("status") == "cancelled":
                raise FakeHTTPError(410, "deleted")
            one = {k: v[-1] for k, v in params.items()}
            if one.get("pageToken"):
                if one["pageToken"] not in self._pages:
                    raise FakeHTTPError(400, "invalid", "Invalid page token value.")
                response = self._page(*self._pages[one["pageToken"]], int(one.get("maxResults", 250)))
            else:
                time_min = recurrence.parse_dt(one["timeMin"]) if "timeMin" in one else None
                time_max = recurrence.parse_dt(one["timeMax"]) if "timeMax" in one else None
                show_deleted = one.get("showDeleted", "false") == "true"
                items = [i for i in self._instances(master, show_deleted)
                         if i.get("status") == "cancelled" or self._overlaps(i, time_min, time_max)]
                response = self._page(items, None, min(int(one.get("maxResults", "250")), 2500))
            response.pop("nextSyncToken", None)
            return response
