"""The one async interface every calendar provider implements.

Glossary
--------
booking
    An appointment in our own store (customer, service, staff member, start/end).
event
    The calendar entry a booking becomes on a provider. Its identity is derived from the booking's
    ``public_id`` (a UUID), never chosen by the server, so a retried or crashed create can never
    produce a second event: CalDAV uses it as the UID (and the resource name), Google as the
    client-supplied event id, Microsoft as the ``transactionId``.
event reference (:class:`EventRef`)
    Where an event lives once written: the external id (UID / event id), the resource URL
    (CalDAV href) and the ETag the server returned, which makes the next update conditional.
mapping
    The store's row linking a booking to its event on one connection (``CalendarEventMapping``).
busy block
    A time range during which the staff member is busy elsewhere, imported from a calendar.
source key
    The provider's stable key for the thing a busy block came from (a CalDAV href, a Google/Graph
    event id). A recurring series is one source that yields several busy intervals.
cursor
    An opaque incremental-read state that ``fetch_busy`` hands back and is passed on the next call:
    each calendar's token (CalDAV sync-token, Google syncToken, Graph deltaLink) together with the
    window it was made for (:mod:`bizcal_desktop.providers.cursor`). It is only used for that very
    window and those calendars; for anything else it just means "read in full".

Contract
--------
* Every write is idempotent: ``upsert_event`` creates the event if it does not exist and updates it
  if it does (an event already carrying our id is adopted, never duplicated); ``delete_event`` of an
  event that is already gone succeeds.
* Failures are raised as :mod:`bizcal_desktop.errors` types, each telling the caller what to do next
  (each method below lists the ones it may raise):

  ``TransientError``
      Try again later: the network failed or timed out, or the server answered 408, 429 or 5xx.
      ``retry_after`` holds the seconds the server asked for (``Retry-After`` on a 429/503; Google's
      spent daily quota waits an hour when Google names no time), else None.
  ``ConflictError``
      A conditional write kept losing races: the event changed on the server between our re-read and
      our write every time (CalDAV: three lost ``If-Match``/``If-None-Match`` writes in a row, or a
      server that gives no ETag to write against; Google and Microsoft: a 412 on the freshly re-read
      ETag twice). Raised by ``upsert_event``; calling again re-reads and reconciles.
  ``AuthError`` (a ``PermanentError``)
      The user must reconnect: the credential was refused (401; on CalDAV also a 403 for the
      account), the OAuth grant is gone, or the secret handed in cannot be read.
  ``NotFoundError`` (a ``PermanentError``)
      The *calendar* is gone (deleted, or no longer shared with the account). A missing *event* is
      never an error: ``upsert_event`` writes it again and ``delete_event`` counts it as deleted.
  ``PermanentError``
      The request can never succeed as it is: the calendar is read-only (Google/Microsoft 403), the
      server refused the data (400, 415), the staff member's time zone is unknown, no calendar was
      chosen, the address is not a CalDAV server.

* A refused cursor is never an error: ``fetch_busy`` reads the window in full and says so with
  ``full=True``, exactly as for a cursor that cannot be read or was made for another window.
* An event ``fetch_busy`` cannot read in full (a recurrence rule it cannot expand, a missing start,
  text that is not iCalendar) is neither an error nor silently free: the provider blocks what it can
  be sure of (the first instance's span), logs the reason, and lists the event in
  ``BusyChanges.skipped`` so the import's sync-log row says what was skipped and why.
* Providers never touch the database or the keychain (they import neither ``bizcal_desktop.store``
  nor ``bizcal_desktop.secrets``); credentials are handed in when they are built and refreshed
  credentials are handed back through a callback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Self

from bizcal_desktop.domain.connection import ConnectionInfo  # noqa: F401 - re-exported: part of the contract
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import ProviderError

#: Marker carried by every event we write (X- property in iCalendar, extended property on
#: Google, singleValueExtendedProperty / categories on Graph) so imports can skip our own events.
OWN_EVENT_MARKER = "X-BIZCAL-BOOKING"
#: Suffix of our iCalendar UIDs: ``<booking public_id hex>@bizcal-desktop``.
UID_DOMAIN = "bizcal-desktop"


def booking_uid(public_id_hex: str) -> str:
    """The iCalendar UID of a booking's event, derived from the booking's public id."""
    return f"{public_id_hex}@{UID_DOMAIN}"


def is_own_uid(uid: str | None) -> bool:
    """True when ``uid`` names an event we wrote for a booking."""
    return uid is not None and uid.endswith(f"@{UID_DOMAIN}")


@dataclass(frozen=True)
class EventSpec:
    """What a booking's event must look like. Built by the sync engine from a booking row."""

    booking_public_id: str  #: 32 lowercase hex chars (uuid4().hex); the source of every event id
    summary: str  #: e.g. "Massage – Emma"
    description: str
    start: datetime  #: aware, UTC
    end: datetime  #: aware, UTC
    timezone: str  #: IANA zone of the staff member; events are written in that zone
    sequence: int = 0  #: the booking's version, so clients see a reschedule as newer
    location: str | None = None

    @property
    def uid(self) -> str:
        return booking_uid(self.booking_public_id)


