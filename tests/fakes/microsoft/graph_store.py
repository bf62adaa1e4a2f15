"""One fake Outlook calendar: events with Graph v1.0 semantics, calendarView and its delta.

Events keep their times as written (``dateTime`` + ``timeZone``, IANA or Windows names) and are
answered in the zone asked with ``Prefer: outlook.timezone`` (UTC by default), as Graph does; all-day
events stay midnight-to-midnight in whatever zone is asked. Every change bumps a sequence that
delta tokens point into; deleted events leave a tombstone so a delta reports them as ``@removed``.
An event written with a ``recurrence`` is a series master: views list its occurrences instead, and
a delta gives plain occurrences sparse, as Graph does (:mod:`tests.fakes.microsoft.series`).

Tests use ``add_event`` / ``edit_event`` / ``edit_occurrence`` / ``delete_event`` /
``expire_delta_tokens`` to play a person editing the calendar in Outlook; ``api_*`` methods are what
the HTTP layer calls.
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

from tests.fakes.microsoft import series
from tests.fakes.microsoft.errors import GraphError
from tests.fakes.microsoft.odata import event_filter

#: The few Windows zone names tests use (Outlook clients write these).
WINDOWS_ZONES = {"W. Europe Standard Time": "Europe/Berlin", "GMT Standard Time": "Europe/London",
                 "Eastern Standard Time": "America/New_York", "Pacific Standard Time": "America/Los_Angeles",
                 "UTC": "UTC", "Coordinated Universal Time": "UTC"}
_READ_ONLY = ("id", "changeKey", "@odata.etag", "createdDateTime", "lastModifiedDateTime", "type",
              "iCalUId", "webLink", "organizer")
_EXPAND_RE = re.compile(r"^singleValueExtendedProperties\(\$filter=id\s+eq\s+'([^']*)'\)$", re.IGNORECASE)


def zone_of(name: str | None) -> ZoneInfo:
    """A Graph ``timeZone`` value as a zone; 400 TimeZoneNotSupportedException when unknown."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphError(400, "TimeZoneNotSupportedException",
                         f"A valid TimeZone value must be specified. The following TimeZone value is not "
                         f"supported: '{name}'.") from exc


def parse_graph_time(value: dict[str, Any]) -> datetime:
    """``{"dateTime", "timeZone"}`` → aware UTC (7 fractional digits allowed)."""
    raw = str(value.get("dateTime") or "")
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d)?)(\.\d+)?(Z|[+-]\d\d:\d\d)?$", raw)
    if not match:
        raise GraphError(400, "ErrorInvalidRequest", f"Cannot convert '{raw}' to a dateTime.")
    parsed = datetime.fromisoformat(match.group(1) + (match.group(2) or "")[:7])
    if match.group(3):
        return datetime.fromisoformat(raw[:19] + match.group(3).replace("Z", "+00:00")).astimezone(UTC)
    return parsed.replace(tzinfo=zone_of(value.get("timeZone"))).astimezone(UTC)


