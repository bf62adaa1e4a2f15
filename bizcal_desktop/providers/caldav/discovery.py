"""Finding a CalDAV account's calendars, and *Test Connection*: can we log in, list, and write?

Why apart from the writes and the import: this is the only part that runs before a connection is
saved, against a URL the user just typed. Its job is to turn every way that can go wrong (not a
CalDAV server, wrong password, no calendars, a read-only calendar) into one sentence the connect
wizard shows, while the sync paths may assume the URL is a calendar collection.

Test Connection proves a write the only honest way: it creates a tiny transparent probe event far
in the future with ``If-None-Match: *`` and deletes it again.

Someone is waiting for the answer, so every call here is bounded by the configured timeout
(``limit``): the library would otherwise spend it twice on a server that never answers, and a TLS
handshake ignores it. Trying again and the overall deadline are the connect flow's to decide
(:mod:`bizcal_desktop.services.connect_retry`); the failure travels in ``ConnectionCheck.error``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import icalendar

from bizcal_desktop.errors import AuthError, PermanentError, ProviderError
from bizcal_desktop.providers.base import UID_DOMAIN, CalendarInfo, ConnectionCheck
from bizcal_desktop.providers.caldav.session import CalDAVSession, NotCalDAVError
from bizcal_desktop.redaction import redact

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
_PRINCIPAL_PROPS = ["{DAV:}current-user-principal"]


async def discover_calendars(session: CalDAVSession) -> list[CalendarInfo]:
    """The account's calendars: principal, calendar home, then each collection's display name."""
    client = session.client()
    limit = session.timeout
    probe = await session.guard(client.propfind(session.server_url, props=_PRINCIPAL_PROPS, depth=0),
                                "looking for your account", limit)
    status = probe.status
    if status in (401, 403):
        raise session.auth_error(status)
    if status == 429 or status >= 500:
        session.raise_for_status(probe, "looking for your account")
    if status != 207:
        raise NotCalDAVError(
            f"{session.server_url} answered {status} and is not a CalDAV server; check the address "
            "(for example https://caldav.icloud.com/ or https://HOST/remote.php/dav)."
        )
    principal = await session.guard(client.get_principal(), "looking for your account", limit)
    calendars = await session.guard(client.get_calendars(principal), "listing your calendars", limit)
    infos = []
    for calendar in calendars:
        url = session.absolute_collection(str(calendar.url))
        # cached from the calendar-home PROPFIND, so no request per calendar
        display = await session.guard(calendar.get_display_name(), "reading a calendar's name", limit)
        name = display or url.rstrip("/").rsplit("/", 1)[-1]
        infos.append(CalendarInfo(calendar_id=url, name=str(name), href=url))
    return infos


async def check_connection(session: CalDAVSession, calendar_url: str | None) -> ConnectionCheck:
    """Log in, list calendars, and prove a write into ``calendar_url`` (or the first calendar)."""
    calendars: list[CalendarInfo] = []
    try:
        calendars = await discover_calendars(session)
        if not calendars and not calendar_url:
            return ConnectionCheck(
                ok=False,
                message=(
                    f"The account {session.username} at {session.host} has no calendars; create one in "
                    "your calendar app, then test again."
                ),
            )
        await probe_write(session, calendar_url or calendars[0].calendar_id)
    except ProviderError as exc:  # every failure is already one human sentence
        return ConnectionCheck(ok=False, message=redact(str(exc)), calendars=calendars, error=exc)
    names = ", ".join(c.name for c in calendars)
    return ConnectionCheck(
        ok=True,
        message=f"Connected to {session.host} as {session.username}; calendars: {names}.",
        calendars=calendars,
    )


async def probe_write(session: CalDAVSession, calendar_url: str) -> None:
    """PUT a tiny event with If-None-Match: * into ``calendar_url`` and DELETE it again."""
    calendar_url = session.absolute_collection(calendar_url)
    probe_id = f"bizcal-probe-{uuid.uuid4().hex}"
    url = f"{calendar_url}{probe_id}.ics"
    response = await session.request(
        "PUT", url, _probe_ics(probe_id),
        {"Content-Type": ICS_CONTENT_TYPE, "If-None-Match": "*"}, what="writing a test event",
        limit=session.timeout,
    )
    status = response.status
    if status in (404, 409):
        raise PermanentError(
            f"The calendar {calendar_url} does not exist on {session.host}; choose another calendar."
        )
    if status == 403:
        raise AuthError(
            f"The account {session.username} may not write to the calendar {calendar_url}; choose a "
            "calendar you can edit."
        )
    session.raise_for_status(response, "writing a test event")
    deleted = await session.request("DELETE", url, what="deleting the test event", limit=session.timeout)
    if deleted.status not in (404, 410):
        session.raise_for_status(deleted, "deleting the test event")


def _probe_ics(probe_id: str) -> str:
    """A one-minute transparent event ten years ahead: invisible as busy time, easy to recognise."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//BizCal Desktop//Connection Test//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    now = datetime.now(UTC).replace(microsecond=0)
    event.add("uid", f"{probe_id}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("dtstart", now + timedelta(days=3650))
    event.add("dtend", now + timedelta(days=3650, minutes=1))
    event.add("summary", "BizCal connection test")
    event.add("transp", "TRANSPARENT")
    calendar.add_component(event)
    return str(calendar.to_ical().decode("utf-8"))