@dataclass(frozen=True)
class EventRef:
    """Where an event lives on the provider after a successful write."""

    external_id: str  #: UID (CalDAV) or the provider's event id (Google, Graph)
    href: str | None = None  #: CalDAV resource URL; None for REST providers
    etag: str | None = None  #: the version the server returned, for conditional updates


@dataclass(frozen=True)
class CalendarInfo:
    """One calendar of an account, as offered to the user to choose from."""

    calendar_id: str  #: provider id (Google/Graph) or the collection URL (CalDAV)
    name: str
    href: str | None = None
    primary: bool = False
    writable: bool = True


@dataclass(frozen=True)
class ConnectionCheck:
    """Outcome of *Test Connection*: whether it works, a human message, and the calendars found.

    ``error`` is the failure itself when there was one, so the caller decides by its type (the
    connect flow tries a ``TransientError`` again at once, a refused password never).
    """

    ok: bool
    message: str
    calendars: list[CalendarInfo] = field(default_factory=list)
    error: ProviderError | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BusyInterval:
    """One busy instance of a source event, in UTC."""

    start: datetime
    end: datetime
    all_day: bool = False
    title: str | None = None  #: only kept when the user allows titles to be stored

    def as_range(self) -> TimeRange:
        return TimeRange(self.start, self.end)


@dataclass(frozen=True)
class SkippedEvent:
    """An event ``fetch_busy`` could not read in full, for the import's sync-log row.

    ``problem`` completes a sentence whose subject is the event and says what was done instead
    ("has a recurrence rule BizCal cannot expand (FREQ=SECONDLY); only its first occurrence is
    blocked"); it never quotes the event's text. ``title`` is its SUMMARY where readable: the
    importer shows it only when the user keeps busy titles, else the event is "an event".
    """

    problem: str
    title: str | None = None

    def describe(self, with_title: bool) -> str:
        """One sentence for the sync log, with the title only when ``with_title``."""
        title = (self.title or "").strip()
        if with_title and title:
            shown = title if len(title) <= 60 else title[:59] + "…"
            return f"'{shown}' {self.problem}"
        return f"an event {self.problem}"


