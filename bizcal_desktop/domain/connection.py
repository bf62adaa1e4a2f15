"""What a provider needs to know about a stored connection, as a plain value.

It sits in the domain because it crosses every layer: the store copies a connection row into it,
the provider factory builds a provider from it, and providers read it without knowing the store.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionInfo:
    """What a provider needs to know about a stored connection (a plain copy of the row, no ORM)."""

    id: int
    provider: str  #: "caldav" | "google" | "microsoft"
    secret_key: str  #: keychain key of this connection's secrets
    timezone: str  #: IANA zone of the staff member, used for event times and all-day busy days
    server_url: str | None = None
    username: str | None = None
    calendar_id: str | None = None
    calendar_href: str | None = None
    #: Calendars whose events count as busy (REST providers); empty = the written calendar only.
    busy_calendar_ids: tuple[str, ...] = ()
