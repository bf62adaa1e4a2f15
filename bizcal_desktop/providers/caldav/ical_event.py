"""Build a booking's iCalendar event, and read back the few fields that say whether one matches.

Built with the ``icalendar`` library, never by string concatenation, so escaping of commas,
semicolons and newlines in customer names and notes is always right. Times are written in the
staff member's IANA zone (``DTSTART;TZID=Europe/Berlin:...``) with a matching VTIMEZONE, because
calendar apps show and move events in that zone; the instant stays the one stored in UTC. The one
exception is the repeated hour of a fall-back night: ``TZID=Europe/Berlin:20271031T023000`` names
two instants and every reader takes the first, so an event with a start or end in that hour is
written in UTC (``20271031T013000Z``), which no reader can misplace.

Reading an event back, a DURATION follows the busy reading's rule (:mod:`.ical_length`, RFC 5545
3.3.6): its days are calendar days, its hours exact as written - so ``P1D`` from 10:00 on a
spring-forward day ends at 10:00 the next day, 23 hours later, as every calendar app shows it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from bizcal_desktop.domain.local_time import is_repeated_wall_time
from bizcal_desktop.domain.time_range import ensure_aware_utc
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, EventSpec
from bizcal_desktop.providers.caldav.ical_length import duration_length, instance_span, written_durations
from bizcal_desktop.providers.caldav.ical_zones import without_known_zones

PRODID = "-//BizCal Desktop//Booking Sync//EN"

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "Etc/UCT", "UCT", "GMT", "Etc/GMT"})


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is a permanent error (retrying cannot fix it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PermanentError(
            f"The time zone {name!r} is not a known IANA zone; set the staff member's time zone "
            "(for example Europe/Berlin) and sync again."
        ) from exc


@lru_cache(maxsize=64)
def _vtimezone(zone_name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for ``zone_name`` covering the given years (cached: building one costs ms)."""
    return icalendar.Timezone.from_tzinfo(
        ZoneInfo(zone_name), tzid=zone_name, first_date=date(first_year, 1, 1),
        last_date=date(last_year, 1, 1),
    )


def written_in_zone(spec: EventSpec) -> bool:
    """Whether the event's times can be written in the staff zone: neither falls in a repeated hour."""
    zone = load_zone(spec.timezone)
    return spec.timezone not in _UTC_NAMES and not any(
        is_repeated_wall_time(ensure_aware_utc(t), zone) for t in (spec.start, spec.end)
    )


def build_event(spec: EventSpec, now: datetime | None = None) -> icalendar.Event:
    """The VEVENT of a booking: our UID, marker, times in the staff zone, always opaque/confirmed."""
    zone = load_zone(spec.timezone)
    start = ensure_aware_utc(spec.start)
    end = ensure_aware_utc(spec.end)
    if end <= start:
        raise PermanentError(
            f"The booking {spec.booking_public_id} ends before it starts; fix its times and sync again."
        )
    stamp = ensure_aware_utc(now) if now is not None else datetime.now(UTC)
    written_zone = zone if written_in_zone(spec) else UTC
    event = icalendar.Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", stamp.replace(microsecond=0))
    event.add("dtstart", start.astimezone(written_zone))
    event.add("dtend", end.astimezone(written_zone))
    event.add("summary", spec.summary)
    if spec.description:
        event.add("description", spec.description)
    if spec.location:
        event.add("location", spec.location)
    event.add("sequence", spec.sequence)
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    event.add(OWN_EVENT_MARKER, spec.booking_public_id)
    return event


def build_calendar(spec: EventSpec, now: datetime | None = None) -> icalendar.Calendar:
    """The VCALENDAR resource for a booking: one VEVENT plus the VTIMEZONE its TZID names."""
    event = build_event(spec, now)  # validates the zone and the times first
    calendar = _calendar_shell()
    if written_in_zone(spec):
        start, end = ensure_aware_utc(spec.start), ensure_aware_utc(spec.end)
        # a copy: the cached component must never end up shared between two calendars
        calendar.add_component(copy.deepcopy(_vtimezone(spec.timezone, start.year - 1, end.year + 2)))
    calendar.add_component(event)
    return calendar


def _calendar_shell() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


