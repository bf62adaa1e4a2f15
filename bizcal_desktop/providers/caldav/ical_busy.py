"""Turn one CalDAV resource (one VCALENDAR text) into the busy intervals it blocks in a window.

Why a pure function of its own: every CalDAV server (and any .ics feed) hands us the same thing —
a VCALENDAR holding a master event, perhaps a recurrence rule, and perhaps overridden instances —
and the questions "is this busy, when exactly, is it ours" must be answered identically whichever
server it came from. Keeping the answer free of I/O lets it be tested on hand-written RFC 5545
text, including the cases users of other tools got burnt by (moved instances, DST, Outlook zones).

Rules applied (RFC 5545 wording in brackets):

* Recurrence ([RRULE], [RDATE], [EXDATE], overrides by [RECURRENCE-ID]) is expanded locally with
  ``recurring-ical-events``, because several servers (Radicale, Google CalDAV, SOGo) return the
  master unexpanded. A single event without any of them is its own only instance and skips the
  expansion (the same answer; the exact window test below decides either way).
* Most resources (one event in a zone the database knows, once or recurring by the common rules,
  perhaps with RDATEs, EXDATEs and overrides) are read line by line by :mod:`.ical_lean`, which expands a
  series only up to the window with this library's own rules and leaves everything it is not sure
  of (RDATE periods, other rule parts, an unknown VTIMEZONE…) to this module.
* Parsing is most of an import's cost, and most of the text is VTIMEZONE blocks for zones the zone
  database already knows, which ``icalendar`` then ignores (it prefers a known zone to the
  file's definition): such blocks are cut out before parsing, and so are those of Windows zone
  names, which mean their CLDR zone (:mod:`.ical_zones` says why). A VTIMEZONE for a zone nothing
  else defines (a vendor's id, a custom zone) is kept and used as before.
* Busy means opaque: [TRANSP] absent or OPAQUE. Transparent ("free") events, [STATUS] CANCELLED
  (whole series or one overridden instance) and invitations the staff member declined (an
  [ATTENDEE] whose address is one of ``self_addresses`` with PARTSTAT=DECLINED) block nothing.
* Our own booking events (UID ``…@bizcal-desktop`` or the ``X-BIZCAL-BOOKING`` property) yield no
  intervals: the booking itself already blocks the time, counting it twice would hide free slots.
* All-day events block whole *local* days of the staff member's zone, so a day with a DST change
  blocks 23 or 25 hours, never a fixed 24.
* Floating times (no zone) are read in the staff member's zone; zones named by TZID are resolved by
  ``icalendar`` (IANA names, Windows names as Outlook writes them via its CLDR-derived
  ``WINDOWS_TO_OLSON`` table, and a VTIMEZONE in the file for any other name). A TZID nothing can resolve is read like a
  floating time, the least-surprising guess for a staff member's own calendar, and logged.
* A DTEND before its DTSTART (RFC 5545 forbids it) is ignored and logged: the event blocks one
  hour from DTSTART (an all-day event one day), the length calendar apps give a new event. Swapping
  the two could block a year for a mistyped year; ignoring the event would offer its time as free.
* Each instance lasts the master's *exact* length (DTEND - DTSTART as absolute time; days and weeks of
  a DURATION, and an all-day event's days, on the calendar), not its length in wall-clock time as
  ``recurring-ical-events`` gives it: RFC 5545 3.8.5.3 ("the same exact duration will apply to all
  the members of the generated recurrence set"). So an instance at 02:30 on a spring-forward day
  (01:30 UTC in Berlin, the offset before the gap, RFC 5545 3.3.5) blocks its 30 minutes instead of
  ending before it starts, and one spanning a DST change keeps its length (:mod:`.ical_length`).
* Instances are returned whole (not clipped to the window) when they overlap it; the window is
  half-open, so an instance that ends exactly when the window starts is not returned.
* An event whose times or recurrence cannot be read or expanded (``FREQ=SECONDLY`` expanding to
  millions, ``INTERVAL=0``, a broken RRULE) is not called free: each VEVENT blocks its own span
  as written (the series' first instance, overridden instances), and the result carries a
  :class:`~bizcal_desktop.providers.base.SkippedEvent` saying what was wrong, for the sync log.
  Only text that is not iCalendar at all raises :class:`MalformedCalendarData`.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import (
    OWN_EVENT_MARKER,
    BusyInterval,
    SkippedEvent,
    booking_uid,
    is_own_uid,
)
from bizcal_desktop.providers.caldav.ical_checks import (
    EXPANSION_MARGIN,
    MAX_INSTANCES,
    MalformedCalendarData,
    as_list,
    check_rule_size,
    fix_odd_times,
    is_date,
    validate_event,
)
from bizcal_desktop.providers.caldav.ical_lean import lean_busy
from bizcal_desktop.providers.caldav.ical_length import (
    duration_length,
    instance_span,
    length_of,
    written_durations,
)
from bizcal_desktop.providers.caldav.ical_zones import without_known_zones

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ParsedResource:
    """What one resource contributes.

    ``intervals``: busy instances overlapping the window, sorted, aware UTC.
    ``own_uid``: the booking UID (``<public id>@bizcal-desktop``) when the resource is one of our own
    booking events (then ``intervals`` is empty and the caller records it as ours instead of as a
    busy block).
    ``uid``: the resource's UID (None when it holds no event).
    ``skipped``: set when its times or recurrence could not be read in full; ``intervals`` then
    holds only the spans written out in it (the series' first instance).
    """

    intervals: list[BusyInterval]
    own_uid: str | None
    uid: str | None
    skipped: SkippedEvent | None = None


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

    Raises :class:`MalformedCalendarData` when the text is not iCalendar at all. An event with no
    readable start or an unusable recurrence rule is reported in ``skipped`` instead (see above).
    """
    text = without_known_zones(_decoded(ics))
    window_utc = window.to_utc()
    mine = frozenset(_normalise_address(a) for a in self_addresses)
    lean = lean_busy(text, window_utc, zone, keep_titles, mine)  # the plainest shape, without icalendar
    if lean is not None:
        return ParsedResource(intervals=lean[0], own_uid=lean[1], uid=lean[2])
    calendar = _parse(text)
    events = list(calendar.walk("VEVENT"))
    uid = _first_uid(events)
    own = _own_uid(calendar, events)
    if own is not None:
        return ParsedResource(intervals=[], own_uid=own, uid=uid)
    durations = written_durations(text)
    if len(durations) != len(events):
        durations = [None] * len(events)  # the text's VEVENTs are not the parsed ones: the parsed values alone
    fix_odd_times(events, zone, uid)
    for index, event in enumerate(events):
        event[_SOURCE] = str(index)  # the expansion copies it into the event's instances
    try:
        for event in events:
            validate_event(event)
            check_rule_size(event, window_utc)
        occurrences = _occurrences(calendar, window_utc, zone, uid)
    except MalformedCalendarData as refused:
        return _as_written(events, durations, window_utc, zone, keep_titles, mine, refused, uid)
    intervals = []
    for occurrence in occurrences:
        if _blocks_time(occurrence, mine):
            source = _source(occurrence, events)
            written = durations[source] if source is not None else None
            interval = _interval(occurrence, events[source] if source is not None else occurrence, written, zone,
                                 keep_titles)
            if interval is not None and _overlaps(interval, window_utc):
                intervals.append(interval)
    intervals.sort(key=lambda i: (i.start, i.end, i.title or ""))
    return ParsedResource(intervals=intervals, own_uid=None, uid=uid)


def _as_written(
    events: list[icalendar.Component], durations: list[str | None], window: TimeRange, zone: zoneinfo.ZoneInfo,
    keep_titles: bool, self_addresses: frozenset[str], refused: MalformedCalendarData, uid: str | None,
) -> ParsedResource:
    """What an event that cannot be expanded still says for certain: each VEVENT's own span.

    That is the series' first instance (DTSTART..DTEND/DURATION) and any overridden instance as
    written; the rest of the series is unknown and reported as skipped (unless the event blocks
    no time anyway: transparent, cancelled or declined).
    """
    intervals: list[BusyInterval] = []
    readable = blocking = False
    for event, written in zip(events, durations, strict=True):
        if not _blocks_time(event, self_addresses):
            continue
        blocking = True
        try:
            interval = _interval(event, event, written, zone, keep_titles)
        except (KeyError, ValueError, TypeError, MalformedCalendarData):
            continue  # this component's own times cannot be read either
        readable = True
        if interval is not None and _overlaps(interval, window):
            intervals.append(interval)
    intervals.sort(key=lambda i: (i.start, i.end, i.title or ""))
    outcome = "only its first occurrence is blocked" if readable else "it blocks no time"
    skipped = SkippedEvent(f"{refused.problem}; {outcome}", _title(events)) if blocking else None
    return ParsedResource(intervals=intervals, own_uid=None, uid=uid, skipped=skipped)


def _overlaps(interval: BusyInterval, window: TimeRange) -> bool:
    return interval.start < window.end and window.start < interval.end


def _title(events: list[icalendar.Component]) -> str | None:
    """The event's SUMMARY (for the sync log, shown only when the user keeps busy titles)."""
    for event in events:
        value = event.get("SUMMARY")
        if value is not None and str(value).strip() and event.get("RECURRENCE-ID") is None:
            return str(value).strip()
    return None


# ----------------------------------------------------------------------------- parsing and checks


def _decoded(ics: str | bytes) -> str:
    if isinstance(ics, bytes):
        try:
            return ics.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedCalendarData("is not UTF-8 text") from None
    return ics


def _parse(text: str) -> icalendar.Calendar:
    """Parse the text; any parser failure becomes one clear error without the payload in it."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError, TypeError):
        # The library's messages quote the offending line; it may be a private title, so drop it.
        raise MalformedCalendarData("is not valid iCalendar") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise MalformedCalendarData("holds no VCALENDAR")
    return calendar


def _first_uid(events: list[icalendar.Component]) -> str | None:
    for event in events:
        value = event.get("UID")
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


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
    in the zone of the span, are read the way :func:`to_utc` reads them.
    """
    single = _single_instance(calendar)
    if single is not None:
        return single
    lo = window.start.astimezone(zone) - EXPANSION_MARGIN
    hi = window.end.astimezone(zone) + EXPANSION_MARGIN
    try:
        return recurring_ical_events.of(calendar, components=("VEVENT",)).between(lo, hi)
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        # recurring_ical_events.InvalidCalendar and icalendar's errors are ValueErrors; their
        # messages quote property values, so only the type is logged.
        log.debug("Recurrence expansion failed with %s", type(error).__name__)
        raise MalformedCalendarData("has dates or a recurrence rule BizCal cannot expand", uid) from None


_RECURRENCE = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


def _single_instance(calendar: icalendar.Calendar) -> list[icalendar.Component] | None:
    """``[event]`` when the resource is one VEVENT that does not recur (its own only instance), else None.

    The caller's exact window test then decides, as it does for the expansion's instances. Only the
    plainest shape qualifies (start and end of one kind, date or date-time); anything else expands.
    """
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if len(events) != 1 or any(name in events[0] for name in _RECURRENCE):
        return None
    event = events[0]
    start, end, length = event.get("DTSTART"), event.get("DTEND"), event.get("DURATION")
    if start is None or (end is not None and type(end.dt) is not type(start.dt)):
        return None
    if length is not None and (end is not None or not isinstance(length.dt, timedelta) or length.dt < timedelta(0)):
        return None  # the expansion reads these its own way (a negative DURATION counts backwards)
    return [event]


def _blocks_time(occurrence: icalendar.Component, self_addresses: frozenset[str]) -> bool:
    """Whether this one instance makes the staff member busy (opaque, not cancelled, not declined)."""
    if str(occurrence.get("TRANSP", "OPAQUE")).strip().upper() == "TRANSPARENT":
        return False
    if str(occurrence.get("STATUS", "")).strip().upper() == "CANCELLED":
        return False
    if self_addresses:
        for attendee in as_list(occurrence.get("ATTENDEE")):
            if _normalise_address(str(attendee)) not in self_addresses:
                continue
            partstat = getattr(attendee, "params", {}).get("PARTSTAT", "")
            if str(partstat).strip().upper() == "DECLINED":
                return False
    return True


#: Set on each VEVENT before the expansion, which copies it into the instances: the index of the
#: component an instance comes from (its master, or the override itself), whose length it takes.
_SOURCE = "X-BIZCAL-READ-SOURCE"


def _source(occurrence: icalendar.Component, events: list[icalendar.Component]) -> int | None:
    """The index of the VEVENT this instance was generated from (the master) or copied from (an override)."""
    index = str(occurrence.get(_SOURCE, ""))
    return int(index) if index.isdigit() and int(index) < len(events) else None


def _interval(
    occurrence: icalendar.Component, source: icalendar.Component, written_duration: str | None,
    zone: zoneinfo.ZoneInfo, keep_titles: bool,
) -> BusyInterval | None:
    """The instance as a UTC interval: its start, plus its source's exact length (see :mod:`.ical_length`).

    ``written_duration`` is the source's DURATION as its text has it (hours as hours, days as days).
    None when it has no length (DTEND absent on a timed event).
    """
    raw_start = occurrence.decoded("DTSTART")
    source_start = source.decoded("DTSTART")
    source_end = source.decoded("DTEND") if "DTEND" in source else None
    duration = duration_length(source.decoded("DURATION"), written_duration) \
        if source_end is None and "DURATION" in source else None
    start, end = instance_span(raw_start, length_of(source_start, source_end, duration, zone), zone)
    if end <= start:  # no length (a DTEND before DTSTART was already replaced by fix_odd_times)
        return None
    title = None
    if keep_titles and occurrence.get("SUMMARY") is not None:
        title = str(occurrence.get("SUMMARY"))
    return BusyInterval(start=start, end=end, all_day=is_date(raw_start), title=title)


# ----------------------------------------------------------------------------- small helpers


def _normalise_address(address: str) -> str:
    address = address.strip().lower()
    return address.removeprefix("mailto:")


__all__ = ["MAX_INSTANCES", "MalformedCalendarData", "ParsedResource", "busy_from_ical"]
