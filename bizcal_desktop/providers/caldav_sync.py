"""The pieces of CalDAV busy import that need no network: the import cursor and the REPORT XML.

Why the cursor is more than the server's sync token
---------------------------------------------------
An RFC 6578 ``sync-collection`` report tells which *resources* changed since a token, not which
*instances* entered a time window. The import window starts at today's local midnight and slides
forward every day, so an unchanged weekly series gains a new instance at the far end of the window
each week, and an untouched event three months out slides into the window one day: neither is a
change the server reports. The cursor therefore remembers the window it was made for, and a token
is only used for the very same window; on the first import of a new day the provider does a full
(time-range) read, and the hourly imports in between are incremental. It also remembers the
calendar URL, so a token can never be replayed against another collection.

The cursor is a small JSON object (``{"v": 1, "token": ..., "calendar": ..., "window_start": ...,
"window_end": ...}``): readable in the database when debugging, versioned so a later format can
tell old cursors apart, and anything that does not parse simply means "do a full read".

The XML helpers build request bodies with lxml (never by pasting strings) and read the
multistatus answers by element, so an odd namespace prefix or whitespace never matters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from bizcal_desktop.domain.time_range import TimeRange

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
_NSMAP = {"D": DAV, "C": CALDAV}
#: Clark name of the RFC 6578 precondition a server names when it refuses a sync token.
VALID_SYNC_TOKEN = f"{{{DAV}}}valid-sync-token"

_CURSOR_VERSION = 1


def _d(tag: str) -> str:
    return f"{{{DAV}}}{tag}"


def _c(tag: str) -> str:
    return f"{{{CALDAV}}}{tag}"


# ----------------------------------------------------------------------------- the cursor


@dataclass(frozen=True)
class SyncCursor:
    """A sync token together with the calendar and the UTC window it describes."""

    token: str
    calendar: str
    window: TimeRange

    def encode(self) -> str:
        window = self.window.to_utc()
        return json.dumps(
            {
                "v": _CURSOR_VERSION,
                "token": self.token,
                "calendar": self.calendar,
                "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(),
            },
            sort_keys=True,
        )

    @classmethod
    def decode(cls, text: str | None) -> SyncCursor | None:
        """The cursor stored in ``text``; None when there is none or it cannot be read.

        Unreadable is not an error: it only costs one full read, which replaces the cursor.
        """
        if not text:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != _CURSOR_VERSION:
                return None
            token, calendar = data["token"], data["calendar"]
            if not isinstance(token, str) or not token or not isinstance(calendar, str):
                return None
            start = datetime.fromisoformat(data["window_start"])
            end = datetime.fromisoformat(data["window_end"])
            return cls(token=token, calendar=calendar, window=TimeRange(start, end).to_utc())
        except (KeyError, TypeError, ValueError):
            return None

    def fits(self, window: TimeRange, calendar: str) -> bool:
        """True when an incremental read from this cursor sees everything a full read of ``window`` would."""
        return self.calendar == calendar and self.window == window.to_utc()


# ----------------------------------------------------------------------------- request bodies


def _serialise(root: etree._Element) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8").decode("utf-8")


def _caldav_stamp(instant: datetime) -> str:
    return instant.strftime("%Y%m%dT%H%M%SZ")


def sync_token_propfind_body() -> str:
    """PROPFIND (Depth 0) asking a collection for its current ``DAV:sync-token``."""
    root = etree.Element(_d("propfind"), nsmap=_NSMAP)
    prop = etree.SubElement(root, _d("prop"))
    etree.SubElement(prop, _d("sync-token"))
    return _serialise(root)


def calendar_query_body(window: TimeRange) -> str:
    """calendar-query for every VEVENT resource overlapping ``window``, with its data.

    No ``expand``: several servers expand wrongly or not at all, so recurrence is expanded locally.
    """
    utc = window.to_utc()
    root = etree.Element(_c("calendar-query"), nsmap=_NSMAP)
    prop = etree.SubElement(root, _d("prop"))
    etree.SubElement(prop, _d("getetag"))
    etree.SubElement(prop, _c("calendar-data"))
    calendar_filter = etree.SubElement(etree.SubElement(root, _c("filter")), _c("comp-filter"), name="VCALENDAR")
    event_filter = etree.SubElement(calendar_filter, _c("comp-filter"), name="VEVENT")
    etree.SubElement(event_filter, _c("time-range"), start=_caldav_stamp(utc.start), end=_caldav_stamp(utc.end))
    return _serialise(root)


def sync_collection_body(token: str) -> str:
    """sync-collection (RFC 6578) from ``token``, asking only for ETags: data comes by multiget."""
    root = etree.Element(_d("sync-collection"), nsmap=_NSMAP)
    etree.SubElement(root, _d("sync-token")).text = token
    etree.SubElement(root, _d("sync-level")).text = "1"
    prop = etree.SubElement(root, _d("prop"))
    etree.SubElement(prop, _d("getetag"))
    return _serialise(root)


def multiget_body(hrefs: Iterable[str]) -> str:
    """calendar-multiget of the given resources (absolute URLs are sent as their paths)."""
    root = etree.Element(_c("calendar-multiget"), nsmap=_NSMAP)
    prop = etree.SubElement(root, _d("prop"))
    etree.SubElement(prop, _d("getetag"))
    etree.SubElement(prop, _c("calendar-data"))
    for href in hrefs:
        etree.SubElement(root, _d("href")).text = urlsplit(href).path or href
    return _serialise(root)


# ----------------------------------------------------------------------------- answers


def _status_code(text: str | None) -> int | None:
    """``HTTP/1.1 404 Not Found`` -> 404."""
    parts = (text or "").split()
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None


def _responses(tree: etree._Element | None) -> Iterator[etree._Element]:
    if tree is None:
        return
    yield from tree.iter(_d("response"))


def _same_collection(url: str, collection: str) -> bool:
    return url.rstrip("/") == collection.rstrip("/")


@dataclass(frozen=True)
class ResourceData:
    """One resource of a calendar-query or multiget answer."""

    href: str  #: absolute URL (the source key of its busy blocks)
    status: int  #: 200 when ``data`` was delivered; 404 when the server says it is gone
    data: str | None


def read_calendar_data(tree: etree._Element | None, collection: str) -> list[ResourceData]:
    """The resources in a calendar-query / calendar-multiget multistatus, hrefs made absolute."""
    found: list[ResourceData] = []
    for response in _responses(tree):
        href_el = response.find(_d("href"))
        if href_el is None or not (href_el.text or "").strip():
            continue
        href = urljoin(collection, href_el.text.strip())
        if _same_collection(href, collection):
            continue
        bare = _status_code(response.findtext(_d("status")))
        if bare is not None and bare != 200:
            found.append(ResourceData(href, bare, None))
            continue
        data: str | None = None
        codes = [_status_code(p.findtext(_d("status"))) or 200 for p in response.iter(_d("propstat"))]
        status = 200 if 200 in codes else (codes[0] if codes else 404)
        for propstat in response.iter(_d("propstat")):
            if _status_code(propstat.findtext(_d("status"))) not in (None, 200):
                continue
            element = propstat.find(f"{_d('prop')}/{_c('calendar-data')}")
            if element is not None and element.text:
                data = element.text
        found.append(ResourceData(href, status, data))
    return found


@dataclass
class SyncReport:
    """What one sync-collection answer said."""

    token: str | None = None
    changed: set[str] = field(default_factory=set)  #: absolute URLs added or modified
    removed: set[str] = field(default_factory=set)  #: absolute URLs the server says are gone
    truncated: bool = False  #: RFC 6578 §3.6: more changes remain; ask again from ``token``


def read_sync_report(tree: etree._Element | None, collection: str) -> SyncReport:
    """Parse a sync-collection multistatus; members that are collections are ignored."""
    report = SyncReport()
    if tree is None:
        return report
    token = tree.findtext(_d("sync-token"))
    report.token = token.strip() if token and token.strip() else None
    for response in _responses(tree):
        href_el = response.find(_d("href"))
        if href_el is None or not (href_el.text or "").strip():
            continue
        href = urljoin(collection, href_el.text.strip())
        status = _status_code(response.findtext(_d("status")))
        if _same_collection(href, collection):
            if status == 507:
                report.truncated = True
            continue
        if href.endswith("/"):
            continue  # a sub-collection, not a calendar object
        if status in (404, 410):
            report.removed.add(href)
            report.changed.discard(href)
        else:
            report.changed.add(href)
            report.removed.discard(href)
    return report


def read_sync_token(tree: etree._Element | None) -> str | None:
    """The ``DAV:sync-token`` property from a PROPFIND answer, if the server gave one."""
    if tree is None:
        return None
    for propstat in tree.iter(_d("propstat")):
        if _status_code(propstat.findtext(_d("status"))) not in (None, 200):
            continue
        text = propstat.findtext(f"{_d('prop')}/{_d('sync-token')}")
        if text and text.strip():
            return text.strip()
    return None


def names_valid_sync_token(tree: etree._Element | None) -> bool:
    """True when an error body carries the RFC 6578 ``valid-sync-token`` precondition."""
    return tree is not None and (tree.tag == VALID_SYNC_TOKEN or next(tree.iter(VALID_SYNC_TOKEN), None) is not None)


__all__ = [
    "VALID_SYNC_TOKEN",
    "ResourceData",
    "SyncCursor",
    "SyncReport",
    "calendar_query_body",
    "multiget_body",
    "names_valid_sync_token",
    "read_calendar_data",
    "read_sync_report",
    "read_sync_token",
    "sync_collection_body",
    "sync_token_propfind_body",
]
