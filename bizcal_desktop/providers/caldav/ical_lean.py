"""A lean reading of the plainest calendar resources: one VEVENT in a zone the database knows, once or weekly.

Why: parsing with ``icalendar`` costs about half a millisecond a resource, most of an import of a
large calendar, and most resources of a real calendar are exactly this plain shape. Here the text is
read line by line for the few properties busy time needs (UID, DTSTART, DTEND or DURATION, TRANSP,
STATUS, SUMMARY, our marker) and nothing else is built. A simple series - ``FREQ=DAILY`` or
``WEEKLY`` with an ``INTERVAL`` and a ``COUNT`` at most :data:`.ical_checks.MAX_INSTANCES`, timed,
perhaps with EXDATEs - is expanded with ``dateutil`` in the event's own wall time, as the expansion
library does.

Whatever it is not sure of, it leaves to the full path (``icalendar`` and ``recurring-ical-events`` in
:mod:`.ical_busy`) by answering None: any other recurrence or an override, a second component, a VTIMEZONE left in the
text (a zone the database does not know), a quoted or escaped value, an attendee when declines
matter, a DTEND before its DTSTART, a date or duration of an unusual form. So both paths give the
same answer - checked on generated resources in ``tests/providers/test_ical_busy_lean.py``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import cache

from dateutil import rrule

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, BusyInterval, booking_uid, is_own_uid
from bizcal_desktop.providers.caldav.ical_checks import MAX_INSTANCES, to_utc

#: (intervals, own booking UID or None, the resource's UID or None), as :class:`.ical_busy.ParsedResource` holds them.
LeanResult = tuple[list[BusyInterval], str | None, str | None]

_UNFOLD = re.compile(r"\r?\n[ \t]")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
_DURATION = re.compile(r"^\+?P(?:(\d+)W|(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$")
_OVERRIDES = ("RDATE", "RECURRENCE-ID")
_EVENT_PROPERTIES = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "TRANSP", "STATUS", "SUMMARY", "ATTENDEE",
                               OWN_EVENT_MARKER, "RRULE", "EXDATE"})
_FREQUENCIES = {"DAILY": rrule.DAILY, "WEEKLY": rrule.WEEKLY}


class _NotPlain(Exception):
    """The resource is not of the plain shape this module reads: the full path answers."""


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def lean_busy(text: str, window: TimeRange, zone: zoneinfo.ZoneInfo, keep_titles: bool,
              self_addresses: frozenset[str]) -> LeanResult | None:
    """The busy intervals of a plain resource overlapping ``window`` (UTC); None when it is not plain."""
    if any(word in text for word in _OVERRIDES) or "BEGIN:VTIMEZONE" in text or text.count("BEGIN:VEVENT") != 1:
        return None
    try:
        calendar_marker, event = _read(text)
        return _result(calendar_marker, event, window, zone, keep_titles, self_addresses)
    except (_NotPlain, ValueError, OverflowError):
        return None


def _read(text: str) -> tuple[str | None, dict[str, list[tuple[dict[str, str], str]]]]:
    """(the calendar's own marker, the event's properties by name); raises _NotPlain for any other shape."""
    lines = [line.rstrip("\r") for line in _UNFOLD.sub("", text).split("\n")]
    lines = [line for line in lines if line]
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR" or lines[-1].upper() != "END:VCALENDAR":
        raise _NotPlain
    event: dict[str, list[tuple[dict[str, str], str]]] = {}
    calendar_marker = None
    nesting: list[str] = []
    for line in lines[1:-1]:
        name, params, value = _property(line)
        if name in ("BEGIN", "END"):
            nesting = _nest(nesting, name, value.upper())
        elif nesting == ["VEVENT"] and name in _EVENT_PROPERTIES:
            event.setdefault(name, []).append((params, value))
        elif not nesting and name == OWN_EVENT_MARKER:
            calendar_marker = value
    if nesting or not event:
        raise _NotPlain
    return calendar_marker, event


def _nest(nesting: list[str], action: str, component: str) -> list[str]:
    if action == "BEGIN":
        if (not nesting and component == "VEVENT") or (nesting == ["VEVENT"] and component == "VALARM"):
            return [*nesting, component]
        raise _NotPlain  # another component (a to-do, a time zone…) is the full path's to read
    if not nesting or nesting[-1] != component:
        raise _NotPlain
    return nesting[:-1]


def _property(line: str) -> tuple[str, dict[str, str], str]:
    colon = line.find(":")
    if colon <= 0 or '"' in line[:colon]:
        raise _NotPlain
    name, *raw_params = line[:colon].split(";")
    params = {}
    for raw in raw_params:
        key, equals, param = raw.partition("=")
        if not equals:
            raise _NotPlain
        params[key.upper()] = param
    return name.upper(), params, line[colon + 1:]


def _only(event: dict[str, list[tuple[dict[str, str], str]]], name: str) -> tuple[dict[str, str], str] | None:
    found = event.get(name, [])
    if len(found) > 1:
        raise _NotPlain
    return found[0] if found else None


def _text(event: dict[str, list[tuple[dict[str, str], str]]], name: str) -> str | None:
    """A text property's value; escaped text (a backslash) is the full path's to unescape."""
    found = _only(event, name)
    if found is None:
        return None
    if "\\" in found[1]:
        raise _NotPlain
    return found[1]


def _when(prop: tuple[dict[str, str], str]) -> date | datetime:
    """DTSTART/DTEND: a DATE, a floating or UTC DATE-TIME, or one in a zone the database knows."""
    params, value = prop
    kind = params.pop("VALUE", "").upper()
    tzid = params.pop("TZID", None)
    if params:
        raise _NotPlain
    day = _DATE.match(value)
    if day and kind in ("", "DATE") and tzid is None:
        return date(int(day[1]), int(day[2]), int(day[3]))
    moment = _DATE_TIME.match(value)
    if not moment or kind not in ("", "DATE-TIME") or (tzid is not None and (moment[7] or tzid not in _zone_names())):
        raise _NotPlain
    parts = [int(moment[i]) for i in range(1, 7)]
    tz = UTC if moment[7] else (zoneinfo.ZoneInfo(tzid) if tzid is not None else None)
    return datetime(*parts, tzinfo=tz)


def _duration(prop: tuple[dict[str, str], str]) -> timedelta:
    match = _DURATION.match(prop[1])
    if prop[0] or not match:
        raise _NotPlain
    weeks, days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _result(calendar_marker: str | None, event: dict[str, list[tuple[dict[str, str], str]]], window: TimeRange,
            zone: zoneinfo.ZoneInfo, keep_titles: bool, self_addresses: frozenset[str]) -> LeanResult:
    uid = (_text(event, "UID") or "").strip() or None
    for marker in (_text(event, OWN_EVENT_MARKER), calendar_marker):
        if marker is not None and "\\" in marker:
            raise _NotPlain
        if marker and marker.strip():
            return [], booking_uid(marker.strip().lower()), uid
    if is_own_uid(uid):
        return [], uid, uid
    if self_addresses and "ATTENDEE" in event:
        raise _NotPlain  # a decline of the staff member's: the full path reads the participation
    start_prop, end_prop, length = _only(event, "DTSTART"), _only(event, "DTEND"), _only(event, "DURATION")
    if start_prop is None or (end_prop is not None and length is not None):
        raise _NotPlain
    raw_start = _when(start_prop)
    if end_prop is not None:
        raw_end = _when(end_prop)
        if type(raw_end) is not type(raw_start) or to_utc(raw_end, zone) < to_utc(raw_start, zone):
            raise _NotPlain  # mixed kinds, or a DTEND before DTSTART: the full path applies its rule
    elif length is not None:
        raw_end = raw_start + _duration(length)
    else:
        raw_end = raw_start if isinstance(raw_start, datetime) else raw_start + timedelta(days=1)
    if (_text(event, "TRANSP") or "").strip().upper() == "TRANSPARENT" or \
            (_text(event, "STATUS") or "").strip().upper() == "CANCELLED":
        return [], None, uid
    title = _text(event, "SUMMARY") if keep_titles else None
    all_day = not isinstance(raw_start, datetime)
    rule = _only(event, "RRULE")
    if rule is None:
        if "EXDATE" in event:
            raise _NotPlain
        spans = [(raw_start, raw_end)]
    else:
        spans = [(first, first + (raw_end - raw_start)) for first in _series(rule, raw_start, raw_end, event)]
    intervals = []
    for raw_first, raw_last in spans:
        start, end = to_utc(raw_first, zone), to_utc(raw_last, zone)
        if start < end and start < window.end and window.start < end:
            intervals.append(BusyInterval(start=start, end=end, all_day=all_day, title=title))
    intervals.sort(key=lambda i: (i.start, i.end, i.title or ""))
    return intervals, None, uid


def _series(rule_prop: tuple[dict[str, str], str], start: date | datetime, end: date | datetime,
            event: dict[str, list[tuple[dict[str, str], str]]]) -> list[datetime]:
    """The starts of a simple timed series (DAILY/WEEKLY, INTERVAL, COUNT), its EXDATEs left out."""
    params, value = rule_prop
    parts = dict(part.split("=", 1) for part in value.upper().split(";") if "=" in part)
    if params or len(parts) != value.count(";") + 1 or set(parts) - {"FREQ", "INTERVAL", "COUNT"}:
        raise _NotPlain
    if not isinstance(start, datetime) or getattr(start, "tzinfo", None) is not getattr(end, "tzinfo", None):
        raise _NotPlain
    frequency = _FREQUENCIES.get(parts.get("FREQ", ""))
    count, interval = parts.get("COUNT", ""), parts.get("INTERVAL", "1")
    if frequency is None or not count.isdigit() or not interval.isdigit():
        raise _NotPlain
    if not 1 <= int(count) <= MAX_INSTANCES or int(interval) < 1:
        raise _NotPlain
    excluded = set()
    for exdate_params, values in event.get("EXDATE", []):
        for text in values.split(","):
            gone = _when((dict(exdate_params), text))
            if not isinstance(gone, datetime) or gone.tzinfo is not start.tzinfo:
                raise _NotPlain
            excluded.add(gone)
    starts = rrule.rrule(frequency, dtstart=start, interval=int(interval), count=int(count))
    return [first for first in starts if first not in excluded]
