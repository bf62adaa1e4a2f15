"""Reading busy time from a CalDAV calendar: a full time-range read, or only what changed since a token.

Why two reads: a ``calendar-query`` REPORT over the window is always right but sends every event;
an RFC 6578 ``sync-collection`` REPORT from the last token sends only the resources that changed,
which is what the periodic import wants. The token is only used for the exact window (and calendar)
it was made for (see :mod:`bizcal_desktop.providers.cursor`), and a server that refuses it - some
answer 403/409 with DAV:valid-sync-token as RFC 6578 says, some 412, 400 or even 500 - gets a full
read instead, inside this module: callers only ever see :class:`~bizcal_desktop.providers.base.BusyChanges`.

Request budget (counted in ``BusyChanges.requests``, one per HTTP exchange, including a 401
challenge where credentials cannot be sent up front - see :mod:`.transport`):

=================  ==========================================================
full read          PROPFIND sync-token + calendar-query                    = 2
nothing changed    sync-collection                                         = 1
k changes          sync-collection + ceil(k / MULTIGET_BATCH) multigets
refused token      the refused sync-collection + a full read               = 3
=================  ==========================================================

The token is read *before* the calendar-query, so a change racing the full read is reported again
by the next incremental read (harmless) instead of being lost. Reading the XML answer, parsing
and recurrence expansion run in a worker thread (a large calendar's answer is megabytes), so a big
calendar never stalls the app's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError, PermanentError
from bizcal_desktop.providers.base import BusyChanges, BusyInterval, SkippedEvent
from bizcal_desktop.providers.caldav.ical_busy import MalformedCalendarData, busy_from_ical
from bizcal_desktop.providers.caldav.ical_event import load_zone, read_event_summary
from bizcal_desktop.providers.caldav.reports import (
    XML_CONTENT_TYPE,
    ResourceData,
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
from bizcal_desktop.providers.caldav.session import CalDAVSession, RequestMeter
from bizcal_desktop.providers.cursor import CursorRefused, WindowCursor, incremental_or_full, usable_cursor

log = logging.getLogger(__name__)

#: Resources fetched per calendar-multiget: keeps one answer a few hundred kB at most.
MULTIGET_BATCH = 100
#: sync-collection pages followed when a server truncates its answer (RFC 6578 §3.6).
MAX_SYNC_PAGES = 50


@dataclass
class _Findings:
    """What the parsed resources of one read said, by source key (the resource URL)."""

    upserts: dict[str, list[BusyInterval]] = field(default_factory=dict)
    own_events: dict[str, str] = field(default_factory=dict)
    own_times: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    skipped: list[SkippedEvent] = field(default_factory=list)


class BusyReader:
    """Reads one calendar collection's busy time for a window."""

    def __init__(self, session: CalDAVSession, calendar_url: str, timezone: str) -> None:
        self._session = session
        self._calendar_url = calendar_url
        self._timezone = timezone

    async def fetch(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Incremental from ``cursor`` when it fits this calendar and window, else (or if refused) full."""
        utc_window = window.to_utc()
        meter = RequestMeter(self._session)
        service = f"The calendar server {self._session.host}"
        previous = usable_cursor(cursor, utc_window, [self._calendar_url], service)
        incremental = None
        if previous is not None:
            incremental = partial(self._fetch_incremental, utc_window, previous.tokens[self._calendar_url], meter)
        return await incremental_or_full(incremental, partial(self._fetch_full, utc_window, meter), service)

    # ---------------------------------------------------------------- full read

    async def _fetch_full(self, window: TimeRange, meter: RequestMeter) -> BusyChanges:
        """Every event overlapping ``window`` (one calendar-query REPORT) plus a token for next time."""
        token = await self._current_sync_token(meter)
        response = await meter.send("REPORT", self._calendar_url, calendar_query_body(window),
                                    {"Depth": "1", "Content-Type": XML_CONTENT_TYPE}, "reading busy times")
        self._check_multistatus(response, "reading busy times")
        resources = await asyncio.to_thread(self._resources, response, "reading busy times")
        readable = [(r.href, r.data) for r in resources if r.status == 200 and r.data is not None]
        found = _Findings()
        await asyncio.to_thread(self._parse_all, readable, window, found, False)
        return BusyChanges(full=True, upserts=found.upserts, own_events=found.own_events,
                           own_times=found.own_times, cursor=self._cursor(token, window), requests=meter.count,
                           skipped=found.skipped)

    async def _current_sync_token(self, meter: RequestMeter) -> str | None:
        """The collection's DAV:sync-token, or None when the server offers none (then every read is full).

        Best effort: a server without RFC 6578 answers 404/501 or leaves the property out, and the
        import still works, only without the incremental shortcut. Network and auth failures raise.
        """
        response = await meter.send("PROPFIND", self._calendar_url, sync_token_propfind_body(),
                                    {"Depth": "0", "Content-Type": XML_CONTENT_TYPE}, "reading the sync token")
        if response.status != 207:
            return None
        return read_sync_token(getattr(response, "tree", None))

    # ---------------------------------------------------------------- incremental read

    async def _fetch_incremental(self, window: TimeRange, token: str, meter: RequestMeter) -> BusyChanges:
        """sync-collection from ``token``, then the changed resources by calendar-multiget.

        Raises CursorRefused when the server refuses the token or sends no new one.
        """
        changed, removed, new_token = await self._changes_since(token, meter)
        found = _Findings()
        unread = await self._read_changed(sorted(changed), window, found, meter)
        if unread:
            # Gone or unreadable since the report (or the server skipped them): keep the old token so
            # the next import is told about them again, rather than losing the change until tomorrow.
            log.info("%d changed calendar resource(s) could not be read yet; they are asked for again "
                     "next time", len(unread))
            new_token = token
        return BusyChanges(full=False, upserts=found.upserts, removed=removed, own_events=found.own_events,
                           own_times=found.own_times, cursor=self._cursor(new_token, window),
                           requests=meter.count, skipped=found.skipped)

    async def _changes_since(self, token: str, meter: RequestMeter) -> tuple[set[str], set[str], str]:
        """(changed hrefs, removed hrefs, the new token), following truncated reports to the end."""
        changed: set[str] = set()
        removed: set[str] = set()
        for _page in range(MAX_SYNC_PAGES):
            report = await self._sync_report(token, meter)
            changed = (changed - report.removed) | report.changed
            removed = (removed - report.changed) | report.removed
            if report.token is None:
                raise CursorRefused("the answer carried no new sync token")
            token = report.token
            if not report.truncated:
                break
        return changed, removed, token

    async def _read_changed(self, hrefs: list[str], window: TimeRange, found: _Findings,
                            meter: RequestMeter) -> set[str]:
        """Multiget and parse the changed resources into ``found``; the hrefs that could not be read."""
        unread: set[str] = set()
        for first in range(0, len(hrefs), MULTIGET_BATCH):
            batch = hrefs[first:first + MULTIGET_BATCH]
            got = await self._multiget(batch, meter)
            readable = []
            for href in batch:
                resource = got.get(href)
                if resource is None or resource.status != 200 or resource.data is None:
                    unread.add(href)
                else:
                    readable.append((href, resource.data))
            await asyncio.to_thread(self._parse_all, readable, window, found, True)
        return unread

    async def _sync_report(self, token: str, meter: RequestMeter) -> SyncReport:
        """One sync-collection REPORT; a refused token raises CursorRefused."""
        try:
            response = await meter.send("REPORT", self._calendar_url, sync_collection_body(token),
                                        {"Depth": "0", "Content-Type": XML_CONTENT_TYPE},
                                        "reading calendar changes")
        except AuthError:
            raise
        except PermanentError as exc:
            # An answer we cannot use (unreadable XML, an odd refusal) must not leave the import stuck
            # on this token forever: the full read that follows either works or says what is wrong.
            raise CursorRefused(f"unusable answer: {exc}") from None
        status = response.status
        tree = getattr(response, "tree", None)
        if status in (404, 410):
            raise self._session.calendar_gone(self._calendar_url)
        # RFC 6578 says 403/409 with DAV:valid-sync-token; some servers answer 412, 400 or even 500.
        if status == 500 or (status in (400, 403, 409, 412) and names_valid_sync_token(tree)):
            raise CursorRefused(f"answered {status}")
        if status != 207:
            self._session.raise_for_status(response, "reading calendar changes")
        return read_sync_report(tree, self._calendar_url)

    async def _multiget(self, hrefs: list[str], meter: RequestMeter) -> dict[str, ResourceData]:
        response = await meter.send("REPORT", self._calendar_url, multiget_body(hrefs),
                                    {"Content-Type": XML_CONTENT_TYPE}, "reading changed events")
        self._check_multistatus(response, "reading changed events")
        resources = await asyncio.to_thread(self._resources, response, "reading changed events")
        return {r.href: r for r in resources}

    def _resources(self, response: Any, what: str) -> list[ResourceData]:
        """The resources of a calendar-query or multiget answer (in a worker thread: it may be megabytes)."""
        return read_calendar_data(self._session.tree(response, what), self._calendar_url)

    # ---------------------------------------------------------------- shared steps

    def _check_multistatus(self, response: Any, what: str) -> None:
        if response.status in (404, 410):
            raise self._session.calendar_gone(self._calendar_url)
        if response.status != 207:
            self._session.raise_for_status(response, what)

    def _cursor(self, token: str | None, window: TimeRange) -> str | None:
        return WindowCursor(window, {self._calendar_url: token}).encode() if token else None

    def _parse_all(self, resources: list[tuple[str, str]], window: TimeRange, found: _Findings,
                   incremental: bool) -> None:
        """Parse a batch (in a worker thread) into ``found``."""
        for href, data in resources:
            self._parse_into(href, data, window, found, incremental=incremental)

    def _parse_into(self, href: str, data: str, window: TimeRange, found: _Findings, *, incremental: bool) -> None:
        """Parse one resource into ``found``.

        In an incremental read a resource that is not iCalendar at all or one of our own events is
        recorded as "no busy time" (an empty list) so a block it produced before is dropped,
        exactly as the next full read would drop it; in a full read leaving it out has that effect
        already. An event read only in part blocks what could be read and is reported as skipped.
        """
        try:
            parsed = busy_from_ical(data, window, load_zone(self._timezone))
        except MalformedCalendarData as refused:
            log.warning("Calendar resource %s %s", href, refused.as_skipped().problem)
            found.skipped.append(refused.as_skipped())
            if incremental:
                found.upserts[href] = []
            return
        if parsed.skipped is not None:
            log.warning("Calendar resource %s (UID %s) %s", href, parsed.uid, parsed.skipped.problem)
            found.skipped.append(parsed.skipped)
        if parsed.own_uid:
            found.own_events[href] = parsed.own_uid
            times = self._own_event_times(data)
            if times is not None:
                found.own_times[href] = times
            if incremental:
                found.upserts[href] = []
        else:
            found.upserts[href] = parsed.intervals

    def _own_event_times(self, data: str) -> tuple[datetime, datetime] | None:
        """Where one of our booking events is now (it may have been moved in the calendar app)."""
        try:
            summary = read_event_summary(data, load_zone(self._timezone))
        except PermanentError:
            return None
        if summary.start is None or summary.end is None or summary.end <= summary.start:
            return None
        return summary.start, summary.end
