"""Reading the sync log (the audit trail) for the CLI and the Sync Log window.

Rows are written by :mod:`bizcal_desktop.store.sync_log`, in the transaction of the change they
describe; this side only reads, newest first, with the filters the views offer. A row that follows a
person's change names it (``caused_by``: who, through which door, what), read from the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import AuditEvent, CalendarSyncLog, Outcome


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: datetime
    actor: str
    action: str
    outcome: str
    message: str
    booking_id: int | None
    connection_id: int | None
    mapping_id: int | None
    audit_event_id: int | None = None
    #: The person's change this row follows: "audit #7: booking move by alice@laptop (desktop)".
    caused_by: str | None = None


class SyncLogService:
    """Reads the log for the CLI and the Sync Log window."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def entries(
        self,
        limit: int = 50,
        failed_only: bool = False,
        connection_id: int | None = None,
        booking_id: int | None = None,
        outcome: str | None = None,
    ) -> list[LogEntry]:
        query = select(CalendarSyncLog).order_by(CalendarSyncLog.id.desc()).limit(limit)
        if failed_only:
            query = query.where(CalendarSyncLog.outcome == Outcome.FAILURE)
        if outcome:
            query = query.where(CalendarSyncLog.outcome == outcome)
        if connection_id is not None:
            query = query.where(CalendarSyncLog.connection_id == connection_id)
        if booking_id is not None:
            query = query.where(CalendarSyncLog.booking_id == booking_id)
        with self._db.session() as s:
            rows = list(s.scalars(query))
            causes = _causes(s, {r.audit_event_id for r in rows if r.audit_event_id is not None})
            return [
                LogEntry(
                    r.id, r.at, r.actor, r.action, r.outcome, r.message,
                    r.booking_id, r.connection_id, r.mapping_id, r.audit_event_id, causes.get(r.audit_event_id),
                )
                for r in rows
            ]


def _who(e: AuditEvent) -> str:
    """"Sarah (sarah@laptop)" when a person was said at that computer, else "sarah@laptop"."""
    account = f"{e.os_user}@{e.device}"
    return f"{e.staff_member_name} ({account})" if e.staff_member_name else account


def _causes(s: Session, ids: set[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    return {
        e.id: f"audit #{e.id}: {e.kind} {e.action} by {_who(e)} ({e.door})"
        for e in s.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids)))
    }
