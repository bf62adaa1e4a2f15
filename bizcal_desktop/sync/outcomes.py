"""Writing down what a provider call did: the mapping row, the connection's health, the sync log.

Each function is one short transaction run in a worker thread by the engine. They are apart from the
engine so that its loop reads as the decision it makes (retry, fail over, give up) and this file as
the record it leaves; both are needed for an audit trail that says who did what, when, and how it went.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bizcal_desktop.providers.base import EventRef
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.audit import cause_of
from bizcal_desktop.store.connections import needs_attention
from bizcal_desktop.store.models import (
    Booking,
    CalendarEventMapping,
    MappingState,
    Outcome,
    SyncAction,
)
from bizcal_desktop.store.types import utcnow
from bizcal_desktop.sync.planning import SyncTarget


def record_success(s: Session, actor: str, target: SyncTarget, ref: EventRef | None, attempts: int) -> str:
    row = apply_success(s, actor, target, ref, attempts)
    sync_log.record(s, **row)
    return str(row["message"])


def apply_success(s: Session, actor: str, target: SyncTarget, ref: EventRef | None, attempts: int) -> dict[str, object]:
    """Mark the mapping synced and its connection working; the sync-log row that says so (not added yet,
    so a group's rows go in with one statement: :func:`~bizcal_desktop.store.sync_log.record_many`)."""
    mapping = s.get(CalendarEventMapping, target.mapping_id)
    assert mapping is not None
    mapping.state = MappingState.SYNCED
    mapping.attempts += attempts
    mapping.last_error = None
    if target.action == SyncAction.DELETE:
        mapping.deleted = True
    else:
        assert ref is not None
        mapping.external_id = ref.external_id
        mapping.href = ref.href
        mapping.etag = ref.etag
        # The booking may have changed while we wrote: record what we actually sent.
        mapping.synced_start_utc = target.spec.start
        mapping.synced_end_utc = target.spec.end
        mapping.synced_version = target.spec.sequence
    connection = mapping.connection
    connection.last_success_at = utcnow()
    connection.last_error = None
    return {"actor": actor, "action": target.action, "outcome": Outcome.SUCCESS, "message": describe(target),
            "booking_id": mapping.booking_id, "connection_id": connection.id, "mapping_id": mapping.id,
            "audit_event_id": target.caused_by}


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
