"""The checks an iCalendar event must pass before its recurrence is expanded, and the notes on
times RFC 5545 forbids.

Why apart from :mod:`~bizcal_desktop.providers.caldav.ical_busy`: the expansion library reacts
unevenly to broken input (a missing DTSTART is a bare KeyError, an RRULE without FREQ is ignored,
``INTERVAL=0`` loops forever, ``FREQ=SECONDLY`` materialises millions of instances), so every
refusal is decided here, up front, as one :class:`MalformedCalendarData` whose ``problem`` reads
as a sentence about the event and never quotes its text. The caller decides what a refusal means
for busy time (the event's spans as written, reported as skipped).
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import dateutil.rrule  # type: ignore[import-untyped]
import icalendar

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import SkippedEvent

log = logging.getLogger(__name__)

#: Most instances one resource may produce in one window. A rule like FREQ=SECONDLY would
#: otherwise expand to millions of instances and stall the import; no real busy calendar comes
#: near this (an hourly series over 90 days is about 2,200).
MAX_INSTANCES = 10_000

#: The expansion is asked for a wider span than the window, then each instance is compared to the
#: window exactly in UTC. The margin covers every zone offset (at most ±14 h) and the way the
#: expansion library compares all-day dates and floating times with aware instants.
EXPANSION_MARGIN = timedelta(days=2)

#: Most instances a repeat rule may generate from its first instance to the end of the window: an
#: hourly series running for a decade is 90,000. Beyond this the rule is refused, not expanded.
_MAX_RULE_STEPS = 200_000

#: Properties whose breakage makes an event's times unknowable (others, e.g. a broken SUMMARY, are
#: tolerated: the time is what matters for busy blocks).
_TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})

_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"})

#: How long an event whose DTEND lies before its DTSTART is taken to last (all-day events: a day);
#: the log line in :func:`fix_odd_times` says "one hour".
ASSUMED_LENGTH = timedelta(hours=1)


class MalformedCalendarData(PermanentError):
    """A calendar resource cannot be read as iCalendar events.

    The message names what is wrong in general terms and never quotes the payload, which may hold
    a private event's title or attendees. ``problem`` completes a sentence about the entry ("has
    no start time (DTSTART)"); ``uid`` is the event's UID when it could be read.
    """

    def __init__(self, problem: str, uid: str | None = None) -> None:
        super().__init__(
            f"A calendar entry could not be read (it {problem}); it is ignored for busy times — "
            "fix or re-save it in the calendar app if that time should be blocked."
        )
        self.problem = problem
        self.uid = uid

    def as_skipped(self) -> SkippedEvent:
        """The entry for the sync log when nothing of the resource could be read."""
        return SkippedEvent(problem=f"{self.problem}; it blocks no time")


def validate_event(event: icalendar.Component) -> None:
    """Refuse an event whose times cannot be known before the expansion trips over it.

    Done up front because the expansion library reacts unevenly: a missing DTSTART is a bare
    KeyError, an RRULE without FREQ is silently ignored (the series would block only its first
    instance), and INTERVAL=0 makes it loop forever.
    """
    uid = str(event.get("UID")) if event.get("UID") is not None else None
    broken = sorted({str(name).upper() for name, _message in event.errors if str(name).upper() in _TIME_PROPERTIES})
    if broken:
        raise MalformedCalendarData(f"has a date, time or recurrence BizCal cannot read ({', '.join(broken)})", uid)
    if "DTSTART" not in event:
        raise MalformedCalendarData("has no start time (DTSTART)", uid)
    for rule in as_list(event.get("RRULE")):
        if not isinstance(rule, icalendar.vRecur):
            raise MalformedCalendarData("has a recurrence rule BizCal cannot read (RRULE)", uid)
        frequencies = rule.get("FREQ") or []
        if len(frequencies) != 1 or str(frequencies[0]).upper() not in _FREQUENCIES:
            raise MalformedCalendarData("has a recurrence rule BizCal cannot read (no valid FREQ)", uid)
        for interval in rule.get("INTERVAL") or []:
            if not isinstance(interval, int) or interval < 1:
                shown = interval if isinstance(interval, int) else "?"
                raise MalformedCalendarData(f"has a recurrence rule BizCal cannot expand (INTERVAL={shown})", uid)


def check_rule_size(event: icalendar.Component, window: TimeRange) -> None:
    """Refuse a repeat rule that would expand to an unreasonable number of instances.

    The expansion library materialises every instance from the series start to the window end
    (``FREQ=SECONDLY`` would be millions, minutes of CPU). Counting with ``dateutil`` first costs
    about 3 µs an instance and stops at the limits. Wall times are compared without zones: the
    error is under a day, well inside the margin, and only the order of magnitude matters here.
    """
    uid = str(event.get("UID")) if event.get("UID") is not None else None
    lo = (window.start - EXPANSION_MARGIN).replace(tzinfo=None)
    hi = (window.end + EXPANSION_MARGIN).replace(tzinfo=None)
    start = wall_time(event.decoded("DTSTART"))
    for rule in as_list(event.get("RRULE")):
        counts = rule.get("COUNT") or []
        if counts and isinstance(counts[0], int) and counts[0] <= MAX_INSTANCES:
            continue  # bounded by itself
        bounded = icalendar.vRecur({key: value for key, value in rule.items() if key.upper() != "UNTIL"})
        untils = rule.get("UNTIL") or []
        if untils:
            bounded["UNTIL"] = [wall_time(untils[0])]
        try:
            instances = dateutil.rrule.rrulestr(bounded.to_ical().decode("ascii"), dtstart=start)
        except (ValueError, TypeError, KeyError):
            raise MalformedCalendarData("has a recurrence rule BizCal cannot read (RRULE)", uid) from None
        too_often = f"has a recurrence rule BizCal cannot expand (FREQ={str(rule['FREQ'][0]).upper()})"
        in_window = 0
        for step, value in enumerate(instances):
            if value > hi:
                break
            if step >= _MAX_RULE_STEPS:
                log.info("Calendar entry %s repeats more than %d times before the window ends", uid, step)
                raise MalformedCalendarData(too_often, uid)
            if value >= lo:
                in_window += 1
                if in_window > MAX_INSTANCES:
                    log.info("Calendar entry %s repeats more than %d times in the window", uid, MAX_INSTANCES)
                    raise MalformedCalendarData(too_often, uid)


def fix_odd_times(events: list[icalendar.Component], zone: zoneinfo.ZoneInfo, uid: str | None) -> None:
    """Apply the stated rule to times RFC 5545 does not allow, and log it once per resource.

    An unknown TZID is only logged (``icalendar`` already leaves such a time floating, read in the
    staff zone). A DTEND before DTSTART is replaced by a DURATION of :data:`ASSUMED_LENGTH` (a day
    for an all-day event) before the expansion, which would otherwise swap the two silently.
    """
    notes: set[str] = set()
    for event in events:
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            try:
                prop = event.get(name)
                tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
                value = getattr(prop, "dt", None)
            except ValueError:
                continue  # a broken value: validate_event reports it
            if tzid and isinstance(value, datetime) and value.tzinfo is None:
                notes.add(f"its time zone {str(tzid)[:64]!r} is unknown: its times are read in the staff "
                          f"member's zone {zone.key}")
        if _ends_before_start(event, zone):
            all_day = is_date(event.decoded("DTSTART"))
            del event["DTEND"]
            event.add("DURATION", timedelta(days=1) if all_day else ASSUMED_LENGTH)
            notes.add("its DTEND is before its DTSTART: DTEND is ignored and it blocks one hour from "
                      "DTSTART (an all-day event one day)")
    for note in sorted(notes):
        log.warning("Calendar entry %s: %s", uid, note)


def _ends_before_start(event: icalendar.Component, zone: zoneinfo.ZoneInfo) -> bool:
    if "DTEND" not in event or "DTSTART" not in event:
        return False
    try:
        return to_utc(event.decoded("DTEND"), zone) < to_utc(event.decoded("DTSTART"), zone)
    except (KeyError, ValueError, TypeError, MalformedCalendarData):  # validate_event reports these
        return False


def is_date(value: date | datetime) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def wall_time(value: date | datetime) -> datetime:
    """The local wall-clock reading of a DATE or DATE-TIME, without its zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time(0))


def to_utc(value: date | datetime, zone: zoneinfo.ZoneInfo) -> datetime:
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
    raise MalformedCalendarData("has a date or time of an unexpected type")


def as_list(value: object) -> list:
    """A property that may occur once (a value) or several times (a list) as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
