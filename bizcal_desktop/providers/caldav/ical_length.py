"""How long each instance of an event lasts, and where it lies in UTC: RFC 5545's rule, for both reading paths.

Why a module of its own: the full path (:mod:`.ical_busy`, ``recurring-ical-events``) and the lean one
(:mod:`.ical_lean`) must give the same intervals, and the expansion library gets this wrong. It gives
each instance the master's length in *wall-clock* time, so a 30-minute instance at 02:30 on a
spring-forward day (a time that does not exist; RFC 5545 3.3.5 reads it with the offset before the
gap) "ends" at 03:00 local, before its start, and blocks nothing, and an instance spanning a DST change
is an hour too long or too short. RFC 5545 3.8.5.3 says: "If the duration of the recurring component is
specified with the DTEND or DUE property, then the same exact duration will apply to all the members of
the generated recurrence set". So here:

* an instance starts at its local start read as ``zoneinfo`` reads it (``fold=0``: a skipped time takes
  the offset before the gap, a repeated one its first occurrence), floating times in the staff zone;
* it lasts the master's exact length, DTEND - DTSTART as absolute time;
* except whole days: an all-day event's DTEND, and the days and weeks of a DURATION (RFC 5545 3.3.6:
  nominal), are added on the calendar (a day across a DST change is 23 or 25 hours); the hours,
  minutes and seconds of a DURATION are exact, however many: ``PT30H`` is 30 hours of absolute time,
  ``P1DT6H`` a calendar day and 6 hours.

An override (RECURRENCE-ID) is its own source: its own DTSTART and DTEND, taken as written.

Which is why a DURATION is read from its text (:func:`written_length`), not from a ``timedelta``: a
``timedelta`` keeps no trace of how it was written (``PT30H`` and ``P1DT6H`` are the same one). The lean
path has the text at hand; ``icalendar`` keeps only the ``timedelta``, so the full path finds each
VEVENT's DURATION line in the resource's text (:func:`written_durations`) and uses it when it says the
same span as the parsed value (:func:`duration_length`), else splits the ``timedelta`` into its days
and the rest (a DURATION added in code, as for a DTEND before DTSTART, has no text).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bizcal_desktop.providers.caldav.ical_checks import to_utc


@dataclass(frozen=True)
class InstanceLength:
    """An instance's length: ``days`` added on the calendar (wall time), then ``exact`` absolute time."""

    days: int
    exact: timedelta

    @property
    def at_most(self) -> timedelta:
        """An upper bound of the length in absolute time (a calendar day is at most 25 hours)."""
        return timedelta(hours=25 * max(self.days, 0)) + max(self.exact, timedelta(0))

    @property
    def as_timedelta(self) -> timedelta:
        """The length with each nominal day counted as 24 hours (how a ``timedelta`` holds a DURATION)."""
        return timedelta(days=self.days) + self.exact


#: A DURATION value (RFC 5545 3.3.6), as loosely as ``icalendar`` reads it: weeks, days, then T and
#: hours, minutes, seconds, each optional, with a sign.
_WRITTEN_DURATION = re.compile(r"([-+]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\Z")
_UNFOLD = re.compile(r"\r?\n[ \t]")


def written_length(value: str) -> InstanceLength | None:
    """A DURATION value as written: its weeks and days nominal, its hours, minutes and seconds exact.

    None when ``value`` is not a DURATION. A negative one counts both parts backwards.
    """
    match = _WRITTEN_DURATION.match(value)
    if match is None:
        return None
    sign = -1 if match[1] == "-" else 1
    weeks, days, hours, minutes, seconds = (int(group or 0) for group in match.groups()[1:])
    return InstanceLength(days=sign * (7 * weeks + days),
                          exact=sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))


def duration_length(value: timedelta, written: str | None) -> InstanceLength:
    """A parsed DURATION's length: as ``written`` when that text says the same span, else ``value``'s days
    nominal and the rest exact (``written`` is None or belongs to another component)."""
    as_written = written_length(written) if written is not None else None
    if as_written is not None and as_written.as_timedelta == value:
        return as_written
    return InstanceLength(days=value.days, exact=value - timedelta(days=value.days))


def written_durations(text: str) -> list[str | None]:
    """Each VEVENT's own DURATION value as written, in the order of the text (None: none, or several).

    A DURATION inside a VEVENT's VALARM is the alarm's, not the event's, and is not taken.
    """
    durations: list[str | None] = []
    counts: list[int] = []
    nesting: list[int | None] = []  # per open component: its index in ``durations`` if it is a VEVENT
    for line in _UNFOLD.sub("", text).split("\n"):
        head, colon, value = line.rstrip("\r").partition(":")
        name = head.split(";", 1)[0].strip().upper()
        if name == "BEGIN":
            is_event = value.strip().upper() == "VEVENT"
            nesting.append(len(durations) if is_event else None)
            if is_event:
                durations.append(None)
                counts.append(0)
        elif name == "END" and nesting:
            nesting.pop()
        elif name == "DURATION" and colon and '"' not in head and nesting and nesting[-1] is not None:
            index = nesting[-1]
            counts[index] += 1
            durations[index] = value if counts[index] == 1 else None
    return durations


def length_of(start: date | datetime, end: date | datetime | None, duration: InstanceLength | None,
              zone: zoneinfo.ZoneInfo) -> InstanceLength:
    """The length a component gives each of its instances, from its DTSTART and its DTEND or DURATION.

    ``duration`` is the DURATION as written (:func:`written_length`, :func:`duration_length`). Neither: a timed event has no length, an all-day one lasts its day (RFC 5545 3.6.1).
    """
    if end is not None:
        if not isinstance(start, datetime) and not isinstance(end, datetime):
            return InstanceLength(days=(end - start).days, exact=timedelta(0))
        return InstanceLength(days=0, exact=to_utc(end, zone) - to_utc(start, zone))
    if duration is not None:
        return duration
    return InstanceLength(days=0 if isinstance(start, datetime) else 1, exact=timedelta(0))


def instance_span(start: date | datetime, length: InstanceLength, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the instance starting at ``start`` (local, as the series gives it)."""
    first = to_utc(start, zone)
    if not length.days:
        return first, first + length.exact
    return first, to_utc(start + timedelta(days=length.days), zone) + length.exact