def format_graph_time(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


class FakeOutlookCalendar:
    """A calendar and its events; every method takes the fake's lock, so tests may call them too."""

    def __init__(self, calendar_id: str, name: str, lock: threading.RLock, default: bool = False,
                 can_edit: bool = True, owner: str = "staff@contoso.example") -> None:
        self.id = calendar_id
        self.name = name
        self.default = default
        self.can_edit = can_edit
        self.owner = owner
        self.events: dict[str, dict[str, Any]] = {}
        self._lock = lock
        self._changed_at: dict[str, int] = {}  # event id -> sequence of its last change
        self._removed_at: dict[str, int] = {}  # deleted event id -> sequence of the deletion
        self._seq = 0
        self._exceptions: dict[str, dict[date, dict[str, Any]]] = {}  # master id -> day -> overrides
        self._gone_masters: dict[str, dict[str, Any]] = {}  # deleted masters, to report their instances
        self._delta_tokens: dict[str, tuple[datetime, datetime, int]] = {}
        self._pages: dict[str, tuple[list[dict[str, Any]], str]] = {}

    # ---------------------------------------------------------------- user-side simulation (tests)

    def add_event(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Create an event as a person would in Outlook; returns the stored copy."""
        with self._lock:
            event = self._new(copy.deepcopy(resource))
            return copy.deepcopy(event)

    def edit_event(self, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an event as in Outlook (a new changeKey, so stored ETags go stale)."""
        with self._lock:
            event = self.events[event_id]
            event.update(copy.deepcopy(changes))
            self._touch(event)
            return copy.deepcopy(event)

    def edit_occurrence(self, master_id: str, day: date, changes: dict[str, Any]) -> dict[str, Any]:
        """Edit one occurrence of a series on its own (it becomes an exception with its own change key)."""
        with self._lock:
            master = self.events[master_id]
            override = self._exceptions.setdefault(master_id, {}).setdefault(day, {})
            override.update(copy.deepcopy(changes))
            change_key = base64.b64encode(secrets.token_bytes(12)).decode()
            override.update({"changeKey": change_key, "@odata.etag": f'W/"{change_key}"'})
            self._touch(master)  # the series changed: a delta reports its instances again
            return series.instance(master, day, override)

    def delete_event(self, event_id: str) -> None:
        with self._lock:
            gone = self.events.pop(event_id)
            if gone.get("type") == "seriesMaster":
                self._gone_masters[event_id] = gone
                self._exceptions.pop(event_id, None)
            self._seq += 1
            self._changed_at.pop(event_id, None)
            self._removed_at[event_id] = self._seq

    def get(self, event_id: str) -> dict[str, Any] | None:
        with self._lock:
            event = self.events.get(event_id)
            return copy.deepcopy(event) if event is not None else None

    def all_events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(e) for e in self.events.values()]

    def expire_delta_tokens(self) -> None:
        """Every delta token issued so far is refused with 410 (Graph reset the sync state)."""
        with self._lock:
            self._delta_tokens.clear()

    # ---------------------------------------------------------------- storage

    def _touch(self, event: dict[str, Any]) -> None:
        self._seq += 1
        change_key = base64.b64encode(secrets.token_bytes(12)).decode()
        event["changeKey"] = change_key
        event["@odata.etag"] = f'W/"{change_key}"'
        event["lastModifiedDateTime"] = _now()
        self._changed_at[event["id"]] = self._seq
        self._removed_at.pop(event["id"], None)

    def _new(self, event: dict[str, Any]) -> dict[str, Any]:
        for key in _READ_ONLY:
            event.pop(key, None)
        self._validate(event)
        event["id"] = "AAMkAG" + base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()
        event["createdDateTime"] = _now()
        event["type"] = "seriesMaster" if event.get("recurrence") else "singleInstance"
        event.setdefault("subject", "")
        event.setdefault("showAs", "busy")
        event.setdefault("isAllDay", False)
        event.setdefault("isCancelled", False)
        event.setdefault("responseStatus", {"response": "organizer", "time": "0001-01-01T00:00:00Z"})
        event.setdefault("transactionId", None)
        self.events[event["id"]] = event
        self._touch(event)
        return event

    @staticmethod
    def _validate(event: dict[str, Any]) -> None:
        for side in ("start", "end"):
            if not isinstance(event.get(side), dict):
                raise GraphError(400, "ErrorInvalidRequest", f"The '{side}' property is required.")
        start, end = parse_graph_time(event["start"]), parse_graph_time(event["end"])
        if end < start:
            raise GraphError(400, "ErrorInvalidRequest", "The end must not be before the start.")
        if event.get("isAllDay"):
            for side in ("start", "end"):
                local = parse_graph_time(event[side]).astimezone(zone_of(event[side].get("timeZone")))
                if local.time() != datetime.min.time():
                    raise GraphError(400, "ErrorPropertyValidationFailure", "All-day events must start and "
                                     "end at midnight.")
        if event.get("recurrence") is not None:
            series.validate(event["recurrence"])
        if event.get("showAs") not in (None, "free", "tentative", "busy", "oof", "workingElsewhere", "unknown"):
            raise GraphError(400, "RequestBodyRead", f"Invalid showAs {event.get('showAs')!r}.")

    def span(self, event: dict[str, Any]) -> tuple[datetime, datetime]:
        return parse_graph_time(event["start"]), parse_graph_time(event["end"])

    def _overlaps(self, event: dict[str, Any], start: datetime, end: datetime) -> bool:
        s, e = self.span(event)
        return s < end and e > start if e > s else start <= s < end

    def _instances(self, event: dict[str, Any], start: datetime, end: datetime) -> list[dict[str, Any]]:
        """What a calendar view of ``[start, end)`` shows of ``event``: itself, or a series' instances."""
        if event.get("type") != "seriesMaster":
            return [event] if self._overlaps(event, start, end) else []
        return series.instances(event, self._exceptions.get(event["id"], {}), set(), start, end,
                                lambda instance: self._overlaps(instance, start, end))

    def _view(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        found = [i for e in self.events.values() for i in self._instances(e, start, end)]
        return sorted(found, key=lambda e: self.span(e)[0])

    # ---------------------------------------------------------------- rendering

    def render(self, event: dict[str, Any], zone: ZoneInfo, expand: str | None,
               select: str | None = None) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in event.items() if k != "singleValueExtendedProperties"}
        for side in ("start", "end"):
            instant = parse_graph_time(event[side])
            if event.get("isAllDay"):  # midnight-to-midnight whatever zone is asked
                local = instant.astimezone(zone_of(event[side].get("timeZone"))).replace(tzinfo=None)
                out[side] = {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone.key}
            else:
                out[side] = {"dateTime": format_graph_time(instant, zone), "timeZone": zone.key}
        if select:  # Graph answers the id and the ETag, and of the rest only what was selected
            wanted = {"id", "@odata.etag", *(name.strip() for name in select.split(","))}
            out = {k: v for k, v in out.items() if k in wanted}
        if expand:
            match = _EXPAND_RE.match(expand.strip())
            if not match:
                raise GraphError(400, "BadRequest", f"Parsing OData Select and Expand failed: {expand}")
            wanted = match.group(1).lower()
            props = [p for p in event.get("singleValueExtendedProperties") or [] if p["id"].lower() == wanted]
            if props:
                out["singleValueExtendedProperties"] = copy.deepcopy(props)
        return out

    # ---------------------------------------------------------------- API

    def api_create(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if not self.can_edit:
                raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            txn = payload.get("transactionId")
            if txn:
                for event in self.events.values():
                    if event.get("transactionId") == txn:
                        return 201, copy.deepcopy(event)  # the retried POST: no second event
            return 201, copy.deepcopy(self._new(copy.deepcopy(payload)))

    def api_get(self, event_id: str) -> dict[str, Any]:
        with self._lock:
            event = self.events.get(event_id)
            if event is None:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return event

    def holds(self, event_id: str) -> bool:
        """Whether ``event_id`` is a stored event or an occurrence of one of this calendar's series."""
        with self._lock:
            occurrence = series.parse_occurrence_id(event_id)
            return event_id in self.events or (occurrence is not None and occurrence[0] in self.events)

    def api_read(self, event_id: str) -> dict[str, Any]:
        """GET /me/events/{id}: a stored event (a series master included) or one occurrence of a series."""
        with self._lock:
            occurrence = series.parse_occurrence_id(event_id)
            if occurrence is None:
                return self.api_get(event_id)
            master, day = self.api_get(occurrence[0]), occurrence[1]
            return series.instance(master, day, self._exceptions.get(master["id"], {}).get(day))

    def api_patch(self, event_id: str, payload: dict[str, Any], if_match: str | None) -> dict[str, Any]:
        with self._lock:
            event = self.api_get(event_id)
            self._check_etag(event, if_match)
            updated = copy.deepcopy(event)
            for key, value in payload.items():
                if key in _READ_ONLY:
                    continue
                if key == "singleValueExtendedProperties":
                    props = {p["id"].lower(): p for p in updated.get(key) or []}
                    props.update({p["id"].lower(): copy.deepcopy(p) for p in value or []})
                    updated[key] = list(props.values())
                else:
                    updated[key] = copy.deepcopy(value)
            self._validate(updated)
            event.clear()
            event.update(updated)
            self._touch(event)
            return event

    def api_delete(self, event_id: str, if_match: str | None) -> None:
        with self._lock:
            event = self.api_get(event_id)
            self._check_etag(event, if_match)
            self.delete_event(event_id)

    @staticmethod
    def _check_etag(event: dict[str, Any], if_match: str | None) -> None:
        if if_match and if_match != "*" and if_match != event["@odata.etag"]:
            raise GraphError(412, "ErrorIrresolvableConflict", "The change key passed in the request does not "
                             "match the current change key of the item.")

    def api_list(self, query: dict[str, str], zone: ZoneInfo) -> list[dict[str, Any]]:
        """GET /me/calendars/{id}/events, with the ``$filter`` and ``$select`` Graph documents (:mod:`.odata`)."""
        with self._lock:
            events = list(self.events.values())
            if "$filter" in query:
                wanted = event_filter(query["$filter"], lambda event, side: parse_graph_time(event[side]))
                events = [e for e in events if wanted(e)]
            return [self.render(e, zone, query.get("$expand"), query.get("$select")) for e in events]

    @staticmethod
    def _window(query: dict[str, str]) -> tuple[datetime, datetime]:
        try:
            start = parse_graph_time({"dateTime": query["startDateTime"], "timeZone": "UTC"})
            end = parse_graph_time({"dateTime": query["endDateTime"], "timeZone": "UTC"})
        except KeyError as exc:
            raise GraphError(400, "ErrorInvalidParameter", "This request requires a time window specified by "
                             "the query string parameters StartDateTime and EndDateTime.") from exc
        return start, end

    def api_calendar_view(self, query: dict[str, str], zone: ZoneInfo) -> list[dict[str, Any]]:
        with self._lock:
            start, end = self._window(query)
            return [self.render(e, zone, query.get("$expand")) for e in self._view(start, end)]

    def api_delta(self, query: dict[str, str], zone: ZoneInfo, page_size: int,
                  link_base: str) -> tuple[int, dict[str, Any]]:
        """GET .../calendarView/delta: initial round, a ``$skiptoken`` page, or a ``$deltatoken`` round."""
        with self._lock:
            if "$skiptoken" in query:
                page = self._pages.pop(query["$skiptoken"], None)
                if page is None:
                    raise GraphError(410, "SyncStateNotFound", "The sync state generation is not found.")
                items, delta_token = page
                return 200, self._page(items, page_size, link_base, delta_token)
            if "$deltatoken" in query:
                state = self._delta_tokens.get(query["$deltatoken"])
                if state is None:
                    raise GraphError(410, "SyncStateNotFound", "The sync state generation is not found; "
                                     "start a full synchronization.")
                start, end, since = state
                items = self._changes_since(since, start, end)
            else:
                if query.get("$select") or query.get("$filter") or query.get("$orderby") or query.get("$expand"):
                    raise GraphError(400, "ErrorInvalidUrlQuery", "The delta function does not support "
                                     "$select, $filter, $orderby or $expand.")
                start, end = self._window(query)
                items = self._view(start, end)
            rendered = [i if "@removed" in i else series.sparse(self.render(i, zone, None)) for i in items]
            token = secrets.token_urlsafe(18)
            self._delta_tokens[token] = (start, end, self._seq)
            return 200, self._page(rendered, page_size, link_base, token)

    def _changes_since(self, since: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """A delta round's items (unrendered): changed events or series' instances, then removals."""
        items: list[dict[str, Any]] = []
        for event_id, seq in self._changed_at.items():
            if seq <= since:
                continue
            event = self.events[event_id]
            shown = self._instances(event, start, end)
            if shown or event.get("type") == "seriesMaster":
                items.extend(shown)
            else:  # left the window
                items.append({"id": event_id, "@removed": {"reason": "changed"}})
        for event_id, seq in self._removed_at.items():
            if seq <= since:
                continue
            master = self._gone_masters.get(event_id)
            gone = [i["id"] for i in self._instances(master, start, end)] if master else [event_id]
            items.extend({"id": gone_id, "@removed": {"reason": "deleted"}} for gone_id in gone)
        return items

    def _page(self, items: list[dict[str, Any]], size: int, link_base: str, delta_token: str) -> dict[str, Any]:
        head, rest = items[:size], items[size:]
        body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)",
                                "value": head}
        if rest:
            skip = secrets.token_urlsafe(18)
            self._pages[skip] = (rest, delta_token)
            body["@odata.nextLink"] = f"{link_base}?$skiptoken={skip}"
        else:
            body["@odata.deltaLink"] = f"{link_base}?$deltatoken={delta_token}"
        return body

