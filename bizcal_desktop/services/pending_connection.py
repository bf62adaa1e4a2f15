"""A connection between sign-in and save: the account, its calendars and the secret, held in memory.

Why its own module: the connect flow (:mod:`.connect_flow`), Reconnect (:mod:`.reconnect`) and the
dialogs all pass this one value around — the CalDAV wizard and the OAuth dialogs show its calendars,
the flows test and save it — while none of them needs the others. Nothing here touches the keychain
or the database: a pending connection is what may still be thrown away (Cancel saves nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bizcal_desktop.errors import BizCalError, UserInputError
from bizcal_desktop.providers.base import CalendarInfo, ConnectionInfo

#: How each provider is named in the sync log when its connection test fails.
PROVIDER_LABELS = {"caldav": "CalDAV", "google": "Google", "microsoft": "Microsoft"}


class ConnectionTestFailed(BizCalError):
    """*Test Connection* did not pass; nothing was saved. The message says why."""


def pick_calendar(calendars: list[CalendarInfo], wanted: str | None) -> CalendarInfo:
    """The calendar named ``wanted`` (by name, id or href), else the primary, else the first."""
    writable = [c for c in calendars if c.writable] or calendars
    if not writable:
        raise ConnectionTestFailed("The account has no calendars; create one in your calendar app first.")
    if wanted:
        for c in calendars:
            if wanted in (c.name, c.calendar_id, c.href):
                return c
        names = ", ".join(repr(c.name) for c in calendars)
        raise UserInputError(f"No calendar named {wanted!r}; this account has {names}.")
    for c in writable:
        if c.primary:
            return c
    return writable[0]


@dataclass(frozen=True)
class PendingConnection:
    """An account we are logged in to whose calendar the user has not chosen yet (nothing saved).

    ``secret`` is the app password (CalDAV), the token (Google) or the MSAL cache (Microsoft): it is
    kept out of ``repr`` so the object can never leak it into a log or an error message.
    """

    staff_id: int
    timezone: str
    provider: str
    account: str | None
    calendars: tuple[CalendarInfo, ...]
    secret: str = field(repr=False)
    display_name: str = ""  #: what the saved connection is called ("iCloud – a@b.c", "Google – …")
    provider_type: str | None = None  #: the CalDAV preset ("icloud", "nextcloud", …)
    server_url: str | None = None  #: the CalDAV server

    @property
    def default_calendar(self) -> CalendarInfo:
        """The calendar bookings go to unless the user chooses another: primary, else first writable."""
        return pick_calendar(list(self.calendars), None)

    def calendar(self, calendar_id: str) -> CalendarInfo:
        for c in self.calendars:
            if c.calendar_id == calendar_id:
                return c
        names = ", ".join(repr(c.name) for c in self.calendars)
        raise UserInputError(f"The signed-in account has no calendar {calendar_id!r}; choose one of {names}.")

    @property
    def service(self) -> str:
        """Who answers for this account, to start a sentence ("The calendar server HOST", "Google")."""
        if self.provider == "caldav":
            return f"The calendar server {urlsplit(self.server_url or '').hostname or self.server_url}"
        return PROVIDER_LABELS.get(self.provider, self.provider)

    def calendar_href(self, chosen: CalendarInfo) -> str | None:
        """CalDAV addresses a calendar by its collection URL; the REST providers need none."""
        return (chosen.href or chosen.calendar_id) if self.provider == "caldav" else None

    def info(self, chosen: CalendarInfo | None = None) -> ConnectionInfo:
        """What the provider factory needs to build this not-yet-saved connection's provider."""
        return ConnectionInfo(
            id=0,
            provider=self.provider,
            secret_key="",
            timezone=self.timezone,
            server_url=self.server_url,
            username=self.account,
            calendar_id=chosen.calendar_id if chosen else None,
            calendar_href=self.calendar_href(chosen) if chosen else None,
        )


def calendars_counted_busy(pending: PendingConnection, chosen: CalendarInfo, extra: list[str]) -> list[str]:
    """The calendars whose events count as busy: the chosen one first, then the extra ones, once each."""
    if extra and pending.provider == "caldav":
        raise UserInputError("A CalDAV connection counts only the calendar bookings go to as busy.")
    busy_ids = [chosen.calendar_id]
    for calendar_id in extra:
        extra_id = pending.calendar(calendar_id).calendar_id
        if extra_id not in busy_ids:
            busy_ids.append(extra_id)
    return busy_ids
