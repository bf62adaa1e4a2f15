"""CalDAV provider: bookings written as conditional PUTs, busy time read with a time-range REPORT.

Why conditional writes everywhere: the event's resource name and UID come from the booking's public
id, so ``If-None-Match: *`` makes a create safe to retry (a 412 means an earlier attempt landed, and
we adopt it), and ``If-Match: <etag>`` makes an update lose cleanly against a concurrent edit
instead of silently overwriting it; we then re-read and write again, our booking being the truth.

Discovery (principal, calendar home, calendars) goes through the ``caldav`` library's async client;
single-resource requests use its raw ``request`` so we see every status and header ourselves.
The library's own rate-limit sleeping is off: the sync engine does the backoff, honouring the
``retry_after`` we put on :class:`~bizcal_desktop.errors.TransientError`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
import icalendar
from caldav.async_davclient import AsyncDAVClient
from caldav.lib import error as dav_error
from lxml import etree

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import (
    AuthError,
    ConflictError,
    PermanentError,
    ProviderError,
    SyncTokenExpiredError,
    TransientError,
)
from bizcal_desktop.providers.base import (
    BusyChanges,
    BusyInterval,
    CalendarInfo,
    CalendarProvider,
    ConnectionCheck,
    EventRef,
    EventSpec,
)
from bizcal_desktop.providers.caldav_sync import (
    VALID_SYNC_TOKEN,
    ResourceData,
    SyncCursor,
    SyncReport,
    calendar_query_body,
    multiget_body,
    names_valid_sync_token,
    read_calendar_data,
    read_sync_report,
    read_sync_token,
    sync_collection_body,
    sync_token_propfind_body,
)
from bizcal_desktop.providers.http_errors import parse_retry_after
from bizcal_desktop.providers.ical_busy import MalformedCalendarData, busy_from_ical
from bizcal_desktop.providers.ical_event import build_ics, load_zone, read_event_summary
from bizcal_desktop.redaction import redact

log = logging.getLogger(__name__)

T = TypeVar("T")

_ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
_GETETAG_PROPS = ["{DAV:}getetag"]
_PRINCIPAL_PROPS = ["{DAV:}current-user-principal"]
#: How often a conditional write is retried after losing a race before giving up for now.
_MAX_WRITE_ATTEMPTS = 3
_SERVER_TEXT_LIMIT = 200
_XML_CONTENT_TYPE = 'application/xml; charset="utf-8"'
#: Resources fetched per calendar-multiget: keeps one answer a few hundred kB at most.
_MULTIGET_BATCH = 100
#: sync-collection pages followed when a server truncates its answer (RFC 6578 §3.6).
_MAX_SYNC_PAGES = 50


class _NotCalDAVError(PermanentError):
    """The URL answered, but not as a CalDAV server (HTML page, 404, no DAV multistatus)."""


class _CalendarResource:
    """A calendar object as the server returned it on GET."""

    def __init__(self, etag: str | None, text: str) -> None:
        self.etag = etag
        self.text = text


def _trimmed(text: str) -> str:
    """Server text made fit for a one-line message: whitespace collapsed, cut, secrets masked."""
    flat = " ".join(text.split())
    if len(flat) > _SERVER_TEXT_LIMIT:
        flat = flat[: _SERVER_TEXT_LIMIT - 1] + "…"
    return redact(flat)


def _is_tls_error(exc: BaseException) -> bool:
    """True when ``exc`` (or anything in its cause chain) is a TLS/certificate failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError) or "SSL" in type(current).__name__:
            return True
        text = str(current)
        if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text or "SSLError" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


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
    ) -> None:
        self._server_url = server_url
        self._username = username
        self._password = password
        self._calendar_url = self._absolute_collection(calendar_url) if calendar_url else None
        self._timezone = timezone
        self._timeout = timeout
        self._client: AsyncDAVClient | None = None
        # The caldav client learns the auth scheme from the first 401 and, seeing a second 401
        # while it already has an auth object, closes and replaces its HTTP session - failing
        # every request still in flight on it ("Pool is closed"). So requests go one at a time
        # until one has completed; after that the scheme is known and they may run concurrently.
        self._auth_settled = False
        self._auth_lock = asyncio.Lock()
        host = urlsplit(server_url).hostname or server_url
        self._host = host

    def __repr__(self) -> str:  # never show the password, not even in a debugger or a traceback
        return f"CalDAVProvider(server_url={self._server_url!r}, username={self._username!r})"

    # ---------------------------------------------------------------- plumbing

    def _absolute_collection(self, url: str) -> str:
        absolute = urljoin(self._server_url, url)
        return absolute if absolute.endswith("/") else absolute + "/"

    def _dav(self) -> AsyncDAVClient:
        if self._client is None:
            self._client = AsyncDAVClient(
                url=self._server_url,
                username=self._username,
                password=self._password,
                timeout=self._timeout,  # type: ignore[arg-type] - the HTTP layer takes float seconds
                enable_rfc6764=False,  # the URL is already resolved; discovery would block the loop
                rate_limit_handle=False,  # our engine does the backoff
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        self._auth_settled = False
        if client is not None:
            await client.close()

    def _require_calendar(self) -> str:
        if not self._calendar_url:
            raise PermanentError(
                "No calendar is chosen for this CalDAV connection; open the connection and pick a calendar."
            )
        return self._calendar_url

    def event_url(self, booking_public_id: str) -> str:
        """The resource URL of a booking's event: ``<calendar_url><public_id>.ics``."""
        return f"{self._require_calendar()}{booking_public_id}.ics"

    def _auth_error(self, status: int | None) -> AuthError:
        if status == 403:
            return AuthError(
                f"The server {self._host} refused access for {self._username}; check that this account "
                "may use the calendar, or connect it again with the right username and app-specific password."
            )
        return AuthError(
            f"The server refused the username or app-specific password for {self._username} at "
            f"{self._host}; check them (iCloud needs an app-specific password from appleid.apple.com) "
            "and connect again."
        )

    def _network_error(self, exc: BaseException) -> TransientError:
        if _is_tls_error(exc):
            return TransientError(
                f"The secure (TLS) connection to {self._host} failed ({type(exc).__name__}); check the "
                "server address and your system's certificates, then try again."
            )
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)) or "timeout" in type(exc).__name__.lower() \
                or "timed out" in str(exc).lower():
            return TransientError(f"The calendar server {self._host} did not answer in time; it will be tried again.")
        return TransientError(
            f"Could not reach the calendar server {self._host}; check the address and your network connection."
        )

    async def _guard(self, awaitable: Awaitable[T], what: str) -> T:
        """Await a client call and translate every failure into our error types."""
        try:
            if self._auth_settled:
                return await awaitable
            async with self._auth_lock:
                result = await awaitable
                self._auth_settled = True
                return result
        except ProviderError:
            raise
        except dav_error.RateLimitError as exc:
            raise TransientError(
                f"The calendar server {self._host} asked us to slow down while {what}; it will be tried again.",
                retry_after=exc.retry_after_seconds,
            ) from None
        except dav_error.AuthorizationError as exc:
            raise self._auth_error(exc.status) from None
        except dav_error.DAVError as exc:
            status = exc.status
            if status is not None and (status >= 500 or status == 429):
                raise TransientError(
                    f"The calendar server {self._host} had a problem ({status}) while {what}; it will be tried again."
                ) from None
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
            if status == 404:
                raise _NotCalDAVError(
                    f"{self._server_url} answered 404 while {what}; check that it is the CalDAV address of "
                    "your calendar service."
                ) from None
            raise PermanentError(
                f"The calendar server {self._host} refused {what} ({status or 'no status'}): "
                f"{_trimmed(body) or type(exc).__name__}."
            ) from None
        except etree.LxmlError:
            raise PermanentError(
                f"The server {self._host} sent XML that cannot be read while {what}; check that the "
                "address is a CalDAV server."
            ) from None
        except (httpx.TransportError, OSError) as exc:
            # niquests' exceptions are OSErrors; ConnectionResetError and socket timeouts too.
            log.info("CalDAV %s failed: %s", what, redact(str(exc))[:300])
            raise self._network_error(exc) from None

    async def _request(self, method: str, url: str, body: str = "", headers: Mapping[str, str] | None = None,
                       what: str = "") -> object:
        return await self._guard(self._dav().request(url, method, body, dict(headers or {})), what or method)

    def _raise_for_status(self, response: object, what: str) -> None:
        """Translate a non-success status that the caller does not handle itself."""
        status: int = response.status  # type: ignore[attr-defined]
        if 200 <= status < 300:
            return
        headers = response.headers  # type: ignore[attr-defined]
        if status == 429 or status >= 500:
            raise TransientError(
                f"The calendar server {self._host} answered {status} while {what}; it will be tried again.",
                retry_after=parse_retry_after(headers.get("Retry-After")),
            )
        if status in (401, 403):
            raise self._auth_error(status)
        raw = response.raw if hasattr(response, "raw") else ""  # type: ignore[attr-defined]
        raise PermanentError(
            f"The calendar server {self._host} refused {what} ({status}): {_trimmed(str(raw)) or 'no details'}."
        )

    async def _calendar_missing(self) -> bool:
        """True when the chosen collection itself is gone (so a 404/409 is about it, not one event)."""
        url = self._require_calendar()
        response = await self._guard(self._dav().propfind(url, props=_GETETAG_PROPS, depth=0),
                                     "checking the calendar")
        return response.status in (404, 410)  # type: ignore[attr-defined]

    def _calendar_gone_error(self) -> PermanentError:
        return PermanentError(
            f"The calendar {self._calendar_url} no longer exists on {self._host}; choose another calendar "
            "for this connection."
        )

    # ---------------------------------------------------------------- discovery

    async def _discover(self) -> list[CalendarInfo]:
        client = self._dav()
        probe = await self._guard(client.propfind(self._server_url, props=_PRINCIPAL_PROPS, depth=0),
                                  "looking for your account")
        status = probe.status
        if status in (401, 403):
            raise self._auth_error(status)
        if status == 429 or status >= 500:
            self._raise_for_status(probe, "looking for your account")
        if status != 207:
            raise _NotCalDAVError(
                f"{self._server_url} answered {status} and is not a CalDAV server; check the address "
                "(for example https://caldav.icloud.com/ or https://HOST/remote.php/dav)."
            )
        principal = await self._guard(client.get_principal(), "looking for your account")
        calendars = await self._guard(client.get_calendars(principal), "listing your calendars")
        infos = []
        for calendar in calendars:
            url = self._absolute_collection(str(calendar.url))
            # cached from the calendar-home PROPFIND, so no request per calendar
            display = await self._guard(calendar.get_display_name(), "reading a calendar's name")
            name = display or url.rstrip("/").rsplit("/", 1)[-1]
            infos.append(CalendarInfo(calendar_id=url, name=str(name), href=url))
        return infos

    async def list_calendars(self) -> list[CalendarInfo]:
        return await self._discover()

    async def test_connection(self) -> ConnectionCheck:
        """Log in, list calendars, and prove a write (probe event created and deleted again)."""
        calendars: list[CalendarInfo] = []
        try:
            calendars = await self._discover()
            if not calendars and not self._calendar_url:
                return ConnectionCheck(
                    ok=False,
                    message=(
                        f"The account {self._username} at {self._host} has no calendars; create one in "
                        "your calendar app, then test again."
                    ),
                )
            target = self._calendar_url or calendars[0].calendar_id
            await self._probe_write(target)
        except ProviderError as exc:  # every failure is already one human sentence
            return ConnectionCheck(ok=False, message=redact(str(exc)), calendars=calendars)
        names = ", ".join(c.name for c in calendars)
        return ConnectionCheck(
            ok=True,
            message=f"Connected to {self._host} as {self._username}; calendars: {names}.",
            calendars=calendars,
        )

    async def _probe_write(self, calendar_url: str) -> None:
        """PUT a tiny event with If-None-Match: * into ``calendar_url`` and DELETE it again."""
        calendar_url = self._absolute_collection(calendar_url)
        probe_id = f"bizcal-probe-{uuid.uuid4().hex}"
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//BizCal Desktop//Connection Test//EN")
        calendar.add("version", "2.0")
        event = icalendar.Event()
        now = datetime.now(UTC).replace(microsecond=0)
        event.add("uid", f"{probe_id}@bizcal-desktop")
        event.add("dtstamp", now)
        event.add("dtstart", now + timedelta(days=3650))
        event.add("dtend", now + timedelta(days=3650, minutes=1))
        event.add("summary", "BizCal connection test")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
        url = f"{calendar_url}{probe_id}.ics"
        response = await self._request(
            "PUT", url, calendar.to_ical().decode("utf-8"),
            {"Content-Type": _ICS_CONTENT_TYPE, "If-None-Match": "*"}, what="writing a test event",
        )
        status = response.status  # type: ignore[attr-defined]
        if status in (404, 409):
            raise PermanentError(
                f"The calendar {calendar_url} does not exist on {self._host}; choose another calendar."
            )
        if status == 403:
            raise AuthError(
                f"The account {self._username} may not write to the calendar {calendar_url}; choose a "
                "calendar you can edit."
            )
        self._raise_for_status(response, "writing a test event")
        deleted = await self._request("DELETE", url, what="deleting the test event")
        if deleted.status not in (404, 410):  # type: ignore[attr-defined]
            self._raise_for_status(deleted, "deleting the test event")

    # ---------------------------------------------------------------- events

    async def _get(self, url: str) -> _CalendarResource | None:
        response = await self._request("GET", url, what="reading an event")
        status = response.status  # type: ignore[attr-defined]
        if status in (404, 410):
            return None
        self._raise_for_status(response, "reading an event")
        return _CalendarResource(response.headers.get("ETag"), response.raw)  # type: ignore[attr-defined]

    async def _etag_of(self, url: str) -> str | None:
        """The current ETag of a resource, for servers that answer a PUT without one."""
        response = await self._guard(self._dav().propfind(url, props=_GETETAG_PROPS, depth=0),
                                     "reading an event's version")
        if response.status != 207 or not response.results:  # type: ignore[attr-defined]
            return None
        for result in response.results:  # type: ignore[attr-defined]
            etag = result.properties.get("{DAV:}getetag")
            if etag:
                return str(etag)
        return None

    async def _put(self, url: str, body: str, *, if_match: str | None = None) -> object:
        headers = {"Content-Type": _ICS_CONTENT_TYPE}
        if if_match:
            headers["If-Match"] = if_match
        else:
            headers["If-None-Match"] = "*"
        return await self._request("PUT", url, body, headers, what="saving an event")

    async def _written(self, spec: EventSpec, url: str, response: object) -> EventRef:
        etag = response.headers.get("ETag") or await self._etag_of(url)  # type: ignore[attr-defined]
        return EventRef(external_id=spec.uid, href=url, etag=etag)

    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        url = (known.href if known and known.href else None) or self.event_url(spec.booking_public_id)
        body = build_ics(spec)
        zone = load_zone(self._timezone) if self._timezone else None
        etag = known.etag if known else None
        for _attempt in range(_MAX_WRITE_ATTEMPTS):
            response = await self._put(url, body, if_match=etag)
            status = response.status  # type: ignore[attr-defined]
            if 200 <= status < 300:
                return await self._written(spec, url, response)
            if status == 404 and etag:
                etag = None  # deleted behind our back: create it again
                continue
            if status == 412:
                # The resource exists with another version than we know (or exists at all, on a
                # create): read it, keep it if it already says what we would write, else overwrite.
                current = await self._get(url)
                if current is None:
                    etag = None
                    continue
                try:
                    matches = read_event_summary(current.text, zone).matches(spec)
                except PermanentError:
                    matches = False  # unreadable: our content replaces it
                if matches and current.etag:
                    return EventRef(external_id=spec.uid, href=url, etag=current.etag)
                etag = current.etag or await self._etag_of(url)
                if etag is None:
                    raise ConflictError(
                        f"The server {self._host} gave no version for the event {spec.uid}; it will be tried again."
                    )
                continue
            if status in (404, 409) and await self._calendar_missing():
                raise self._calendar_gone_error()
            self._raise_for_status(response, "saving an event")
        raise ConflictError(
            f"The event {spec.uid} kept changing on {self._host} while it was being saved; it will be tried again."
        )

    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        url = (known.href if known and known.href else None) or self.event_url(booking_public_id)
        response = await self._request("DELETE", url, what="deleting an event")
        status = response.status  # type: ignore[attr-defined]
        if status in (404, 410) or 200 <= status < 300:
            return
        self._raise_for_status(response, "deleting an event")

    # ---------------------------------------------------------------- busy time
    #
    # Request budget (counted in BusyChanges.requests, one per HTTP exchange, including the
    # 401 challenge a new client meets before it knows the auth scheme):
    #   full read        PROPFIND sync-token + calendar-query                    = 2
    #   nothing changed  sync-collection                                         = 1
    #   k changes        sync-collection + ceil(k / _MULTIGET_BATCH) multigets
    # The token is read *before* the calendar-query, so a change racing the full read is reported
    # again by the next incremental read (harmless) instead of being lost.

    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Busy intervals overlapping ``window``: incremental from ``cursor`` where it still fits.

        ``cursor`` (see :class:`~bizcal_desktop.providers.caldav_sync.SyncCursor`) is used only
        when it was made for this calendar and exactly this window; otherwise, or when there is
        none, a full time-range read is done. Raises SyncTokenExpiredError when the server refuses
        the token; the caller then calls again with ``cursor=None``.
        """
        calendar_url = self._require_calendar()
        utc_window = window.to_utc()
        meter = _RequestMeter(self)
        previous = SyncCursor.decode(cursor)
        if cursor and previous is None:
            log.info("Unreadable import cursor for %s; doing a full read", calendar_url)
        if previous is not None and previous.fits(utc_window, calendar_url):
            return await self._fetch_incremental(calendar_url, utc_window, previous, meter)
        return await self._fetch_full(calendar_url, utc_window, meter)

    async def _fetch_full(self, calendar_url: str, window: TimeRange, meter: _RequestMeter) -> BusyChanges:
        """Every event overlapping ``window`` (one calendar-query REPORT) plus a token for next time."""
        token = await self._current_sync_token(calendar_url, meter)
        response = await meter.send("REPORT", calendar_url, calendar_query_body(window),
                                    {"Depth": "1", "Content-Type": _XML_CONTENT_TYPE}, "reading busy times")
        status = response.status  # type: ignore[attr-defined]
        if status in (404, 410):
            raise self._calendar_gone_error()
        if status != 207:
            self._raise_for_status(response, "reading busy times")
        resources = read_calendar_data(getattr(response, "tree", None), calendar_url)
        upserts: dict[str, list[BusyInterval]] = {}
        own_events: dict[str, str] = {}
        own_times: dict[str, tuple[datetime, datetime]] = {}
        readable = [(r.href, r.data) for r in resources if r.status == 200 and r.data is not None]
        await asyncio.to_thread(self._parse_all, readable, window, upserts, own_events, False, own_times)
        next_cursor = SyncCursor(token, calendar_url, window).encode() if token else None
        return BusyChanges(full=True, upserts=upserts, own_events=own_events, own_times=own_times,
                           cursor=next_cursor, requests=meter.count)

    async def _current_sync_token(self, calendar_url: str, meter: _RequestMeter) -> str | None:
        """The collection's DAV:sync-token, or None when the server offers none (then every read is full).

        Best effort: a server without RFC 6578 answers 404/501 or leaves the property out, and the
        import still works, only without the incremental shortcut. Network and auth failures raise.
        """
        response = await meter.send("PROPFIND", calendar_url, sync_token_propfind_body(),
                                    {"Depth": "0", "Content-Type": _XML_CONTENT_TYPE}, "reading the sync token")
        if response.status != 207:  # type: ignore[attr-defined]
            return None
        return read_sync_token(getattr(response, "tree", None))

    async def _fetch_incremental(self, calendar_url: str, window: TimeRange, previous: SyncCursor,
                                 meter: _RequestMeter) -> BusyChanges:
        """sync-collection from the stored token, then the changed resources by calendar-multiget."""
        token = previous.token
        changed: set[str] = set()
        removed: set[str] = set()
        for _page in range(_MAX_SYNC_PAGES):
            report = await self._sync_report(calendar_url, token, meter)
            changed = (changed - report.removed) | report.changed
            removed = (removed - report.changed) | report.removed
            if report.token is None:
                raise SyncTokenExpiredError(
                    f"The calendar server {self._host} sent no new sync token; the calendar will be read in full."
                )
            token = report.token
            if not report.truncated:
                break
        upserts: dict[str, list[BusyInterval]] = {}
        own_events: dict[str, str] = {}
        own_times: dict[str, tuple[datetime, datetime]] = {}
        unread: set[str] = set()
        ordered = sorted(changed)
        for first in range(0, len(ordered), _MULTIGET_BATCH):
            batch = ordered[first:first + _MULTIGET_BATCH]
            got = await self._multiget(calendar_url, batch, meter)
            readable = []
            for href in batch:
                resource = got.get(href)
                if resource is None or resource.status != 200 or resource.data is None:
                    unread.add(href)
                else:
                    readable.append((href, resource.data))
            await asyncio.to_thread(self._parse_all, readable, window, upserts, own_events, True, own_times)
        if unread:
            # Gone or unreadable since the report (or the server skipped them): keep the old token so
            # the next import is told about them again, rather than losing the change until tomorrow.
            log.info("%d changed calendar resource(s) could not be read yet; they are asked for again "
                     "next time", len(unread))
            token = previous.token
        return BusyChanges(full=False, upserts=upserts, removed=removed, own_events=own_events,
                           own_times=own_times, cursor=SyncCursor(token, calendar_url, window).encode(),
                           requests=meter.count)

    async def _sync_report(self, calendar_url: str, token: str, meter: _RequestMeter) -> SyncReport:
        """One sync-collection REPORT; a refused token becomes SyncTokenExpiredError."""
        refused = SyncTokenExpiredError(
            f"The calendar server {self._host} no longer accepts the stored sync token; the calendar will "
            "be read in full."
        )
        try:
            response = await meter.send("REPORT", calendar_url, sync_collection_body(token),
                                        {"Depth": "0", "Content-Type": _XML_CONTENT_TYPE},
                                        "reading calendar changes", refused=refused)
        except AuthError:
            raise
        except PermanentError as exc:
            # An answer we cannot use (unreadable XML, an odd refusal) must not leave the import stuck
            # on this token forever: the full read that follows either works or says what is wrong.
            log.info("sync-collection on %s failed (%s); reading in full", calendar_url, exc)
            raise refused from None
        status = response.status  # type: ignore[attr-defined]
        tree = getattr(response, "tree", None)
        if status in (404, 410):
            raise self._calendar_gone_error()
        # RFC 6578 says 403/409 with DAV:valid-sync-token; some servers answer 412, 400 or even 500.
        if status == 500 or (status in (400, 403, 409, 412) and names_valid_sync_token(tree)):
            raise refused
        if status != 207:
            self._raise_for_status(response, "reading calendar changes")
        return read_sync_report(tree, calendar_url)

    async def _multiget(self, calendar_url: str, hrefs: list[str], meter: _RequestMeter) -> dict[str, ResourceData]:
        response = await meter.send("REPORT", calendar_url, multiget_body(hrefs),
                                    {"Content-Type": _XML_CONTENT_TYPE}, "reading changed events")
        status = response.status  # type: ignore[attr-defined]
        if status in (404, 410):
            raise self._calendar_gone_error()
        if status != 207:
            self._raise_for_status(response, "reading changed events")
        return {r.href: r for r in read_calendar_data(getattr(response, "tree", None), calendar_url)}

    def _parse_all(self, resources: list[tuple[str, str]], window: TimeRange,
                   upserts: dict[str, list[BusyInterval]], own_events: dict[str, str], incremental: bool,
                   own_times: dict[str, tuple[datetime, datetime]] | None = None) -> None:
        """Parse a batch in a worker thread: parsing and recurrence expansion cost ~1-2 ms per
        resource, so a full read of a big calendar would otherwise stall the app's event loop."""
        for href, data in resources:
            self._parse_into(href, data, window, upserts, own_events, incremental=incremental,
                             own_times=own_times)

    def _own_event_times(self, data: str) -> tuple[datetime, datetime] | None:
        """Where one of our booking events is now (it may have been moved in the calendar app)."""
        try:
            summary = read_event_summary(data, load_zone(self._timezone))
        except PermanentError:
            return None
        if summary.start is None or summary.end is None or summary.end <= summary.start:
            return None
        return summary.start, summary.end

    def _parse_into(self, href: str, data: str, window: TimeRange, upserts: dict[str, list[BusyInterval]],
                    own_events: dict[str, str], *, incremental: bool,
                    own_times: dict[str, tuple[datetime, datetime]] | None = None) -> None:
        """Parse one resource into ``upserts`` / ``own_events``.

        In an incremental read an unreadable resource or one of our own events is recorded as
        "no busy time" (an empty list) so a block it produced before is dropped, exactly as the
        next full read would drop it; in a full read leaving it out has that effect already.
        """
        try:
            parsed = busy_from_ical(data, window, load_zone(self._timezone))
        except MalformedCalendarData:
            log.warning("Skipped a calendar resource that is not valid iCalendar (%s)", href)
            if incremental:
                upserts[href] = []
            return
        if parsed.own_uid:
            own_events[href] = parsed.own_uid
            times = self._own_event_times(data) if own_times is not None else None
            if own_times is not None and times is not None:
                own_times[href] = times
            if incremental:
                upserts[href] = []
        else:
            upserts[href] = parsed.intervals


