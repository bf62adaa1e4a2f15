"""A lean reading of the common calendar resources: one event, once or recurring, perhaps with overrides.

Why: parsing with ``icalendar`` and expanding with ``recurring-ical-events`` costs about a millisecond
a resource (several for a long-running series), most of an import of a large calendar, and most
resources of real calendars are of a few plain shapes. Here the text is read line by line for the few
properties busy time needs (UID, DTSTART, DTEND or DURATION, TRANSP, STATUS, SUMMARY, RRULE, RDATE,
EXDATE, RECURRENCE-ID, our marker) and nothing else is built. A series - DAILY, WEEKLY, MONTHLY or
YEARLY, endless or with a COUNT or UNTIL, weekdays, ordinals like ``2TU``, days of the month, EXDATEs
of any form, RDATEs (dates or times of DTSTART's kind, with or without a rule), timed or all-day - is
expanded by :mod:`.ical_lean_series` only up to the import window, in the event's own wall time,
exactly as the expansion library does (DST included); each instance then lasts the master's exact
length (RFC 5545 3.8.5.3, :mod:`.ical_length`, as the full path reads it). Overrides (VEVENTs with a
RECURRENCE-ID of the same UID) replace the instance they name, and block (or free) time of their own.

A zone is named by its IANA name or, as Outlook writes it, by a Windows name (its CLDR zone, as the
full path reads it: :mod:`.ical_zones`). Whatever it is not sure of, it leaves to the full path
(``icalendar`` and ``recurring-ical-events`` in :mod:`.ical_busy`) by answering None: an RDATE PERIOD
or one of another kind than DTSTART, another rule part, a RANGE override or one an EXDATE names, two
masters, a VTIMEZONE left in the text (a zone nothing but it defines), a quoted or escaped value, an
attendee when declines matter, a DTEND before its DTSTART, a date or duration of an unusual form. So
both paths give the same answer - checked on generated resources in
``tests/providers/test_ical_busy_lean.py`` and ``tests/providers/test_ical_lean_series.py``, by hand
in ``tests/providers/test_ical_lean_rdate.py``.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, BusyInterval, booking_uid, is_own_uid
from bizcal_desktop.providers.caldav.ical_checks import to_utc
from bizcal_desktop.providers.caldav.ical_lean_series import NotLean, recurrence_ids, series_starts
from bizcal_desktop.providers.caldav.ical_length import (
    InstanceLength,
    instance_span,
    length_of,
    written_length,
)
from bizcal_desktop.providers.caldav.ical_zones import database_zone

#: (intervals, own booking UID or None, the resource's UID or None), as :class:`.ical_busy.ParsedResource` holds them.
LeanResult = tuple[list[BusyInterval], str | None, str | None]
#: One VEVENT's properties by name: each occurrence as (parameters, raw value).
Properties = dict[str, list[tuple[dict[str, str], str]]]

_UNFOLD = re.compile(r"\r?\n[ \t]")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$")
_DURATION = re.compile(r"^\+?P(?:(\d+)W|(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$")
_RECURRING = frozenset({"RRULE", "RDATE"})
_EVENT_PROPERTIES = frozenset({"UID", "DTSTART", "DTEND", "DURATION", "TRANSP", "STATUS", "SUMMARY", "ATTENDEE",
                               OWN_EVENT_MARKER, "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})


class _NotPlain(Exception):
    """The resource is not of a shape this module reads: the full path answers."""


def lean_busy(text: str, window: TimeRange, zone: zoneinfo.ZoneInfo, keep_titles: bool,
              self_addresses: frozenset[str]) -> LeanResult | None:
    """The busy intervals of a plain resource overlapping ``window`` (UTC); None when it is not plain."""
    if "BEGIN:VTIMEZONE" in text:
        return None
    try:
        calendar_marker, events = _read(text)
        return _result(calendar_marker, events, window, zone, keep_titles, self_addresses)
    except (_NotPlain, NotLean, ValueError, OverflowError):
        return None


def _read(text: str) -> tuple[str | None, list[Properties]]:
    """(the calendar's own marker, each event's properties by name); raises _NotPlain for any other shape."""
    lines = [line.rstrip("\r") for line in _UNFOLD.sub("", text).split("\n")]
    lines = [line for line in lines if line]
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR" or lines[-1].upper() != "END:VCALENDAR":
        raise _NotPlain
    events: list[Properties] = []
    calendar_marker = None
    nesting: list[str] = []
    for line in lines[1:-1]:
        name, params, value = _property(line)
        if name in ("BEGIN", "END"):
            nesting = _nest(nesting, name, value.upper())
            if nesting == ["VEVENT"] and name == "BEGIN":
                events.append({})
        elif nesting == ["VEVENT"] and name in _EVENT_PROPERTIES:
            events[-1].setdefault(name, []).append((params, value))
        elif not nesting and name == OWN_EVENT_MARKER:
            calendar_marker = value
    if nesting or not events or not all(events):
        raise _NotPlain
    return calendar_marker, events


def _result(calendar_marker: str | None, events: list[Properties], window: TimeRange, zone: zoneinfo.ZoneInfo,
            keep_titles: bool, self_addresses: frozenset[str]) -> LeanResult:
    uids = {(_text(event, "UID") or "").strip() or None for event in events}
    uid = next(iter(uids))
    if len(uids) != 1:
        raise _NotPlain  # several series in one resource: the full path groups them
    for marker in (*(_text(event, OWN_EVENT_MARKER) for event in events), calendar_marker):
        if marker is not None and "\\" in marker:
            raise _NotPlain
        if marker and marker.strip():
            return [], booking_uid(marker.strip().lower()), uid
    if is_own_uid(uid):
        return [], uid, uid
    if self_addresses and any("ATTENDEE" in event for event in events):
        raise _NotPlain  # a decline of the staff member's: the full path reads the participation
    masters = [event for event in events if "RECURRENCE-ID" not in event]
    overrides = [event for event in events if "RECURRENCE-ID" in event]
    if len(masters) != 1 or (overrides and not _RECURRING.intersection(masters[0])):
        raise _NotPlain
    return _series_intervals(masters[0], overrides, window, zone, keep_titles), None, uid


def _series_intervals(master: Properties, overrides: list[Properties], window: TimeRange, zone: zoneinfo.ZoneInfo,
                      keep_titles: bool) -> list[BusyInterval]:
    """The master's instances not replaced by an override (nor excluded), and the overrides, that block time."""
    raw_start, length = _span(master, zone)
    replaced: set[datetime] = set()
    exdates = [moment for params, values in master.get("EXDATE", []) for moment in _moments(params, values)]
    rdates = [moment for params, values in master.get("RDATE", []) for moment in _moments(params, values)]
    exdate_ids = {identity for moment in exdates for identity in recurrence_ids(moment)}
    for override in overrides:
        if "RRULE" in override or "RDATE" in override or "EXDATE" in override:
            raise _NotPlain
        ids = set(recurrence_ids(_when(_only_required(override, "RECURRENCE-ID"))))
        if not ids.isdisjoint(replaced) or not ids.isdisjoint(exdate_ids):
            raise _NotPlain  # two overrides of one instance, or an excluded one: the library's sequence rules
        replaced |= ids
    rule = _only(master, "RRULE")
    if (rule is not None or rdates) and isinstance(raw_start, datetime) and "DTEND" in master and \
            raw_start.tzinfo is not getattr(_when(_only_required(master, "DTEND")), "tzinfo", None):
        raise _NotPlain  # an end in another zone (rare): left to the full path
    if rule is None and not rdates:
        if exdates:
            raise _NotPlain
        starts: list[date | datetime] = [raw_start]
    else:
        if rule is not None and rule[0]:
            raise _NotPlain
        lo, hi = _expansion_bounds(window, zone, raw_start, length.at_most)
        kept = [first for first in series_starts(rule[1] if rule is not None else None, raw_start, exdates, rdates,
                                                 lo, hi)
                if replaced.isdisjoint(recurrence_ids(first))]
        starts = kept if isinstance(raw_start, datetime) else [date(first.year, first.month, first.day)
                                                               for first in kept]
    intervals = _intervals(master, starts, length, window, zone, keep_titles)
    for override in overrides:
        override_start, override_length = _span(override, zone)
        intervals += _intervals(override, [override_start], override_length, window, zone, keep_titles)
    intervals.sort(key=lambda i: (i.start, i.end, i.title or ""))
    return intervals


