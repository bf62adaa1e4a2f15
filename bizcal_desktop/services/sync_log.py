"""Reading the sync log (the audit trail) for the CLI and the Sync Log window.

Rows are written by :mod:`bizcal_desktop.store.sync_log`, in the transaction of the change they
describe; this side only reads, newest first, with the filters the views offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import CalendarSyncLog, Outcome


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
            return [
                LogEntry(
                    r.id, r.at, r.actor, r.action, r.outcome, r.message,
                    r.booking_id, r.connection_id, r.mapping_id,
                )
                for r in s.scalars(query)
            ]
