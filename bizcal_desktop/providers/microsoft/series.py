"""Recurring Outlook series in the busy import: what a sparse occurrence means, read from its master.

Why this exists
---------------
``calendarView/delta`` gives the plain occurrences of a recurring series *sparse*: only ``id``,
``seriesMasterId``, ``type``, ``start``, ``end`` (and ``@odata.etag``) - no ``showAs``,
``isCancelled``, ``isAllDay`` or response (microsoftgraph/microsoft-graph-docs #1716, #22197). Read
as they come, they all look busy: a weekly "Lunch" marked Free, a declined weekly meeting and every
Outlook birthday (an all-day yearly series shown as free) would block bookings. So the series
master (``GET /me/events/{seriesMasterId}``, only the fields that decide busy time) is read once per
series and its ``showAs``/``isCancelled``/response/``isAllDay`` are applied to its plain occurrences.
Exceptions (an occurrence edited on its own, ``type: exception``) come with their own properties and
are used as they are. A master that is gone (404) takes its occurrences with it.

Why a cache in the cursor
-------------------------
Reading every master on every import (every 15 minutes) would cost one request per series each time
for nothing. The cursor carries, per series, what its master said and the ETag it was read at
(:class:`SeriesCache`, versioned on its own). A series is read again only when an occurrence of it
comes with another ETag than the one remembered: a change to the series (its ``showAs``, an
exception, its times) gives its instances a new change key and makes the delta report them again.
When Graph gives occurrences no ETag, or ETags that never match their master's, the rule degrades to
"read the master of every series the delta reports", which is still right, only dearer. The cache
holds no subject or other content: the cursor is stored in the database, and nothing here needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bizcal_desktop.providers.microsoft.events import MARKER_EXPAND, own_booking_id
from bizcal_desktop.providers.microsoft.session import MicrosoftSession, api_error

log = logging.getLogger(__name__)

#: Version of the per-series state inside the cursor; another version is ignored (masters read again).
SERIES_STATE_VERSION = 1
#: The master's fields that decide busy time, and ``transactionId`` (part of our marker).
MASTER_SELECT = "showAs,isCancelled,responseStatus,isAllDay,transactionId"


@dataclass(frozen=True)
class SeriesFacts:
    """What a series master says about its plain occurrences, and the ETag it was read at."""

    etag: str | None
    show_as: str | None = None
    cancelled: bool = False
    response: str | None = None
    all_day: bool = False
    own: bool = False  #: the master carries our marker (our events are never recurring; guard anyway)

    @classmethod
    def of_master(cls, master: Mapping[str, Any]) -> SeriesFacts:
        return cls(etag=master.get("@odata.etag"), show_as=master.get("showAs"),
                   cancelled=bool(master.get("isCancelled")),
                   response=(master.get("responseStatus") or {}).get("response"),
                   all_day=bool(master.get("isAllDay")), own=own_booking_id(dict(master)) is not None)

    def to_json(self) -> list[Any]:
        return [self.etag, self.show_as, self.cancelled, self.response, self.all_day, self.own]

    @classmethod
    def from_json(cls, raw: Any) -> SeriesFacts:
        etag, show_as, cancelled, response, all_day, own = raw
        return cls(etag, show_as, bool(cancelled), response, bool(all_day), bool(own))

    def applied_to(self, occurrence: Mapping[str, Any]) -> dict[str, Any]:
        """The sparse ``occurrence`` with its master's busy fields (its own id and times kept)."""
        return {**occurrence, "showAs": self.show_as, "isCancelled": self.cancelled,
                "responseStatus": {"response": self.response}, "isAllDay": self.all_day}


def is_plain_occurrence(item: Mapping[str, Any]) -> bool:
    """An occurrence that takes its properties from its series master (not an exception, not removed)."""
    return item.get("type") == "occurrence" and bool(item.get("seriesMasterId")) and "@removed" not in item


class SeriesCache:
    """Series master id -> :class:`SeriesFacts`; carried in the cursor between imports."""

    def __init__(self, known: Mapping[str, SeriesFacts] | None = None) -> None:
        self._known: dict[str, SeriesFacts] = dict(known or {})
        self._gone: set[str] = set()

    @classmethod
    def from_state(cls, state: Any) -> SeriesCache:
        """The cache a cursor carried; empty when there is none or it cannot be read (never an error)."""
        if not isinstance(state, Mapping) or state.get("v") != SERIES_STATE_VERSION:
            return cls()
        try:
            return cls({str(k): SeriesFacts.from_json(v) for k, v in dict(state["masters"]).items()})
        except (KeyError, TypeError, ValueError):
            return cls()

    def __len__(self) -> int:
        return len(self._known)

    def state(self) -> dict[str, Any]:
        return {"v": SERIES_STATE_VERSION, "masters": {k: f.to_json() for k, f in sorted(self._known.items())}}

    def _current(self, master_id: str, etags: set[str | None]) -> bool:
        """True when every occurrence came with the ETag the cached master was read at."""
        cached = self._known.get(master_id)
        return cached is not None and cached.etag is not None and etags == {cached.etag}

    def facts(self, master_id: str) -> SeriesFacts | None:
        """What the master says; None when it is gone (its occurrences are no longer in the calendar)."""
        return None if master_id in self._gone else self._known.get(master_id)

    async def resolve(self, session: MicrosoftSession, items: Iterable[Mapping[str, Any]],
                      full: bool) -> SeriesCache:
        """The cache for this round: every series with plain occurrences in ``items`` known or read.

        A full round keeps only the series it saw (the cache cannot outgrow the window); an
        incremental one keeps the rest too. Masters are read when an occurrence's ETag is new.
        """
        etags: dict[str, set[str | None]] = {}
        for item in items:
            if is_plain_occurrence(item):
                etags.setdefault(str(item["seriesMasterId"]), set()).add(item.get("@odata.etag"))
        result = SeriesCache({} if full else self._known)
        stale = [m for m, seen in etags.items() if not self._current(m, seen)]
        result._known.update((m, self._known[m]) for m in etags if m not in stale)
        if stale:
            log.debug("reading %d of %d recurring Outlook series from their masters", len(stale), len(etags))
        for master_id in stale:
            facts = await read_master(session, master_id)
            if facts is None:
                result._known.pop(master_id, None)
                result._gone.add(master_id)
            else:
                result._known[master_id] = facts
        return result


async def read_master(session: MicrosoftSession, master_id: str) -> SeriesFacts | None:
    """``GET /me/events/{id}`` of a series master, only the busy fields; None when it is gone (404)."""
    response = await session.request("GET", f"me/events/{quote(master_id, safe='')}",
                                     params={"$select": MASTER_SELECT, "$expand": MARKER_EXPAND})
    if response.status_code == 404:
        log.info("the master of a recurring Outlook series is gone; dropping its occurrences")
        return None
    if response.status_code != 200:
        raise api_error(response, "reading a recurring series")
    return SeriesFacts.of_master(response.json())


__all__ = ["MASTER_SELECT", "SERIES_STATE_VERSION", "SeriesCache", "SeriesFacts", "is_plain_occurrence",
           "read_master"]