def _expansion_bounds(window: TimeRange, zone: zoneinfo.ZoneInfo, start: date | datetime,
                      length: timedelta) -> tuple[datetime, datetime]:
    """The window widened by an instance's length and a day or two, in DTSTART's kind (aware, or wall time)."""
    margin = max(length, timedelta(0)) + timedelta(days=2)
    if isinstance(start, datetime) and start.tzinfo is not None:
        return window.start - margin, window.end + timedelta(days=2)
    lo, hi = window.start.astimezone(zone).replace(tzinfo=None), window.end.astimezone(zone).replace(tzinfo=None)
    return lo - margin, hi + timedelta(days=2)


def _intervals(event: Properties, starts: list[date | datetime], length: InstanceLength, window: TimeRange,
               zone: zoneinfo.ZoneInfo, keep_titles: bool) -> list[BusyInterval]:
    """The instances of one component that block time (it is opaque, not cancelled) and overlap the window."""
    if (_text(event, "TRANSP") or "").strip().upper() == "TRANSPARENT" or \
            (_text(event, "STATUS") or "").strip().upper() == "CANCELLED":
        return []
    title = _text(event, "SUMMARY") if keep_titles else None
    intervals = []
    for raw_first in starts:
        start, end = instance_span(raw_first, length, zone)
        if start < end and start < window.end and window.start < end:
            intervals.append(BusyInterval(start=start, end=end, all_day=not isinstance(raw_first, datetime),
                                          title=title))
    return intervals


