"""CalDAV as a :class:`CalendarProvider`: the one class callers build, composed of the parts that work.

Why a thin façade: a CalDAV connection does five different jobs - find calendars and test the
account (:mod:`.discovery`), write booking events with conditional requests (:mod:`.writes`), read
busy time in full or incrementally (:mod:`.busy_import`), list our own events for resync
(:mod:`.own_events`) - over one HTTP session (:mod:`.session`).
Each job is a module of its own that can be read and tested alone; this class only holds the
account's session and the chosen calendar, and hands each call to the part that does it.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import PermanentError
from bizcal_desktop.providers.base import (
    BusyChanges,
    CalendarInfo,
    CalendarProvider,
    ConnectionCheck,
    EventRef,
    EventSpec,
)
from bizcal_desktop.providers.caldav.busy_import import BusyReader
from bizcal_desktop.providers.caldav.discovery import check_connection, discover_calendars
from bizcal_desktop.providers.caldav.own_events import list_own_events
from bizcal_desktop.providers.caldav.session import CalDAVSession
from bizcal_desktop.providers.caldav.writes import EventWriter


class CalDAVProvider(CalendarProvider):
    """One CalDAV account and (once chosen) one calendar collection of it."""

    kind = "caldav"

    def __init__(
        self,
        server_url: str,
        username: str,
        password: str,
        calendar_url: str | None,
        timezone: str,
        timeout: float = 20.0,
        auth_schemes: MutableMapping[str, str] | None = None,
    ) -> None:
        """``auth_schemes``: what each server's login accepted, kept by the caller across providers."""
        self._session = CalDAVSession(server_url, username, password, timeout, auth_schemes)
        self._calendar_url = self._session.absolute_collection(calendar_url) if calendar_url else None
        self._timezone = timezone

    def __repr__(self) -> str:  # never show the password, not even in a debugger or a traceback
        return f"CalDAVProvider(server_url={self._session.server_url!r}, username={self._session.username!r})"

    async def aclose(self) -> None:
        await self._session.aclose()

    def _require_calendar(self) -> str:
        if not self._calendar_url:
            raise PermanentError(
                "No calendar is chosen for this CalDAV connection; open the connection and pick a calendar."
            )
        return self._calendar_url

    def _writer(self) -> EventWriter:
        return EventWriter(self._session, self._require_calendar(), self._timezone)

    def event_url(self, booking_public_id: str) -> str:
        """The resource URL of a booking's event: ``<calendar_url><public_id>.ics``."""
        return self._writer().event_url(booking_public_id)

    async def list_calendars(self) -> list[CalendarInfo]:
        return await discover_calendars(self._session)

    async def test_connection(self) -> ConnectionCheck:
        """Log in, list calendars, and prove a write (probe event created and deleted again)."""
        return await check_connection(self._session, self._calendar_url)

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        return await self._writer().upsert(spec, known)

    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        await self._writer().delete(booking_public_id, known)

    async def list_own_events(self, window: TimeRange) -> dict[str, EventRef]:
        """Our booking events in ``window`` with their ETags: one calendar-query REPORT (:mod:`.own_events`)."""
        return await list_own_events(self._session, self._require_calendar(), window)

    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Busy intervals overlapping ``window``: incremental from ``cursor`` where it still fits.

        A cursor made for another calendar or window, or refused by the server, means a full read
        (``full=True``); see :mod:`.busy_import`.
        """
        reader = BusyReader(self._session, self._require_calendar(), self._timezone)
        return await reader.fetch(window, cursor)