@dataclass(frozen=True)
class BusyChanges:
    """What ``fetch_busy`` found.

    ``full`` True: ``upserts`` is the complete set of sources in the window; every source not in it
    must be forgotten. ``full`` False (incremental): only the sources in ``upserts`` changed (each
    replaced by its new list of intervals, an empty list meaning "no longer busy") and the sources
    in ``removed`` were deleted. ``cursor`` is what to pass next time.
    """

    full: bool
    upserts: dict[str, list[BusyInterval]]
    removed: set[str] = field(default_factory=set)
    cursor: str | None = None
    #: Our own booking events seen in the calendar: source key -> booking UID. Not busy blocks
    #: (a booking must not be counted twice), but reported so changes can flow back.
    own_events: dict[str, str] = field(default_factory=dict)
    #: Where our own events are now (source key -> (start, end), aware UTC), where the provider could
    #: read them: an assistant who moves a booking's event in the calendar moves the booking.
    own_times: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    #: Number of HTTP requests the fetch cost (for the sync log and the benchmark).
    requests: int = 0
    #: Events that could not be read in full in this fetch (see :class:`SkippedEvent`); what could
    #: be read of them is in ``upserts``. Providers that read everything leave it empty.
    skipped: list[SkippedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class CredentialRefresh:
    """What ``refresh_credentials`` did: whether it renewed, and when the credential now expires."""

    refreshed: bool
    expires_at: datetime | None  #: aware UTC; None for credentials that do not expire (passwords)


class CalendarProvider(ABC):
    """One connection's calendar, reachable through a provider's API. Use as an async context."""

    #: Provider name as stored on the connection: "caldav", "google", "microsoft".
    kind: str = ""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:  # an optional hook: most providers hold a client to close
        """Release network resources."""

    async def refresh_credentials(self, within: timedelta) -> CredentialRefresh:
        """Renew the access credential if it expires within ``within`` (the token guardian's job).

        Returns whether it renewed and when the credential now expires. Providers whose credentials
        do not expire (CalDAV app-passwords) keep this default, which never raises.

        Raises: ``AuthError`` when the grant is gone (``invalid_grant``, a revoked consent);
        ``TransientError`` when the token endpoint cannot be reached or fails for now.
        """
        return CredentialRefresh(refreshed=False, expires_at=None)

    @abstractmethod
    async def test_connection(self) -> ConnectionCheck:
        """Authenticate, find the calendars and prove we can write (then clean up after).

        Returns a :class:`ConnectionCheck`; every provider failure becomes ``ok=False`` with its one
        sentence as the message (and the calendars found so far), so this raises no
        ``ProviderError``: the connect dialogs show the answer, whatever it is.
        """

    @abstractmethod
    async def list_calendars(self) -> list[CalendarInfo]:
        """The account's calendars, for the user to choose from.

        Raises: ``AuthError`` (credential refused); ``TransientError`` (network, 408/429/5xx, with
        ``retry_after``); ``PermanentError`` (not a CalDAV server, the API refused the listing).
        """

    @abstractmethod
    async def upsert_event(self, spec: EventSpec, known: EventRef | None) -> EventRef:
        """Make the event for ``spec`` exist with exactly this content; return where it is now.

        ``known`` is the last reference we stored (None on a first create). Conditional on the
        stored ETag where the API allows; on a lost race re-read and apply again. If the event
        already exists without us knowing (crash before the mapping was saved), adopt it; if it
        was deleted behind our back, write it again. The returned :class:`EventRef` carries the new
        ETag, for the next conditional write.

        Raises: ``ConflictError`` (the event kept changing while we wrote it - retry);
        ``TransientError`` (network, 408/429/5xx, with ``retry_after``); ``AuthError`` (credential
        refused); ``NotFoundError`` (the calendar is gone); ``PermanentError`` (read-only calendar,
        data refused, unknown time zone, no calendar chosen, an event Google will not restore).
        """

    @abstractmethod
    async def delete_event(self, booking_public_id: str, known: EventRef | None) -> None:
        """Delete the booking's event; an event that is already gone counts as success.

        ``known`` may be None when no mapping was ever saved (crash after the write): the event is
        then addressed by the id derived from ``booking_public_id`` (found by its marker on Graph).

        Raises: ``TransientError`` (network, 408/429/5xx, with ``retry_after``); ``AuthError``
        (credential refused); ``NotFoundError`` (the calendar is gone, where the provider must look
        the event up first); ``PermanentError`` (the server refuses the deletion, e.g. read-only).
        """

    @abstractmethod
    async def fetch_busy(self, window: TimeRange, cursor: str | None) -> BusyChanges:
        """Busy intervals overlapping ``window``; incremental from ``cursor`` where it still fits.

        Returns :class:`BusyChanges`: ``full=True`` with every source in the window, or (from a
        cursor made for exactly this window and these calendars) ``full=False`` with only the
        changes; its ``cursor`` is what to pass next time. A cursor that is missing, unreadable,
        made for another window or calendars, or refused by the server (expired, server reset) is
        not an error: the window is read in full inside this call (logged) and ``full=True`` says so.

        Raises: ``TransientError`` (network, 408/429/5xx, with ``retry_after``); ``AuthError``
        (credential refused); ``NotFoundError`` (the calendar is gone); ``PermanentError`` (the
        server refused the read, no calendar chosen).
        """

    @abstractmethod
    async def list_own_events(self, window: TimeRange) -> dict[str, EventRef]:
        """Our booking events overlapping ``window``, as they are on the server now: one listing.

        Returns booking public id -> :class:`EventRef` (external id, CalDAV href, current ETag),
        for exactly the events we wrote (by their derived id or marker; never someone else's
        event) that still exist; an event deleted in the calendar app is simply absent. Resync
        compares this with the mappings: absent means "write it again", another ETag means "it
        was edited by hand, write it again". One request where the API allows (plus pages).

        Raises: ``TransientError`` (network, 408/429/5xx, with ``retry_after``); ``AuthError``
        (credential refused); ``NotFoundError`` (the calendar is gone: deleted, or no longer
        shared); ``PermanentError`` (the server refused the read, no calendar chosen).
        """
