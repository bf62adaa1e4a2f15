"""Pure translation between our types and Google event resources (no I/O, easy to test).

* :func:`event_body` — an :class:`EventSpec` as the Event resource we write.
* :func:`busy_intervals` — what one listed event means for availability, by the busy rules:
  cancelled, ``transparency: transparent``, declined by the calendar's owner (``attendees[].self``)
  and working-location entries are not busy; all-day ``date`` events block whole local days in the
  staff member's zone (23 or 25 hours on DST days); our own events (private extended property
  ``bizcalBooking``) are reported apart, never as busy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import BusyInterval, EventSpec

#: Private extended property carrying the booking's public id on every event we write.
MARKER_KEY = "bizcalBooking"


def _local_iso(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat()


def event_body(spec: EventSpec) -> dict[str, Any]:
    """The fields of the booking's event that BizCal owns (the id is added on insert only).

    Times carry both the local offset and the IANA ``timeZone`` so Google shows them in the staff
    member's zone. ``status: confirmed`` is always sent: patching it onto an event the user deleted
    in Google restores that event (Google keeps deleted events and lets their organizer undelete
    them), which is what "make the booking's event exist" means. ``sequence`` is left to Google,
    which raises it itself on time changes and rejects values lower than its own.
    """
    zone = ZoneInfo(spec.timezone)
    body: dict[str, Any] = {
        "summary": spec.summary,
        "description": spec.description,
        "start": {"dateTime": _local_iso(spec.start, zone), "timeZone": spec.timezone},
        "end": {"dateTime": _local_iso(spec.end, zone), "timeZone": spec.timezone},
        "status": "confirmed",
        "transparency": "opaque",
        "extendedProperties": {"private": {MARKER_KEY: spec.booking_public_id}},
    }
    if spec.location:
        body["location"] = spec.location
    return body


def own_booking_id(item: dict[str, Any]) -> str | None:
    """The booking public id when ``item`` is one of our events, else None."""
    private = (item.get("extendedProperties") or {}).get("private") or {}
    value = private.get(MARKER_KEY)
    return value if isinstance(value, str) and value else None


def is_busy(item: dict[str, Any]) -> bool:
    """Whether a (non-own) event blocks time, by Google's own free/busy rules."""
    if item.get("status") == "cancelled":
        return False
    if item.get("transparency") == "transparent":
        return False
    if item.get("eventType") == "workingLocation":
        return False
    for attendee in item.get("attendees") or []:
        if attendee.get("self") and attendee.get("responseStatus") == "declined":
            return False
    return True


def _instant(value: dict[str, Any], zone: ZoneInfo) -> datetime:
    if "dateTime" in value:
        parsed = datetime.fromisoformat(value["dateTime"])
        if parsed.tzinfo is None:  # Google always sends an offset; be safe with the event's zone
            parsed = parsed.replace(tzinfo=ZoneInfo(value.get("timeZone") or zone.key))
        return parsed.astimezone(UTC)
    # all-day: midnight of that day in the staff member's zone (DST-correct through zoneinfo)
    return datetime.combine(date.fromisoformat(value["date"]), time(), zone).astimezone(UTC)


def busy_intervals(item: dict[str, Any], staff_zone: str, window: TimeRange) -> list[BusyInterval]:
    """The busy interval of one listed event (instance) inside ``window``: [] when not busy."""
    if not is_busy(item) or not item.get("start") or not item.get("end"):
        return []
    zone = ZoneInfo(staff_zone)
    start, end = _instant(item["start"], zone), _instant(item["end"], zone)
    if end <= start:
        return []
    interval = BusyInterval(start=start, end=end, all_day="date" in item["start"])
    return [interval] if interval.as_range().overlaps(window) else []


def own_event_times(item: dict[str, Any], staff_zone: str) -> tuple[datetime, datetime] | None:
    """Where one of our booking events is now (moved in Google Calendar?), in UTC; None if unreadable."""
    if item.get("status") == "cancelled" or not item.get("start") or not item.get("end"):
        return None
    zone = ZoneInfo(staff_zone)
    try:
        start, end = _instant(item["start"], zone), _instant(item["end"], zone)
    except (KeyError, ValueError):
        return None
    return (start, end) if end > start else None
