"""How much of a booking an event in a calendar shows: the privacy level, and the text it allows.

Why a level and not a template: a practitioner's calendar is often shared with family, synced to a
phone or shown on a wall screen, and a client's name next to a treatment is health information.
Four levels, from most to least: *Full* ("Massage – Emma Schmidt"), *Initials* ("Massage – E. S."),
*Service only* ("Massage"), *Busy* ("Busy", nothing else). The title and the description are built
here from one level, so the description can never say more than the title's level allows.

Why *Service only* is the default of a new install: a physio (the typical user) needs to see at a
glance what comes next and for how long, which the service and the times tell; who it is they see in
BizCal. Data protection asks for the least by default (GDPR art. 25), and a name next to
"Physiotherapy" on a shared family calendar says more than the client agreed to. Installs that
existed before the setting keep *Full* (their events already say it; changing that silently would
surprise), set explicitly by the migration that added the setting.

Pure: no I/O; the planner passes in the booking's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class PrivacyLevel(StrEnum):
    FULL = "full"
    INITIALS = "initials"
    SERVICE = "service"
    BUSY = "busy"


#: The level of a new install (see the module docstring for why).
DEFAULT_PRIVACY = PrivacyLevel.SERVICE
#: The level an install made before the setting existed keeps (what its events already show).
LEGACY_PRIVACY = PrivacyLevel.FULL

#: A short name of each level, for the CLI and the windows.
LEVEL_LABELS = {
    PrivacyLevel.FULL: "Full",
    PrivacyLevel.INITIALS: "Initials",
    PrivacyLevel.SERVICE: "Service only",
    PrivacyLevel.BUSY: "Busy",
}

BUSY_TITLE = "Busy"


def parse_level(value: str) -> PrivacyLevel:
    """``value`` as a level; ValueError names the four choices."""
    try:
        return PrivacyLevel(value.strip().lower())
    except ValueError:
        choices = ", ".join(level.value for level in PrivacyLevel)
        raise ValueError(f"{value!r} is not a privacy level; choose one of {choices}.") from None


def initials(name: str) -> str:
    """ "Emma Schmidt" -> "E. S."; "Anne-Marie Roy" -> "A.-M. R."; letters only, never more."""
    parts = []
    for word in name.split():
        pieces = [p for p in word.split("-") if any(ch.isalpha() for ch in p)]
        if pieces:
            parts.append("-".join(f"{next(ch for ch in p if ch.isalpha())}." for p in pieces))
    return " ".join(parts)


@dataclass(frozen=True)
class BookingFacts:
    """What an event may say about a booking, before the level decides what it does say."""

    booking_id: int
    service: str
    customer: str
    staff: str
    start: datetime  #: aware
    end: datetime  #: aware
    timezone: str


def event_title(level: PrivacyLevel, facts: BookingFacts) -> str:
    if level == PrivacyLevel.FULL:
        return f"{facts.service} – {facts.customer}"
    if level == PrivacyLevel.INITIALS:
        short = initials(facts.customer)
        return f"{facts.service} – {short}" if short else facts.service
    if level == PrivacyLevel.SERVICE:
        return facts.service
    return BUSY_TITLE


def event_description(level: PrivacyLevel, facts: BookingFacts) -> str:
    """The event's notes: the customer only as far as ``level`` allows; nothing at all when Busy."""
    if level == PrivacyLevel.BUSY:
        return ""
    minutes = int((facts.end - facts.start).total_seconds() // 60)
    local_start = facts.start.astimezone(ZoneInfo(facts.timezone))
    lines = [f"Service: {facts.service} ({minutes} min)"]
    if level == PrivacyLevel.FULL:
        lines.append(f"Customer: {facts.customer}")
    elif level == PrivacyLevel.INITIALS and initials(facts.customer):
        lines.append(f"Customer: {initials(facts.customer)}")
    lines += [
        f"Staff: {facts.staff}",
        f"When: {local_start:%A %d %B %Y, %H:%M} ({facts.timezone})",
        f"Booking #{facts.booking_id} — managed by BizCal Desktop; change it there, not here.",
    ]
    return "\n".join(lines)
