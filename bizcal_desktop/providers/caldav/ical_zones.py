"""Which zone a TZID names on its own, and the VTIMEZONE blocks cut out because the zone database answers.

Why one module for both reading paths (:mod:`.ical_lean`, :mod:`.ical_busy`) and the read-back of our
own events (:mod:`.ical_event`): ``icalendar`` resolves a TZID through one process-wide cache, filled by
the first VTIMEZONE of that name it parses *or* the first lookup of the name, whichever comes first.
For an IANA name the zone database always wins. For a Windows name as Outlook writes it
(``W. Europe Standard Time``) the answer depended on history: once any resource had used the name
without a VTIMEZONE, the CLDR-derived table (``WINDOWS_TO_OLSON``, ``Europe/Berlin``) answered for
every later resource, even one carrying its own definition; had a resource's VTIMEZONE come first,
*its* definition answered for every later one, even one with no VTIMEZONE at all (a definition
without summer time then moved the summer's events of other calendars by an hour). So a Windows name
means its CLDR zone, always: its VTIMEZONE blocks are cut out before parsing, exactly like those of
IANA names, and the lean reading maps the name through the same table. Outlook's own definitions
say what the zone database says for the years a calendar's busy time is read in.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE\r?\n.*?^END:VTIMEZONE\r?\n", re.MULTILINE | re.DOTALL)
_TZID_LINE = re.compile(r"^TZID:([^\r\n;:]+)\r?\n(?![ \t])", re.MULTILINE)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def database_zone(tzid: str) -> str | None:
    """The zone database's name ``tzid`` means without a VTIMEZONE: itself, or a Windows name's CLDR zone.

    None when it is neither (a vendor's id, a custom zone: only a VTIMEZONE in the text defines it).
    """
    if tzid in _zone_names():
        return tzid
    name = WINDOWS_TO_OLSON.get(tzid)
    return name if name in _zone_names() else None


def without_known_zones(text: str) -> str:
    """``text`` without the VTIMEZONE blocks whose TZID :func:`database_zone` resolves; the rest untouched.

    Parsing is most of an import's cost and most of the text is such blocks, which ``icalendar`` would
    ignore (an IANA name) or apply depending on what it read before (a Windows name).
    """
    if "BEGIN:VTIMEZONE" not in text:
        return text

    def keep_unknown(block: re.Match[str]) -> str:
        tzid = _TZID_LINE.search(block.group(0))
        return "" if tzid is not None and database_zone(tzid.group(1)) is not None else block.group(0)

    return _VTIMEZONE.sub(keep_unknown, text)
