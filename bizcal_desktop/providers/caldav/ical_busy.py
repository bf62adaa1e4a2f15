"""Turn one CalDAV resource (one VCALENDAR text) into the busy intervals it blocks in a window.

Why a pure function of its own: every CalDAV server (and any .ics feed) hands us the same thing —
a VCALENDAR holding a master event, perhaps a recurrence rule, and perhaps overridden instances —
and the questions "is this busy, when exactly, is it ours" must be answered identically whichever
server it came from. Keeping the answer free of I/O lets it be tested on hand-written RFC 5545
text, including the cases users of other tools got burnt by (moved instances, DST, Outlook zones).

Rules applied (RFC 5545 wording in brackets):

* Recurrence ([RRULE], [RDATE], [EXDATE], overrides by [RECURRENCE-ID]) is expanded locally with
  ``recurring-ical-events``, because several servers (Radicale, Google CalDAV, SOGo) return the
  master unexpanded.
* Busy means opaque: [TRANSP] absent or OPAQUE. Transparent ("free") events, [STATUS] CANCELLED
  (whole series or one overridden instance) and invitations the staff member declined (an
  [ATTENDEE] whose address is one of ``self_addresses`` with PARTSTAT=DECLINED) block nothing.
* Our own booking events (UID ``…@bizcal-desktop`` or the ``X-BIZCAL-BOOKING`` property) yield no
  intervals: the booking itself already blocks the time, counting it twice would hide free slots.
* All-day events block whole *local* days of the staff member's zone, so a day with a DST change
  blocks 23 or 25 hours, never a fixed 24.
* Floating times (no zone) are read in the staff member's zone; zones named by TZID are resolved by
  ``icalendar`` (IANA names, a VTIMEZONE in the file, and Windows names as Outlook writes them,
  via its CLDR-derived ``WINDOWS_TO_OLSON`` table). A TZID nothing can resolve is read like a
  floating time, the least-surprising guess for a staff member's own calendar.
* Instances are returned whole (not clipped to the window) when they overlap it; the window is
  half-open, so an instance that ends exactly when the window starts is not returned.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import dateutil.rrule  # type: ignore[import-untyped]
import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, BusyInterval, booking_uid, is_own_uid

log = logging.getLogger(__name__)

#: Most instances one resource may produce in one window. A rule like FREQ=SECONDLY would
#: otherwise expand to millions of instances and stall the import; no real busy calendar comes
#: near this (an hourly series over 90 days is about 2,200).
MAX_INSTANCES = 10_000

#: The expansion is asked for a wider span than the window, then each instance is compared to the
#: window exactly in UTC. The margin covers every zone offset (at most ±14 h) and the way the
#: expansion library compares all-day dates and floating times with aware instants.
_EXPANSION_MARGIN = timedelta(days=2)

#: Most instances a repeat rule may generate from its first instance to the end of the window: an
#: hourly series running for a decade is 90,000. Beyond this the rule is refused, not expanded.
_MAX_RULE_STEPS = 200_000

#: Properties whose breakage makes an event's times unknowable (others, e.g. a broken SUMMARY, are
#: tolerated: the time is what matters for busy blocks).
_TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})

_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"})


class MalformedCalendarData(PermanentError):
    """A calendar resource cannot be read as iCalendar events.

    The message names what is wrong in general terms and never quotes the payload, which may hold
    a private event's title or attendees. ``uid`` is the event's UID when it could be read.
    """

    def __init__(self, problem: str, uid: str | None = None) -> None:
        super().__init__(
            f"A calendar entry could not be read ({problem}); it is ignored for busy times — "
            "fix or re-save it in the calendar app if that time should be blocked."
        )
        self.problem = problem
        self.uid = uid


@dataclass(frozen=True)
class ParsedResource:
    """What one resource contributes.

    ``intervals``: busy instances overlapping the window, sorted, aware UTC.
    ``own_uid``: the booking UID (``<public id>@bizcal-desktop``) when the resource is one of our own
    booking events (then ``intervals`` is empty and the caller records it as ours instead of as a
    busy block).
    ``uid``: the resource's UID (None when it holds no event).
    """

    intervals: list[BusyInterval]
    own_uid: str | None
    uid: str | None


def busy_from_ical(
    ics: str | bytes,
    window: TimeRange,
    zone: zoneinfo.ZoneInfo,
    keep_titles: bool = False,
    self_addresses: frozenset[str] = frozenset(),
) -> ParsedResource:
    """The busy intervals of one VCALENDAR resource that overlap ``window``.

    ``zone`` is the staff member's IANA zone: it gives all-day events their local days and floating
    times their meaning. ``self_addresses`` are the staff member's own e-mail addresses (with or
    without ``mailto:``), used to recognise invitations they declined. SUMMARY is kept only when
    ``keep_titles`` is True (titles of private events are not stored by default).

    Raises :class:`MalformedCalendarData` when the text is not iCalendar, an event has no readable
    start, or a recurrence rule is unusable.
    """
    calendar = _parse(ics)
    events = list(calendar.walk("VEVENT"))
    uid = _first_uid(events)
    for event in events:
        _validate(event)

    own = _own_uid(calendar, events)
    if own is not None:
        return ParsedResource(intervals=[], own_uid=own, uid=uid)

    window_utc = window.to_utc()
    for event in events:
        _check_rule_size(event, window_utc)
    mine = frozenset(_normalise_address(a) for a in self_addresses)
    intervals: list[BusyInterval] = []
    for occurrence in _occurrences(calendar, window_utc, zone, uid):
        if not _blocks_time(occurrence, mine):
            continue
        interval = _interval(occurrence, zone, keep_titles, uid)
        if interval is None:
            continue
        if interval.start < window_utc.end and window_utc.start < interval.end:
            intervals.append(interval)
    intervals.sort(key=lambda i: (i.start, i.end, i.title or ""))
    return ParsedResource(intervals=intervals, own_uid=None, uid=uid)


# ----------------------------------------------------------------------------- parsing and checks


def _parse(ics: str | bytes) -> icalendar.Calendar:
    """Parse the text; any parser failure becomes one clear error without the payload in it."""
    if isinstance(ics, bytes):
        try:
            ics = ics.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCalendarData("the data is not UTF-8 text") from None
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except (ValueError, KeyError, IndexError, TypeError):
        # The library's messages quote the offending line; it may be a private title, so drop it.
        raise MalformedCalendarData("the data is not iCalendar text") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise MalformedCalendarData("the data holds no VCALENDAR")
    return calendar


def _first_uid(events: list[icalendar.Component]) -> str | None:
    for event in events:
        value = event.get("UID")
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _validate(event: icalendar.Component) -> None:
    """Refuse an event whose times cannot be known before the expansion trips over it.

    Done up front because the expansion library reacts unevenly: a missing DTSTART is a bare
    KeyError, an RRULE without FREQ is silently ignored (the series would block only its first
    instance), and INTERVAL=0 makes it loop forever.
    """
    uid = str(event.get("UID")) if event.get("UID") is not None else None
    broken = sorted({str(name).upper() for name, _message in event.errors if str(name).upper() in _TIME_PROPERTIES})
    if broken:
        raise MalformedCalendarData(f"its {', '.join(broken)} cannot be read", uid)
    if "DTSTART" not in event:
        raise MalformedCalendarData("an event has no start time (DTSTART)", uid)
    for rule in _as_list(event.get("RRULE")):
        if not isinstance(rule, icalendar.vRecur):
            raise MalformedCalendarData("its repeat rule (RRULE) cannot be read", uid)
        frequencies = rule.get("FREQ") or []
        if len(frequencies) != 1 or str(frequencies[0]).upper() not in _FREQUENCIES:
            raise MalformedCalendarData("its repeat rule (RRULE) has no valid frequency", uid)
        for interval in rule.get("INTERVAL") or []:
            if not isinstance(interval, int) or interval < 1:
                raise MalformedCalendarData("its repeat rule (RRULE) has an interval below 1", uid)


def _own_uid(calendar: icalendar.Component, events: list[icalendar.Component]) -> str | None:
    """The booking UID if this resource is one of our own booking events, else None.

    The marker carries the booking's public id, so it names the booking even when a calendar
    client rewrote the UID; failing that, a UID of our form names it.
    """
    for component in (*events, calendar):
        marker = str(component.get(OWN_EVENT_MARKER) or "").strip().lower()
        if marker:
            return booking_uid(marker)
    for event in events:
        value = event.get("UID")
        uid = str(value).strip() if value is not None else None
        if is_own_uid(uid):
            return uid
    return None


# ----------------------------------------------------------------------------- expansion


def _occurrences(
    calendar: icalendar.Calendar, window: TimeRange, zone: zoneinfo.ZoneInfo, uid: str | None
) -> list[icalendar.Component]:
    """Instances of every VEVENT near ``window`` (a margin wider); the caller compares exactly.

    The window is handed over in the staff zone so that floating times, which the library compares
    in the zone of the span, are read the way :func:`_to_utc` reads them.
    """
    lo = window.start.astimezone(zone) - _EXPANSION_MARGIN
    hi = window.end.astimezone(zone) + _EXPANSION_MARGIN
    try:
        return recurring_ical_events.of(calendar, components=("VEVENT",)).between(lo, hi)
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        # recurring_ical_events.InvalidCalendar and icalendar's errors are ValueErrors; their
        # messages quote property values, so only the type is logged.
        log.debug("Recurrence expansion failed with %s", type(error).__name__)
        raise MalformedCalendarData("its dates or repeat rule cannot be expanded", uid) from None


def _check_rule_size(event: icalendar.Component, window: TimeRange) -> None:
    """Refuse a repeat rule that would expand to an unreasonable number of instances.

    The expansion library materialises every instance from the series start to the window end
    (``FREQ=SECONDLY`` would be millions, minutes of CPU). Counting with ``dateutil`` first costs
    about 3 µs an instance and stops at the limits. Wall times are compared without zones: the
    error is under a day, well inside the margin, and only the order of magnitude matters here.
    """
    uid = str(event.get("UID")) if event.get("UID") is not None else None
    lo = (window.start - _EXPANSION_MARGIN).replace(tzinfo=None)
    hi = (window.end + _EXPANSION_MARGIN).replace(tzinfo=None)
    start = _wall_time(event.decoded("DTSTART"))
    for rule in _as_list(event.get("RRULE")):
        counts = rule.get("COUNT") or []
        if counts and isinstance(counts[0], int) and counts[0] <= MAX_INSTANCES:
            continue  # bounded by itself
        bounded = icalendar.vRecur({key: value for key, value in rule.items() if key.upper() != "UNTIL"})
        untils = rule.get("UNTIL") or []
        if untils:
            bounded["UNTIL"] = [_wall_time(untils[0])]
        try:
            instances = dateutil.rrule.rrulestr(bounded.to_ical().decode("ascii"), dtstart=start)
        except (ValueError, TypeError, KeyError):
            raise MalformedCalendarData("its repeat rule (RRULE) cannot be read", uid) from None
        in_window = 0
        for step, value in enumerate(instances):
            if value > hi:
                break
            if step >= _MAX_RULE_STEPS:
                raise MalformedCalendarData("it repeats too often to be read", uid)
            if value >= lo:
                in_window += 1
                if in_window > MAX_INSTANCES:
                    raise MalformedCalendarData(
                        f"it repeats more than {MAX_INSTANCES} times in the period being read", uid
                    )


def _blocks_time(occurrence: icalendar.Component, self_addresses: frozenset[str]) -> bool:
    """Whether this one instance makes the staff member busy (opaque, not cancelled, not declined)."""
    if str(occurrence.get("TRANSP", "OPAQUE")).strip().upper() == "TRANSPARENT":
        return False
    if str(occurrence.get("STATUS", "")).strip().upper() == "CANCELLED":
        return False
    if self_addresses:
        for attendee in _as_list(occurrence.get("ATTENDEE")):
            if _normalise_address(str(attendee)) not in self_addresses:
                continue
            partstat = getattr(attendee, "params", {}).get("PARTSTAT", "")
            if str(partstat).strip().upper() == "DECLINED":
                return False
    return True


def _interval(
    occurrence: icalendar.Component, zone: zoneinfo.ZoneInfo, keep_titles: bool, uid: str | None
) -> BusyInterval | None:
    """The instance as a UTC interval; None when it has no length (DTEND absent on a timed event)."""
    raw_start = occurrence.decoded("DTSTART")
    if "DTEND" in occurrence:
        raw_end = occurrence.decoded("DTEND")
    elif "DURATION" in occurrence:
        raw_end = raw_start + occurrence.decoded("DURATION")
    else:
        raw_end = raw_start if isinstance(raw_start, datetime) else raw_start + timedelta(days=1)
    all_day = _is_date(raw_start)
    start, end = _to_utc(raw_start, zone), _to_utc(raw_end, zone)
    if end < start:
        # RFC 5545 forbids it; some writers swap the two. Blocking the span is the safer reading.
        start, end = end, start
    if end == start:
        return None
    title = None
    if keep_titles and occurrence.get("SUMMARY") is not None:
        title = str(occurrence.get("SUMMARY"))
    return BusyInterval(start=start, end=end, all_day=all_day, title=title)


# ----------------------------------------------------------------------------- small helpers


def _is_date(value: date | datetime) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _wall_time(value: date | datetime) -> datetime:
    """The local wall-clock reading of a DATE or DATE-TIME, without its zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time(0))


def _to_utc(value: date | datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """An iCalendar DATE or DATE-TIME as an aware UTC instant.

    A DATE means local midnight of that day in ``zone`` (so consecutive dates are 23/24/25 hours
    apart across DST); a naive DATE-TIME (floating, or an unresolvable TZID) is read in ``zone``.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
    raise MalformedCalendarData("a date or time has an unexpected type")


def _as_list(value: object) -> list:
    """A property that may occur once (a value) or several times (a list) as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _normalise_address(address: str) -> str:
    address = address.strip().lower()
    return address.removeprefix("mailto:")


__all__ = ["MAX_INSTANCES", "MalformedCalendarData", "ParsedResource", "busy_from_ical"]
