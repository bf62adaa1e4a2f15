"""The instances of a recurring event as :mod:`.ical_lean` reads it: the rules it is sure of, expanded as the library does.

Why apart from the line reading: these are the rules of RFC 5545 that ``recurring-ical-events`` (the
full path, :mod:`.ical_busy`) applies through ``dateutil``, restated for the shapes most calendars
hold - ``FREQ`` DAILY, WEEKLY, MONTHLY or YEARLY with INTERVAL, COUNT or UNTIL, weekdays (with an
ordinal like ``2TU`` in a monthly rule), days of the month and WKST - so that they can be expanded
without building ``icalendar`` components. The answer must be the full path's to the instant, so
every detail of the library is kept, odd ones included:

* expansion is ``dateutil``'s, in the event's own wall time (a zoned DTSTART keeps its wall-clock time
  across DST; a time in the skipped hour and the repeated hour are read as ``zoneinfo`` reads them,
  ``fold=0``), and only between the window's bounds (with a day's margin), so an endless series
  costs its instances up to the window, never more;
* DTSTART is an instance even when the rule does not produce it, unless it lies after UNTIL;
* an RDATE (a date or time of DTSTART's kind; a zoned one in any zone) is an instance starting in its
  own zone, whatever UNTIL or COUNT say, and counted once when it equals another start - as the library
  keeps it, which is decided by set order when the two are written in different zones, so that case,
  too, is left to the full path;
* an instance is excluded when its wall date equals a DATE EXDATE, or when its UTC or wall reading
  (zone dropped) equals the UTC or wall reading of an EXDATE - the library's "recurrence ids", which
  also decide which instance a RECURRENCE-ID override replaces.

Anything else - an RDATE or EXDATE the library would convert, another rule part (BYSETPOS, BYHOUR,
BYMONTH, X-parts…), a COUNT and an UNTIL together, an UNTIL whose kind does not match DTSTART's, a
series reaching back more days than :data:`MAX_SPAN_DAYS` - raises :class:`NotLean`, and the full path answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from dateutil import rrule

from bizcal_desktop.providers.caldav.ical_checks import MAX_INSTANCES

#: A series whose DTSTART lies more days before the window's end than this is left to the full path
#: (its own limits on the instances counted before the window apply there); each day is at most one
#: instance of the rules read here, so this bounds the lean expansion's work.
MAX_SPAN_DAYS = 20_000

_FREQUENCIES = {"DAILY": rrule.DAILY, "WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY, "YEARLY": rrule.YEARLY}
_WEEKDAYS = {"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH, "FR": rrule.FR, "SA": rrule.SA,
             "SU": rrule.SU}
_PARTS = {"DAILY": {"BYDAY"}, "WEEKLY": {"BYDAY"}, "MONTHLY": {"BYDAY", "BYMONTHDAY"}, "YEARLY": set()}
_COMMON_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}

Time = date | datetime


class NotLean(Exception):
    """The recurrence is not of a shape read here: the full path answers."""


def recurrence_ids(moment: Time) -> tuple[datetime, ...]:
    """The library's identities of an instant: (UTC reading, wall reading), zones dropped; a date's midnight."""
    if not isinstance(moment, datetime):
        return (datetime(moment.year, moment.month, moment.day),)
    if moment.tzinfo is None:
        return (moment,)
    return (moment.astimezone(UTC).replace(tzinfo=None), moment.replace(tzinfo=None))


class Exclusions:
    """The EXDATEs of a series as the library matches them: DATE values by wall date, all by recurrence id."""

    def __init__(self, exdates: list[Time]) -> None:
        self.dates = {value for value in exdates if not isinstance(value, datetime)}
        self.ids = {identity for value in exdates for identity in recurrence_ids(value)}

    def exclude(self, start: datetime) -> bool:
        return date(start.year, start.month, start.day) in self.dates or not self.ids.isdisjoint(recurrence_ids(start))


def series_starts(rule_text: str | None, start: Time, exdates: list[Time], rdates: list[Time], lo: datetime,
                  hi: datetime) -> list[datetime]:
    """The starts in ``[lo, hi]`` of the series (DTSTART ``start``, rule ``rule_text`` if any, RDATEs ``rdates``),
    EXDATEs left out.

    A DATE series is expanded from midnight wall time (the library's way) and returned as such;
    ``lo`` and ``hi`` are aware for a zoned DTSTART and wall times otherwise. An RDATE keeps its own zone
    (the library's instance starts in it), and one equal to another start is counted once.
    """
    first = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    _check_kinds(first, first is not start, exdates, rdates)
    until = None
    starts: set[datetime] = set()
    if rule_text is not None:
        if (hi - first).days > MAX_SPAN_DAYS or (hi - lo).days > MAX_INSTANCES // 2:
            raise NotLean
        rule, until = _rule(rule_text, first, first is not start)
        starts = set(rule.between(lo, hi, inc=True))
    if lo <= first <= hi and (until is None or first <= until):
        starts.add(first)
    if len(rdates) > MAX_INSTANCES:
        raise NotLean
    added = [value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
             for value in rdates]
    added = [value for value in added if lo <= value <= hi]
    _check_no_twins(starts, added)
    excluded = Exclusions(exdates)
    return sorted(moment for moment in starts.union(added) if not excluded.exclude(moment))


def _check_kinds(first: datetime, all_day: bool, exdates: list[Time], rdates: list[Time]) -> None:
    """NotLean unless every EXDATE and RDATE is of a kind the library reads as DTSTART's, without converting it.

    An RDATE is of DTSTART's kind: a date for a DATE series, a zoned time (any zone) for a zoned one, a
    floating time for a floating one.
    """
    if first.tzinfo is not None:
        if any(isinstance(value, datetime) and value.tzinfo is None for value in exdates):
            raise NotLean  # the library would read such an EXDATE in DTSTART's zone: left to it
        if not all(isinstance(value, datetime) and value.tzinfo is not None for value in rdates):
            raise NotLean  # the same for a floating RDATE; a DATE one would become a midnight there
        return
    if any(isinstance(value, datetime) and (value.tzinfo is not None or all_day) for value in (*exdates, *rdates)):
        raise NotLean  # a zoned value would move a floating series into its zone; a DATE series takes dates
    if not all_day and not all(isinstance(value, datetime) for value in rdates):
        raise NotLean  # a DATE RDATE of a floating series would become a midnight


def _check_no_twins(starts: set[datetime], rdates: list[datetime]) -> None:
    """NotLean when an RDATE names the instant of another start in another zone.

    In one zone equal instants are equal values and counted once, as the library counts them. Across
    zones, which one the library keeps (and so the zone an instance's calendar days are counted in)
    depends on set order, and in a repeated hour Python does not even call them equal.
    """
    zones: dict[datetime, object] = {}
    for value in (*starts, *rdates):
        instant = value.astimezone(UTC) if value.tzinfo is not None else value
        if zones.setdefault(instant, value.tzinfo) is not value.tzinfo:
            raise NotLean


def _rule(text: str, first: datetime, all_day: bool) -> tuple[rrule.rrule, datetime | None]:
    """The ``dateutil`` rule of ``text`` starting at ``first``, and its UNTIL; NotLean for any other shape."""
    parts: dict[str, str] = {}
    for part in text.upper().split(";"):
        name, equals, value = part.partition("=")
        if not equals or not value or name in parts:
            raise NotLean
        parts[name] = value
    frequency = parts.get("FREQ", "")
    if frequency not in _FREQUENCIES or set(parts) - _COMMON_PARTS - _PARTS[frequency]:
        raise NotLean
    interval = _positive(parts.get("INTERVAL", "1"))
    count = _positive(parts["COUNT"]) if "COUNT" in parts else None
    if count is not None and (count > MAX_INSTANCES or "UNTIL" in parts):
        raise NotLean
    until = _until(parts["UNTIL"], first, all_day) if "UNTIL" in parts else None
    weekdays = [_weekday(code, ordinal_allowed=frequency == "MONTHLY") for code in parts["BYDAY"].split(",")] \
        if "BYDAY" in parts else None
    month_days = [_month_day(day) for day in parts["BYMONTHDAY"].split(",")] if "BYMONTHDAY" in parts else None
    week_start = _WEEKDAYS.get(parts.get("WKST", "MO"))
    if week_start is None:
        raise NotLean
    return rrule.rrule(_FREQUENCIES[frequency], dtstart=first, interval=interval, count=count, until=until,
                       byweekday=weekdays, bymonthday=month_days, wkst=week_start, cache=False), until


def _positive(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise NotLean
    return int(text)


def _weekday(code: str, ordinal_allowed: bool) -> rrule.weekday:
    day = _WEEKDAYS.get(code[-2:])
    ordinal = code[:-2]
    if day is None:
        raise NotLean
    if not ordinal:
        return day
    digits = ordinal.removeprefix("+").removeprefix("-")
    if not ordinal_allowed or not digits.isdigit() or not 1 <= int(digits) <= 5:
        raise NotLean
    return day(-int(digits) if ordinal.startswith("-") else int(digits))


def _month_day(text: str) -> int:
    digits = text.removeprefix("+").removeprefix("-")
    if not digits.isdigit() or not 1 <= int(digits) <= 31:
        raise NotLean
    return -int(digits) if text.startswith("-") else int(digits)


def _until(text: str, first: datetime, all_day: bool) -> datetime:
    """UNTIL of DTSTART's kind: a date for a DATE series, UTC for a zoned start, a wall time for a floating one."""
    if all_day:
        if len(text) != 8 or not text.isdigit():
            raise NotLean
        return datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
    utc = text.endswith("Z")
    body = text.removesuffix("Z")
    if len(body) != 15 or body[8] != "T" or not (body[:8] + body[9:]).isdigit() or utc != (first.tzinfo is not None):
        raise NotLean
    moment = datetime(int(body[:4]), int(body[4:6]), int(body[6:8]), int(body[9:11]), int(body[11:13]),
                      int(body[13:]))
    return moment.replace(tzinfo=UTC) if utc else moment
