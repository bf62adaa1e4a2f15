"""Pure translation between our types and Graph event resources (no I/O, easy to test).

* :func:`event_body` — an :class:`EventSpec` as the event we write: times in the staff member's IANA
  zone (Graph accepts IANA names in ``timeZone``), our marker as a single-value extended property.
  Graph's ``dateTime`` is a wall time without offset, so an event with a start or end in the
  repeated hour of a fall-back night (02:30 twice in Berlin) is written with ``timeZone`` "UTC":
  the zone name alone would let Outlook place it at the first 02:30.
* :func:`busy_intervals` — what one event from ``calendarView`` means for availability: not busy when
  ``showAs`` is free or workingElsewhere, when ``isCancelled``, or when the owner declined
  (``responseStatus.response``); all-day events block whole local days in the staff member's zone
  (23 or 25 hours on DST days), whatever zone Graph wrote the midnights in.
* :func:`own_booking_id` — whether an event is ours: the marker property where Graph returns it
  (``$expand``), else the ``transactionId`` we set on create (delta responses cannot ``$expand``).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bizcal_desktop.domain.local_time import is_repeated_wall_time
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import BusyInterval, EventSpec

log = logging.getLogger(__name__)

#: Our named extended property (a fixed property-set GUID of our own, and the name).
MARKER_PROPERTY_ID = "String {5d8a3c1e-7b2f-4e69-9a04-b1c7e2f83d56} Name bizcalBooking"
#: ``$expand`` that makes Graph return the marker with an event.
MARKER_EXPAND = f"singleValueExtendedProperties($filter=id eq '{MARKER_PROPERTY_ID}')"
_TRANSACTION_PREFIX = "bizcal-"
_TRANSACTION_RE = re.compile(r"^bizcal-([0-9a-f]{32})$")
_NOT_BUSY_SHOW_AS = {"free", "workingElsewhere"}
#: Windows zone names Outlook may still answer with when a client ignores our Prefer header.
_WINDOWS_ZONES = {
    "UTC": "UTC", "Coordinated Universal Time": "UTC", "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin", "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest", "E. Europe Standard Time": "Europe/Chisinau",
    "Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver", "Pacific Standard Time": "America/Los_Angeles",
    "AUS Eastern Standard Time": "Australia/Sydney", "India Standard Time": "Asia/Kolkata",
    "Tokyo Standard Time": "Asia/Tokyo", "China Standard Time": "Asia/Shanghai",
}


def transaction_id(booking_public_id: str) -> str:
    """The ``transactionId`` of a booking's create: a retried POST with it makes no second event."""
    return f"{_TRANSACTION_PREFIX}{booking_public_id}"


def _local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def event_body(spec: EventSpec) -> dict[str, Any]:
    """The fields of the booking's event that BizCal owns (``transactionId`` is added on create only)."""
    zone, zone_name = ZoneInfo(spec.timezone), spec.timezone
    if any(is_repeated_wall_time(t, zone) for t in (spec.start, spec.end)):
        zone, zone_name = ZoneInfo("UTC"), "UTC"
    body: dict[str, Any] = {
        "subject": spec.summary,
        "body": {"contentType": "text", "content": spec.description},
        "start": {"dateTime": _local(spec.start, zone), "timeZone": zone_name},
        "end": {"dateTime": _local(spec.end, zone), "timeZone": zone_name},
        "isAllDay": False,
        "showAs": "busy",
        "singleValueExtendedProperties": [{"id": MARKER_PROPERTY_ID, "value": spec.booking_public_id}],
    }
    if spec.location:
        body["location"] = {"displayName": spec.location}
    return body


def own_booking_id(item: dict[str, Any]) -> str | None:
    """The booking public id when ``item`` is one of our events, else None."""
    for prop in item.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).lower() == MARKER_PROPERTY_ID.lower() and prop.get("value"):
            return str(prop["value"])
    match = _TRANSACTION_RE.match(str(item.get("transactionId") or ""))
    return match.group(1) if match else None


def is_busy(item: dict[str, Any]) -> bool:
    """Whether a (non-own) event blocks time, by Outlook's own free/busy rules."""
    if item.get("isCancelled"):
        return False
    if item.get("showAs") in _NOT_BUSY_SHOW_AS:
        return False
    return (item.get("responseStatus") or {}).get("response") != "declined"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(_WINDOWS_ZONES.get(name or "UTC", name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _naive(value: dict[str, Any]) -> datetime:
    raw = str(value["dateTime"])
    head, _, fraction = raw.partition(".")
    return datetime.fromisoformat(head + (f".{fraction[:6]}" if fraction else ""))


def _span(item: dict[str, Any], staff_zone: ZoneInfo) -> tuple[datetime, datetime]:
    if item.get("isAllDay"):  # midnight-to-midnight in whatever zone: whole days of the staff zone
        days = [date.fromisoformat(str(item[s]["dateTime"])[:10]) for s in ("start", "end")]
        return tuple(datetime.combine(d, time(), staff_zone).astimezone(UTC) for d in days)  # type: ignore[return-value]
    return tuple(_naive(item[s]).replace(tzinfo=_zone(item[s].get("timeZone"))).astimezone(UTC)  # type: ignore[return-value]
                 for s in ("start", "end"))


def busy_intervals(item: dict[str, Any], staff_zone: str, window: TimeRange) -> list[BusyInterval]:
    """The busy interval of one listed event inside ``window``: [] when not busy."""
    if not is_busy(item) or not item.get("start") or not item.get("end"):
        return []
    try:
        start, end = _span(item, ZoneInfo(staff_zone))
    except (KeyError, ValueError):
        log.warning("skipping Outlook event %s: its times cannot be read", item.get("id"))
        return []
    if end <= start:
        return []
    interval = BusyInterval(start=start, end=end, all_day=bool(item.get("isAllDay")))
    return [interval] if interval.as_range().overlaps(window) else []


def own_event_times(item: dict[str, Any], staff_zone: str) -> tuple[datetime, datetime] | None:
    """Where one of our booking events is now (moved in Outlook?), in UTC; None if unreadable."""
    if item.get("isCancelled") or not item.get("start") or not item.get("end"):
        return None
    try:
        start, end = _span(item, ZoneInfo(staff_zone))
    except (KeyError, ValueError):
        return None
    return (start, end) if end > start else None