class _RequestMeter:
    """Sends a provider's requests and counts every HTTP exchange they cost, honestly.

    A new client does not know the auth scheme yet: its first request is answered 401 and sent
    again with credentials. That challenge is a real round trip, so it is counted too.
    """

    def __init__(self, provider: CalDAVProvider) -> None:
        self._provider = provider
        self.count = 0

    async def send(self, method: str, url: str, body: str, headers: Mapping[str, str], what: str,
                   refused: SyncTokenExpiredError | None = None) -> object:
        client = self._provider._dav()
        unauthenticated = client.auth is None
        self.count += 1
        try:
            return await self._provider._guard(_refusal_aware(client.request(url, method, body, dict(headers)),
                                                              refused), what)
        finally:
            if unauthenticated and client.auth is not None:
                self.count += 1


async def _refusal_aware(awaitable: Awaitable[T], refused: SyncTokenExpiredError | None) -> T:
    """Await a request, turning a raised DAV:valid-sync-token refusal into ``refused``.

    The caldav client raises 401/403 answers as AuthorizationError before we see them, and RFC 6578
    lets a server refuse a token with 403; its precondition element is what tells the two apart.
    """
    try:
        return await awaitable
    except dav_error.DAVError as exc:
        if refused is not None and VALID_SYNC_TOKEN in (exc.preconditions or []):
            raise refused from None
        raise
