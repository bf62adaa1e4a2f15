"""Writing a booking's event to CalDAV: conditional PUT and DELETE, and what to do after a lost race.

Why conditional writes everywhere: the event's resource name and UID come from the booking's public
id, so ``If-None-Match: *`` makes a create safe to retry (a 412 means an earlier attempt landed,
and we adopt it), and ``If-Match: <etag>`` makes an update lose cleanly against a concurrent edit
instead of silently overwriting it; we then re-read and write again, our booking being the truth.
An event that already says exactly what we would write is adopted as it is, so a retried create
after a crash costs one GET and never a second event.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bizcal_desktop.errors import ConflictError, PermanentError
from bizcal_desktop.providers.base import EventRef, EventSpec
from bizcal_desktop.providers.caldav.discovery import ICS_CONTENT_TYPE
from bizcal_desktop.providers.caldav.ical_event import load_zone, read_event_summary
from bizcal_desktop.providers.caldav.ical_write import event_text
from bizcal_desktop.providers.caldav.reports import read_getetag
from bizcal_desktop.providers.caldav.session import CalDAVSession

#: How often a conditional write is retried after losing a race before giving up for now.
MAX_WRITE_ATTEMPTS = 3


class _StoredEvent:
    """A calendar object as the server returned it on GET."""

    def __init__(self, etag: str | None, text: str) -> None:
        self.etag = etag
        self.text = text


class EventWriter:
    """Puts and deletes booking events in one calendar collection."""

    def __init__(self, session: CalDAVSession, calendar_url: str, timezone: str) -> None:
        self._session = session
        self._calendar_url = calendar_url
        self._timezone = timezone

    def event_url(self, booking_public_id: str) -> str:
        """The resource URL of a booking's event: ``<calendar_url><public_id>.ics``."""
        return f"{self._calendar_url}{booking_public_id}.ics"

    async def upsert(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        """PUT the booking's event, created or updated; on a lost race re-read and write again.

        Raises ConflictError when the event kept changing (or the server gave no version to write
        against) for :data:`MAX_WRITE_ATTEMPTS` tries; PermanentError when the calendar is gone.
        """
        url = (known.href if known and known.href else None) or self.event_url(spec.booking_public_id)
        body = event_text(spec)
        zone = load_zone(self._timezone) if self._timezone else None
        etag = known.etag if known else None
        for _attempt in range(MAX_WRITE_ATTEMPTS):
            response = await self._put(url, body, if_match=etag)
            status = response.status
            if 200 <= status < 300:
                return await self._written(spec, url, response)
            if status == 404 and etag:
                etag = None  # deleted behind our back: create it again
                continue
            if status == 412:
                adopted, etag = await self._after_lost_race(spec, url, zone)
                if adopted is not None:
                    return adopted
                continue
            if status in (404, 409) and await self._session.calendar_missing(self._calendar_url):
                raise self._session.calendar_gone(self._calendar_url)
            self._session.raise_for_status(response, "saving an event")
        raise ConflictError(
            f"The event {spec.uid} kept changing on {self._session.host} while it was being saved; it will "
            "be tried again."
        )

    async def delete(self, booking_public_id: str, known: EventRef | None) -> None:
        """DELETE the booking's event; one that is already gone (404/410) counts as deleted."""
        url = (known.href if known and known.href else None) or self.event_url(booking_public_id)
        response = await self._session.request("DELETE", url, what="deleting an event")
        if response.status in (404, 410) or 200 <= response.status < 300:
            return
        self._session.raise_for_status(response, "deleting an event")

    async def _after_lost_race(
        self, spec: EventSpec, url: str, zone: ZoneInfo | None
    ) -> tuple[EventRef | None, str | None]:
        """After a 412: (the event adopted as it is, or None; the ETag to write against next).

        The resource exists with another version than we know (or exists at all, on a create):
        read it, keep it if it already says what we would write, else overwrite that version.
        """
        current = await self._get(url)
        if current is None:
            return None, None  # gone meanwhile: create it
        try:
            matches = read_event_summary(current.text, zone).matches(spec)
        except PermanentError:
            matches = False  # unreadable: our content replaces it
        if matches and current.etag:
            return EventRef(external_id=spec.uid, href=url, etag=current.etag), current.etag
        etag = current.etag or await self._etag_of(url)
        if etag is None:
            raise ConflictError(
                f"The server {self._session.host} gave no version for the event {spec.uid}; it will be "
                "tried again."
            )
        return None, etag

    async def _get(self, url: str) -> _StoredEvent | None:
        response = await self._session.request("GET", url, what="reading an event")
        if response.status in (404, 410):
            return None
        self._session.raise_for_status(response, "reading an event")
        return _StoredEvent(response.headers.get("ETag"), response.raw)

    async def _etag_of(self, url: str) -> str | None:
        """The current ETag of a resource, for servers that answer a PUT without one."""
        response = await self._session.propfind_etag(url, "reading an event's version")
        if response.status != 207:
            return None
        return read_getetag(response.tree)

    async def _put(self, url: str, body: str, *, if_match: str | None = None) -> Any:
        headers = {"Content-Type": ICS_CONTENT_TYPE}
        if if_match:
            headers["If-Match"] = if_match
        else:
            headers["If-None-Match"] = "*"
        return await self._session.request("PUT", url, body, headers, what="saving an event")

    async def _written(self, spec: EventSpec, url: str, response: Any) -> EventRef:
        etag = response.headers.get("ETag") or await self._etag_of(url)
        return EventRef(external_id=spec.uid, href=url, etag=etag)
