"""Writing one sync-log row, in the caller's transaction.

The engine, the importer, the token guardian, recovery and the connection service all log what they
did; the row is added to the same session as the change it describes, so a change and its log row are
committed together or not at all. Messages are masked with :func:`~bizcal_desktop.redaction.redact`.
:func:`record_many` adds many rows with one statement (a drain records a group of bookings at once).
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bizcal_desktop.redaction import redact
from bizcal_desktop.store.models import CalendarSyncLog
from bizcal_desktop.store.types import utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    outcome: str,
    message: str = "",
    booking_id: int | None = None,
    connection_id: int | None = None,
    mapping_id: int | None = None,
    audit_event_id: int | None = None,
) -> CalendarSyncLog:
    """Add one log row to ``session`` (committed with the change it describes).

    ``audit_event_id`` names the person's change the row follows from (``store/audit.py``).
    """
    row = CalendarSyncLog(
        actor=actor,
        action=str(action),
        outcome=str(outcome),
        message=redact(message)[:2000],
        booking_id=booking_id,
        connection_id=connection_id,
        mapping_id=mapping_id,
        audit_event_id=audit_event_id,
    )
    session.add(row)
    return row


def record_many(session: Session, rows: list[dict[str, object]]) -> None:
    """Add many log rows (each with :func:`record`'s keywords) in one statement, in the caller's transaction.

    A Core insert on the table: the ORM's bulk path costs several times as much CPU for the same rows.
    """
    if not rows:
        return
    at = utcnow()
    session.execute(insert(CalendarSyncLog.__table__), [
        {"at": at, "actor": row["actor"], "action": str(row["action"]), "outcome": str(row["outcome"]),
         "message": redact(str(row.get("message") or ""))[:2000], "booking_id": row.get("booking_id"),
         "connection_id": row.get("connection_id"), "mapping_id": row.get("mapping_id"),
         "audit_event_id": row.get("audit_event_id")}
        for row in rows
    ])