@lru_cache(maxsize=64)
def _vtimezone_text(zone_name: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE as icalendar writes it, cached: serialising it costs more than the whole event."""
    return _vtimezone(zone_name, first_year, last_year).to_ical()


_SHELL = _calendar_shell().to_ical()
_END = b"END:VCALENDAR\r\n"


def build_ics(spec: EventSpec, now: datetime | None = None) -> str:
    """The iCalendar text of a booking's event, ready to PUT; byte for byte :func:`build_calendar`'s.

    Every part is written by ``icalendar`` (so escaping and folding are its own); only the finished
    parts are put together: the calendar's properties, the cached VTIMEZONE, the VEVENT.
    """
    event = build_event(spec, now).to_ical()
    zone = b""
    if written_in_zone(spec):
        start, end = ensure_aware_utc(spec.start), ensure_aware_utc(spec.end)
        zone = _vtimezone_text(spec.timezone, start.year - 1, end.year + 2)
    return (_SHELL[: -len(_END)] + zone + event + _END).decode("utf-8")


@dataclass(frozen=True)
class EventSummary:
    """The fields of an event that decide whether it already says what a booking says."""

    uid: str | None
    start: datetime | None  #: UTC
    end: datetime | None  #: UTC
    summary: str | None
    sequence: int
    description: str | None = None
    location: str | None = None
    marker: str | None = None  #: value of X-BIZCAL-BOOKING, when present

    def matches(self, spec: EventSpec) -> bool:
        """True when writing ``spec`` again would change nothing a user can see."""
        return (
            self.uid == spec.uid
            and self.start == ensure_aware_utc(spec.start)
            and self.end == ensure_aware_utc(spec.end)
            and (self.summary or "") == spec.summary
            and (self.description or "") == (spec.description or "")
            and (self.location or "") == (spec.location or "")
            and self.sequence == spec.sequence
            and self.marker == spec.booking_public_id
        )


def _to_utc(value: date | datetime | None, zone: ZoneInfo) -> datetime | None:
    """An iCalendar DATE / floating / zoned value as a UTC instant (floating read in ``zone``)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _text(event: icalendar.Event, name: str) -> str | None:
    value = event.get(name)
    return None if value is None else str(value)


def _written_duration(ics: str | bytes, index: int, event_count: int) -> str | None:
    """The DURATION of the ``index``-th VEVENT as its text has it (None: not found for certain)."""
    text = ics.decode("utf-8", errors="replace") if isinstance(ics, bytes) else ics
    durations = written_durations(text)
    return durations[index] if len(durations) == event_count else None


def _end_after(start: date | datetime, duration: object, written: str | None, zone: ZoneInfo) -> datetime | None:
    """The end (UTC) of an event lasting ``duration`` from ``start``: days on the calendar, the rest exact."""
    if not isinstance(duration, timedelta):
        return _to_utc(start, zone)
    return instance_span(start, duration_length(duration, written), zone)[1]


def read_event_summary(ics: str | bytes, zone: ZoneInfo | None = None) -> EventSummary:
    """Read (uid, start, end, summary, sequence, ...) of the master VEVENT in ``ics``.

    Raises PermanentError when the text is not iCalendar or holds no VEVENT.
    """
    tz = zone or ZoneInfo("UTC")
    if isinstance(ics, str):  # zones the database answers for, read as the busy reading reads them (.ical_zones)
        ics = without_known_zones(ics)
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except (ValueError, IndexError, KeyError) as exc:
        raise PermanentError("The calendar server returned an event that is not valid iCalendar.") from exc
    all_events = list(calendar.walk("VEVENT"))
    masters = [index for index, e in enumerate(all_events) if e.get("RECURRENCE-ID") is None]
    if not masters:
        raise PermanentError("The calendar server returned a resource without an event in it.")
    event = all_events[masters[0]]
    start_prop = event.get("DTSTART")
    start = _to_utc(start_prop.dt if start_prop is not None else None, tz)
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end = _to_utc(end_prop.dt, tz)
    elif event.get("DURATION") is not None and start_prop is not None:
        end = _end_after(start_prop.dt, event["DURATION"].dt, _written_duration(ics, masters[0], len(all_events)), tz)
    else:
        end = start
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    return EventSummary(
        uid=_text(event, "UID"),
        start=start,
        end=end,
        summary=_text(event, "SUMMARY"),
        sequence=sequence,
        description=_text(event, "DESCRIPTION"),
        location=_text(event, "LOCATION"),
        marker=_text(event, OWN_EVENT_MARKER),
    )
