"""Resync's look at the calendars themselves: which of our events are gone or were edited by hand.

Why it exists: the mappings only say what we *wrote*. An event deleted in the calendar app, or lost
with a calendar that was deleted and made again, still has a mapping that says "synced", so a resync
judged from the mappings alone queued nothing and the booking silently had no event. So resync lists
our events once per connection (:meth:`CalendarProvider.list_own_events`, one request where the API
allows) and compares: an event that is absent is *missing* (its mapping is reset so the engine's
create-if-absent writes it again), an event whose ETag is not the one we wrote was *changed* (queued;
the engine's conditional write re-reads it and the booking wins). A calendar that is gone takes its
connection out of use (*calendar missing*), so its bookings move to the staff member's next usable
connection, exactly as for a refused credential. On a team's shared database only this device's
connections are asked (``device``): another device's calendar cannot be read without its secret, and
the missing secret would wrongly take that connection out of use.

Three steps, so no database work happens on the event loop: :func:`collect` (worker thread),
:func:`compare` (network, on the loop), :func:`apply` (worker thread, in resync's transaction).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.domain.connection import ConnectionInfo
from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import AuthError, BizCalError, NotFoundError
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store.connections import connection_info, needs_attention
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    ConnectionStatus,
    MappingState,
)
from bizcal_desktop.store.ownership import is_here

log = logging.getLogger(__name__)


@dataclass
class CalendarCheck:
    """One connection's synced mappings from the resync day on, to be compared with its calendar."""

    info: ConnectionInfo
    name: str  #: the calendar's name, as the log row says it
    window: TimeRange  #: from the first booking's start to the last one's end
    #: booking public id -> (mapping id, the ETag we wrote)
    written: dict[str, tuple[int, str | None]] = field(default_factory=dict)


@dataclass
class CheckResult:
    """What the calendar said: mappings whose event is missing or changed, or why it could not be read."""

    check: CalendarCheck
    missing: list[tuple[int, str | None]] = field(default_factory=list)  #: (mapping id, ETag we wrote)
    changed: list[tuple[int, str | None]] = field(default_factory=list)
    error: Exception | None = None


def collect(
    s: Session, from_day_utc: datetime, from_day: date, device: str | None = None
) -> list[CalendarCheck]:
    """The synced mappings of usable connections whose confirmed booking starts on ``from_day`` or later.

    ``from_day_utc`` is the earliest instant any zone's midnight of that day can be; each booking is
    then held to its own zone's midnight of ``from_day`` (a ``date``).
    """
    rows = s.execute(
        select(CalendarEventMapping, Booking)
        .join(Booking, Booking.id == CalendarEventMapping.booking_id)
        .where(
            CalendarEventMapping.state == MappingState.SYNCED,
            CalendarEventMapping.deleted.is_(False),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.end_utc > from_day_utc,
        )
    ).all()
    checks: dict[int, CalendarCheck] = {}
    for mapping, booking in rows:
        connection = mapping.connection
        if not connection.usable or connection.paused or not is_here(connection, device):
            continue
        if booking.start_utc < local_midnight_utc(from_day, booking.timezone):
            continue
        span = TimeRange(booking.start_utc, booking.end_utc)
        check = checks.get(connection.id)
        if check is None:
            name = connection.calendar_name or connection.display_name
            check = checks[connection.id] = CalendarCheck(connection_info(connection), name, span)
        check.window = TimeRange(min(check.window.start, span.start), max(check.window.end, span.end))
        check.written[booking.public_id] = (mapping.id, mapping.etag)
    return list(checks.values())


async def compare(factory: ProviderSource, check: CalendarCheck) -> CheckResult:
    """List our events in the check's window once and sort the mappings into missing and changed."""
    result = CheckResult(check)
    try:
        provider = await asyncio.to_thread(factory.build, check.info)
        async with provider:
            listed = await provider.list_own_events(check.window)
    except BizCalError as exc:
        result.error = exc
        return result
    except Exception as exc:  # one calendar that cannot be read must not stop the others
        log_unexpected(log, f"resync could not read the calendar {check.name}", exc)
        result.error = exc
        return result
    for public_id, (mapping_id, etag) in check.written.items():
        found = listed.get(public_id)
        if found is None:
            result.missing.append((mapping_id, etag))
        elif etag is not None and found.etag is not None and found.etag != etag:
            result.changed.append((mapping_id, etag))
    return result


def apply(s: Session, result: CheckResult) -> tuple[set[int], str | None]:
    """Record what the calendar said: (booking ids to queue, one phrase for the log row, if any).

    A mapping the engine rewrote meanwhile (another ETag than the one compared) is left alone.
    """
    name = result.check.name
    if result.error is not None:
        return set(), _take_out_of_use(s, result.check, result.error)
    queued: set[int] = set()
    for mapping_id, etag in result.missing:
        mapping = s.get(CalendarEventMapping, mapping_id)
        if mapping is None or mapping.state != MappingState.SYNCED or mapping.etag != etag:
            continue
        # Forget where the event was: the engine's create-if-absent writes it again (or adopts it,
        # if it came back meanwhile), and the log says "Created".
        mapping.external_id = mapping.href = mapping.etag = None
        mapping.synced_version = None
        mapping.state = MappingState.PENDING
        mapping.last_error = f"The event was missing from {name}; Resync writes it again."
        queued.add(mapping.booking_id)
    restored = len(queued)
    for mapping_id, etag in result.changed:
        mapping = s.get(CalendarEventMapping, mapping_id)
        if mapping is not None and mapping.state == MappingState.SYNCED and mapping.etag == etag:
            queued.add(mapping.booking_id)  # the stale ETag makes the engine re-read and rewrite it
    return queued, _describe(name, restored, len(queued) - restored)


def _take_out_of_use(s: Session, check: CalendarCheck, error: Exception) -> str:
    connection = s.get(CalendarConnection, check.info.id)
    if isinstance(error, NotFoundError) and connection is not None:
        needs_attention(connection, ConnectionStatus.CALENDAR_MISSING, str(error))
        return f"the calendar '{check.name}' is gone; its bookings move to the next usable connection"
    if isinstance(error, AuthError) and connection is not None:
        needs_attention(connection, ConnectionStatus.NEEDS_RECONNECT, str(error))
        return f"'{check.name}' refused the credential; reconnect it"
    return f"'{check.name}' could not be read, only the local records were checked ({error})"


def _describe(name: str, missing: int, changed: int) -> str | None:
    def events(n: int) -> str:
        return f"{n} event{'s' if n != 1 else ''}"

    if missing and changed:
        return f"{events(missing)} missing in '{name}' restored, {changed} changed rewritten"
    if missing:
        return f"{events(missing)} missing in '{name}' restored"
    if changed:
        return f"{events(changed)} changed in '{name}' rewritten"
    return None