def _span(event: Properties, zone: zoneinfo.ZoneInfo) -> tuple[date | datetime, InstanceLength]:
    """One component's own start and the length of its instances: from DTEND, DURATION, or the RFC's default."""
    start_prop, end_prop, length = _only(event, "DTSTART"), _only(event, "DTEND"), _only(event, "DURATION")
    if start_prop is None or (end_prop is not None and length is not None):
        raise _NotPlain
    raw_start = _when(start_prop)
    raw_end = None
    if end_prop is not None:
        raw_end = _when(end_prop)
        if type(raw_end) is not type(raw_start) or to_utc(raw_end, zone) < to_utc(raw_start, zone):
            raise _NotPlain  # mixed kinds, or a DTEND before DTSTART: the full path applies its rule
    return raw_start, length_of(raw_start, raw_end, _duration(length) if length is not None else None, zone)


def _moments(params: dict[str, str], values: str) -> list[date | datetime]:
    """The dates or times of an EXDATE or RDATE line (comma-separated, one kind and zone for all; no PERIOD)."""
    return [_when((params, value)) for value in values.split(",")]


def _only_required(event: Properties, name: str) -> tuple[dict[str, str], str]:
    found = _only(event, name)
    if found is None:
        raise _NotPlain
    return found


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
    """DTSTART/DTEND: a DATE, a floating or UTC DATE-TIME, or one in a zone the database knows (by its IANA
    name, or a Windows name through the same table as ``icalendar``'s: :mod:`.ical_zones`)."""
    params, value = dict(prop[0]), prop[1]
    kind = params.pop("VALUE", "").upper()
    tzid = params.pop("TZID", None)
    if params:
        raise _NotPlain
    day = _DATE.match(value)
    if day and kind in ("", "DATE") and tzid is None:
        return date(int(day[1]), int(day[2]), int(day[3]))
    moment = _DATE_TIME.match(value)
    zone_name = database_zone(tzid) if tzid is not None else None
    if not moment or kind not in ("", "DATE-TIME") or (tzid is not None and (moment[7] or zone_name is None)):
        raise _NotPlain
    parts = [int(moment[i]) for i in range(1, 7)]
    tz = UTC if moment[7] else (zoneinfo.ZoneInfo(zone_name) if zone_name is not None else None)
    return datetime(*parts, tzinfo=tz)


def _duration(prop: tuple[dict[str, str], str]) -> InstanceLength:
    """A DURATION as written (``PT30H``: 30 exact hours; ``P1DT6H``: a calendar day and 6 hours); plain forms only."""
    length = written_length(prop[1]) if _DURATION.match(prop[1]) and not prop[0] else None
    if length is None:
        raise _NotPlain
    return length
