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
  minutes and seconds of a DURATION are exact.

An override (RECURRENCE-ID) is its own source: its own DTSTART and DTEND, taken as written.

Known limit: a DURATION is read as a ``timedelta``, which keeps no trace of how it was written, so
24 hours or more written in hours (``PT30H``) count as the days and hours of ``P1DT6H``. Both paths read
it alike; reading it as written would need the text of the property, which ``icalendar`` does not keep.
"""

from __future__ import annotations

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


def length_of(start: date | datetime, end: date | datetime | None, duration: timedelta | None,
              zone: zoneinfo.ZoneInfo) -> InstanceLength:
    """The length a component gives each of its instances, from its DTSTART and its DTEND or DURATION.

    Neither: a timed event has no length, an all-day one lasts its day (RFC 5545 3.6.1).
    """
    if end is not None:
        if not isinstance(start, datetime) and not isinstance(end, datetime):
            return InstanceLength(days=(end - start).days, exact=timedelta(0))
        return InstanceLength(days=0, exact=to_utc(end, zone) - to_utc(start, zone))
    if duration is not None:
        return InstanceLength(days=duration.days, exact=duration - timedelta(days=duration.days))
    return InstanceLength(days=0 if isinstance(start, datetime) else 1, exact=timedelta(0))


def instance_span(start: date | datetime, length: InstanceLength, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the instance starting at ``start`` (local, as the series gives it)."""
    first = to_utc(start, zone)
    if not length.days:
        return first, first + length.exact
    return first, to_utc(start + timedelta(days=length.days), zone) + length.exact
