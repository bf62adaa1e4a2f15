"""The CalDAV XML we send and read: REPORT / PROPFIND bodies and their multistatus answers.

Why a module without network: building and reading RFC 4791 / RFC 6578 XML is where servers differ
in details (namespace prefixes, whitespace, a collection listing itself, a 507 that means "more to
come"), and every one of those details can be tested on a string. The bodies are built with lxml
(never by pasting strings) and the answers read by element, so an odd prefix never matters.
"""

from __future__ import annotations

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
#: Content type of every XML request body.
XML_CONTENT_TYPE = 'application/xml; charset="utf-8"'


def _d(tag: str) -> str:
    return f"{{{DAV}}}{tag}"


def _c(tag: str) -> str:
    return f"{{{CALDAV}}}{tag}"


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


def _getetag_propfind_body() -> str:
    root = etree.Element(_d("propfind"), nsmap=_NSMAP)
    etree.SubElement(etree.SubElement(root, _d("prop")), _d("getetag"))
    return _serialise(root)


#: PROPFIND (Depth 0) asking one resource or collection for its ``DAV:getetag``.
PROPFIND_GETETAG_BODY = _getetag_propfind_body()


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


def own_events_query_body(window: TimeRange, uid_suffix: str) -> str:
    """calendar-query for our booking events overlapping ``window``, asking only for their ETags.

    Our events are picked on the server by their UID (``text-match`` on ``uid_suffix``, exact octets);
    their resource names are derived from the booking, so no calendar data needs to travel.
    """
    utc = window.to_utc()
    root = etree.Element(_c("calendar-query"), nsmap=_NSMAP)
    etree.SubElement(etree.SubElement(root, _d("prop")), _d("getetag"))
    calendar_filter = etree.SubElement(etree.SubElement(root, _c("filter")), _c("comp-filter"), name="VCALENDAR")
    event_filter = etree.SubElement(calendar_filter, _c("comp-filter"), name="VEVENT")
    etree.SubElement(event_filter, _c("time-range"), start=_caldav_stamp(utc.start), end=_caldav_stamp(utc.end))
    uid_filter = etree.SubElement(event_filter, _c("prop-filter"), name="UID")
    etree.SubElement(uid_filter, _c("text-match"), collation="i;octet").text = uid_suffix
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


def read_etags(tree: etree._Element | None, collection: str) -> dict[str, str | None]:
    """Absolute href -> ``getetag`` of each member a multistatus delivered (200), the collection left out."""
    found: dict[str, str | None] = {}
    for response in _responses(tree):
        href_el = response.find(_d("href"))
        if href_el is None or not (href_el.text or "").strip():
            continue
        href = urljoin(collection, href_el.text.strip())
        if _same_collection(href, collection) or _status_code(response.findtext(_d("status"))) not in (None, 200):
            continue
        etag: str | None = None
        for propstat in response.iter(_d("propstat")):
            if _status_code(propstat.findtext(_d("status"))) in (None, 200):
                etag = (propstat.findtext(f"{_d('prop')}/{_d('getetag')}") or "").strip() or etag
        found[href] = etag
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


def read_getetag(tree: etree._Element | None) -> str | None:
    """The ``DAV:getetag`` of a Depth-0 PROPFIND answer (the first delivered one), if any."""
    if tree is None:
        return None
    for propstat in tree.iter(_d("propstat")):
        if _status_code(propstat.findtext(_d("status"))) not in (None, 200):
            continue
        text = propstat.findtext(f"{_d('prop')}/{_d('getetag')}")
        if text and text.strip():
            return text.strip()
    return None


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
    "PROPFIND_GETETAG_BODY",
    "VALID_SYNC_TOKEN",
    "XML_CONTENT_TYPE",
    "ResourceData",
    "SyncReport",
    "calendar_query_body",
    "multiget_body",
    "names_valid_sync_token",
    "own_events_query_body",
    "read_calendar_data",
    "read_etags",
    "read_getetag",
    "read_sync_report",
    "read_sync_token",
    "sync_collection_body",
    "sync_token_propfind_body",
]
