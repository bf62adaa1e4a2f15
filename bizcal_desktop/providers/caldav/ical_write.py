"""The text of a booking's event written directly: byte for byte what ``build_ics`` makes, at a tenth the cost.

Why a second writer: a push of 500 bookings spent about half a millisecond of CPU per event in
``icalendar`` (a component per property, parameters objects, folding char by char) - CPU that
competes with a CPU-bound server for the machine's two cores. A booking's event has a fixed shape
(the properties :func:`~.ical_event.build_event` sets, in ``icalendar``'s canonical order), so its
lines are written here with the same TEXT escaping (RFC 5545 3.3.11) and the same folding at 75
octets, never between a backslash and the character it escapes. The VTIMEZONE and the calendar's
own lines come from :mod:`.ical_event`'s caches, so time-zone data has one writer.

Anything outside that fixed shape - a zone name that would need quoting, times that end before they
start - goes to :func:`~.ical_event.build_ics`, which stays the reference: tests compare the two on
generated bookings (``tests/providers/test_ical_write.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bizcal_desktop.domain.time_range import ensure_aware_utc
from bizcal_desktop.providers.base import OWN_EVENT_MARKER, EventSpec
from bizcal_desktop.providers.caldav.ical_event import (
    _END,
    _SHELL,
    _vtimezone_text,
    build_ics,
    load_zone,
    written_in_zone,
)

#: Zone names written as a bare TZID parameter (IANA names are; anything else takes the reference path).
_PLAIN_ZONE = re.compile(r"[A-Za-z0-9/_+\-]+")
_FOLD_AT = 75  # octets, as icalendar folds
_HEAD = _SHELL[: -len(_END)].decode("utf-8")
_TAIL = _END.decode("utf-8")


def event_text(spec: EventSpec, now: datetime | None = None) -> str:
    """The iCalendar text of a booking's event, ready to PUT; equal to ``build_ics(spec, now)``."""
    start, end = ensure_aware_utc(spec.start), ensure_aware_utc(spec.end)
    if end <= start or not _PLAIN_ZONE.fullmatch(spec.timezone):
        return build_ics(spec, now)  # raises for the times; quotes the odd zone name
    zone = load_zone(spec.timezone)
    stamp = ensure_aware_utc(now) if now is not None else datetime.now(UTC)
    in_zone = written_in_zone(spec)
    if in_zone:
        tzid = f";TZID={spec.timezone}:"
        dtstart = tzid + _local(start.astimezone(zone))
        dtend = tzid + _local(end.astimezone(zone))
        vtimezone = _vtimezone_text(spec.timezone, start.year - 1, end.year + 2).decode("utf-8")
    else:
        dtstart, dtend, vtimezone = ":" + _local(start) + "Z", ":" + _local(end) + "Z", ""
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _escaped(spec.summary),
        "DTSTART" + dtstart,
        "DTEND" + dtend,
        "DTSTAMP:" + _local(stamp.astimezone(UTC)) + "Z",
        "UID:" + _escaped(spec.uid),
        f"SEQUENCE:{int(spec.sequence)}",
    ]
    if spec.description:
        lines.append("DESCRIPTION:" + _escaped(spec.description))
    if spec.location:
        lines.append("LOCATION:" + _escaped(spec.location))
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", f"{OWN_EVENT_MARKER.upper()}:" + _escaped(spec.booking_public_id),
              "END:VEVENT"]
    return _HEAD + vtimezone + "".join(_folded(line) + "\r\n" for line in lines) + _TAIL


def _local(moment: datetime) -> str:
    return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def _escaped(text: str) -> str:
    """RFC 5545 TEXT escaping, in icalendar's order (a literal ``\\N`` first becomes a newline)."""
    return (text.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
            .replace("\r\n", r"\n").replace("\n", r"\n").replace("\r", r"\n"))


def _folded(line: str) -> str:
    """``line`` folded before it reaches 75 octets, an escape never split from its backslash.

    Cut on the UTF-8 bytes (a cut moves back to a character's first byte), not char by char: a
    booking's description carries a dash and three lines of text, and the per-character walk was
    most of writing its event.
    """
    if len(line) < _FOLD_AT and (line.isascii() or len(line.encode("utf-8")) < _FOLD_AT):
        return line
    data = line.encode("utf-8")
    parts: list[bytes] = []
    start = 0
    while len(data) - start >= _FOLD_AT:
        end = start + _FOLD_AT - 1
        while data[end] & 0xC0 == 0x80:  # inside a multi-byte character: cut before it
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1  # the escape's backslash goes on with what it escapes
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")
