"""Writing down what a provider call did: the mapping row, the connection's health, the sync log.

Each function is one short transaction run in a worker thread by the engine. They are apart from the
engine so that its loop reads as the decision it makes (retry, fail over, give up) and this file as
the record it leaves; both are needed for an audit trail that says who did what, when, and how it went.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from bizcal_desktop.providers.base import EventRef
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.audit import cause_of
from bizcal_desktop.store.connections import needs_attention
from bizcal_desktop.store.models import (
    Booking,
    CalendarConnection,
    CalendarEventMapping,
    MappingState,
    Outcome,
    SyncAction,
)
from bizcal_desktop.store.types import utcnow
from bizcal_desktop.sync.planning import SyncTarget


def record_success(s: Session, actor: str, target: SyncTarget, ref: EventRef | None, attempts: int) -> str:
    row = apply_successes(s, actor, [(target, ref, attempts)])[0]
    sync_log.record(s, **row)
    return str(row["message"])


#: A write that succeeded, waiting to be recorded: (target, the event's reference - None for a
#: delete, the attempts it took). The engine keeps them on a booking's run (``batches.BookingRun``).
Written = tuple[SyncTarget, EventRef | None, int]


def apply_successes(s: Session, actor: str, written: Sequence[Written]) -> list[dict[str, object]]:
    """Mark the mappings synced and their connections working; the sync-log rows that say so (not added
    yet, so a group's rows go in with one statement: :func:`~bizcal_desktop.store.sync_log.record_many`).

    A mapping records what was actually sent (the booking may have changed while we wrote). Core
    statements, not ORM objects: a drain records its writes a group at a time, and loading each
    mapping and its connection to change three columns cost more of the client's CPU than the write's
    own request. One ``UPDATE`` (executemany) per kind of write, one for the connections; the caller's
    session has not loaded these rows (each record step is its own transaction), so none goes stale.
    """
    saved: list[dict[str, object]] = []
    deleted: list[dict[str, object]] = []
    for target, ref, attempts in written:
        row: dict[str, object] = {"mapping": target.mapping_id, "n": attempts}
        if target.action == SyncAction.DELETE:
            deleted.append(row)
            continue
        if ref is None:
            raise ValueError("a create or update recorded as a success must carry the event's reference")
        saved.append(row | {"ext": ref.external_id, "href": ref.href, "etag": ref.etag, "start": target.spec.start,
                            "end": target.spec.end, "version": target.spec.sequence})
    mappings = CalendarEventMapping.__table__
    synced = update(mappings).where(mappings.c.id == bindparam("mapping")).values(
        state=MappingState.SYNCED, attempts=mappings.c.attempts + bindparam("n"), last_error=None)
    if saved:
        s.execute(synced.values(external_id=bindparam("ext"), href=bindparam("href"), etag=bindparam("etag"),
                                synced_start_utc=bindparam("start"), synced_end_utc=bindparam("end"),
                                synced_version=bindparam("version")), saved)
    if deleted:
        s.execute(synced.values(deleted=True), deleted)
    if written:
        connections = CalendarConnection.__table__
        s.execute(update(connections).where(connections.c.id.in_({t.connection.id for t, _ref, _n in written}))
                  .values(last_success_at=utcnow(), last_error=None))
    return [{"actor": actor, "action": t.action, "outcome": Outcome.SUCCESS, "message": describe(t),
             "booking_id": t.booking_id, "connection_id": t.connection.id, "mapping_id": t.mapping_id,
             "audit_event_id": t.caused_by} for t, _ref, _n in written]


def record_attempt(s: Session, target: SyncTarget, attempt: int, error: str) -> None:
    mapping = s.get(CalendarEventMapping, target.mapping_id)
    if mapping is not None:
        mapping.last_error = f"attempt {attempt}: {error}"


def record_failure(
    s: Session, actor: str, target: SyncTarget, attempts: int, error: str, attention: str | None = None
) -> str:
    """Mark the mapping failed; with ``attention`` (a :class:`ConnectionStatus`) take the connection out of use."""
    mapping = s.get(CalendarEventMapping, target.mapping_id)
    assert mapping is not None
    if mapping.state != MappingState.SUPERSEDED:  # an event left behind stays left behind (planning)
        mapping.state = MappingState.FAILED
    mapping.attempts += attempts
    mapping.last_error = error
    mapping.connection.last_error = error
    if attention is not None:
        needs_attention(mapping.connection, attention, error)
    message = (
        f"Could not {target.action} the event of booking {mapping.booking_id} "
        f"in {target.connection_name}: {error}"
    )
    sync_log.record(
        s, actor=actor, action=target.action, outcome=Outcome.FAILURE, message=message,
        booking_id=mapping.booking_id, connection_id=mapping.connection_id, mapping_id=mapping.id,
        audit_event_id=target.caused_by,
    )
    return message


def record_waiting(s: Session, actor: str, booking_id: int, target: SyncTarget | None, error: str) -> str:
    """The network went away under a booking's write: its mapping waits, nothing is counted against it."""
    note = "Waiting for the network (offline); nothing counted as a failure" + (f": {error}" if error else "")
    mapping = s.get(CalendarEventMapping, target.mapping_id) if target is not None else None
    if mapping is not None:
        mapping.last_error = note
    exists = s.get(Booking, booking_id) is not None
    sync_log.record(
        s, actor=actor, action=target.action if target is not None else SyncAction.UPDATE,
        outcome=Outcome.SKIPPED, message=f"Booking {booking_id}: {note[0].lower()}{note[1:]}",
        booking_id=booking_id if exists else None,
        connection_id=mapping.connection_id if mapping is not None else None,
        mapping_id=mapping.id if mapping is not None else None,
    )
    return note


def retry_phrase(tries: int, retry_at: datetime, now: datetime) -> str:
    """"(tried 5 times; will be tried again in 4 min, at 14:32)", the time in this computer's zone."""
    minutes = max(1, round((retry_at - now).total_seconds() / 60))
    wait = f"{minutes} min" if minutes < 120 else f"{round(minutes / 60)} h"
    local = retry_at.astimezone()
    return f"(tried {tries} time{'s' if tries != 1 else ''}; will be tried again in {wait}, at {local:%H:%M})"


def record_skip(s: Session, actor: str, booking_id: int, reason: str) -> None:
    exists = s.get(Booking, booking_id) is not None
    sync_log.record(
        s, actor=actor, action=SyncAction.CREATE, outcome=Outcome.SKIPPED,
        message=f"Booking {booking_id}: nothing to sync ({reason})",
        booking_id=booking_id if exists else None, audit_event_id=cause_of(s, booking_id) if exists else None,
    )


def describe(target: SyncTarget) -> str:
    """One line for the log: what was written where, in the staff member's wall-clock time."""
    zone = ZoneInfo(target.spec.timezone)
    start: datetime = target.spec.start.astimezone(zone)
    end: datetime = target.spec.end.astimezone(zone)
    verb = {"create": "Created", "update": "Updated", "delete": "Deleted"}[str(target.action)]
    return (
        f"{verb} “{target.spec.summary}” {start:%Y-%m-%d %H:%M}–{end:%H:%M} {target.spec.timezone} "
        f"in {target.connection_name}"
    )
