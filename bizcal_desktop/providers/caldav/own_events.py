"""Which of our booking events a CalDAV calendar still holds, and at which version: one REPORT.

Why so small a read: resync only needs to know, per booking, whether its event is still there and
whether its ETag is still the one we wrote. A booking's resource name is ``<public id>.ics`` and its
UID ``<public id>@bizcal-desktop`` (see :mod:`.writes`), so one ``calendar-query`` that filters on
the UID suffix and the window and asks only for ``getetag`` answers both questions, without any
calendar data on the wire. A server that ignores the UID filter still cannot make a foreign event
look like ours: only resource names derived from a booking id count.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.providers.base import UID_DOMAIN, EventRef, booking_uid
from bizcal_desktop.providers.caldav.reports import XML_CONTENT_TYPE, own_events_query_body, read_etags
from bizcal_desktop.providers.caldav.session import CalDAVSession

#: The resource name of a booking's event: its public id (uuid4 hex) and ``.ics``.
_OWN_NAME = re.compile(r"^([0-9a-f]{32})\.ics$")


def booking_of_href(href: str) -> str | None:
    """The booking public id a resource URL was derived from, or None for anyone else's resource."""
    match = _OWN_NAME.match(unquote(urlsplit(href).path.rsplit("/", 1)[-1]))
    return match.group(1) if match else None


async def list_own_events(session: CalDAVSession, calendar_url: str, window: TimeRange) -> dict[str, EventRef]:
    """Booking public id -> reference of each of our events overlapping ``window`` (one REPORT).

    Raises NotFoundError when the collection itself is gone, else what the session raises.
    """
    what = "listing the booking events"
    response = await session.request("REPORT", calendar_url, own_events_query_body(window, f"@{UID_DOMAIN}"),
                                     {"Depth": "1", "Content-Type": XML_CONTENT_TYPE}, what)
    if response.status in (404, 410):
        raise session.calendar_gone(calendar_url)
    if response.status != 207:
        session.raise_for_status(response, what)
    found: dict[str, EventRef] = {}
    for href, etag in read_etags(getattr(response, "tree", None), calendar_url).items():
        public_id = booking_of_href(href)
        if public_id is not None:
            found[public_id] = EventRef(external_id=booking_uid(public_id), href=href, etag=etag)
    return found
