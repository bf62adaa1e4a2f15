"""The audit trail of people: who changed a booking, a connection or a setting, when, and through which door.

Why apart from the sync log: the sync log says what the *engine* did (actor "engine", "importer"),
which tells an auditor that an event was written but not who made the change behind it. An audit
event says who (the OS user and the device, and the person: the staff member this computer's user said
they are, with their name as it was — see below), what (before and after as JSON, never a secret), when (UTC) and through which door (the desktop
window, the CLI, or a move that flowed back from a calendar). It is written in the caller's
transaction, so a change and its audit event are committed together or not at all; the outbox job
the change queues carries its id, and the engine's log rows copy it, so each write links to the
change that caused it.

Append-only: nothing here edits or deletes a row, and the database refuses it too (triggers of
migration 0009): an UPDATE always, a DELETE unless the row is older than the retention setting
(``BusinessSettings.audit_retention_days``; None, the default, keeps everything). Old rows go only
through :func:`apply_retention`, which runs as new rows are written.

The person comes with the session (``session.info["person"]``, set by ``Database.session`` from what
``services/person.py`` resolved: "Who uses this computer?" on a team database, ``bizcal --as NAME``,
``BIZCAL_PERSON``). It *identifies*, it does not authenticate: BizCal has no sign-in, and whoever sits
at a computer can say they are someone else. The OS user and the device stay beside it. On a solo
SQLite file nobody is asked and the person stays empty.
"""

from __future__ import annotations

import functools
import getpass
import json
import socket
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bizcal_desktop.store.models import (
    AuditEvent,
    Booking,
    CalendarConnection,
    JobStatus,
    OutboxJob,
    Setting,
)
from bizcal_desktop.store.types import utcnow


class Door(StrEnum):
    """Through which door a change came in; callers say it, nothing guesses it."""

    DESKTOP = "desktop"  #: a window of the tray app
    CLI = "cli"  #: a ``bizcal`` command
    CALENDAR = "calendar"  #: a move made in a calendar app that flowed back (seen by the importer)
    UNKNOWN = "unknown"  #: a caller that did not say (tests, tools); never the app's own doors


class Kind(StrEnum):
    BOOKING = "booking"
    CONNECTION = "connection"
    SETTING = "setting"


#: The fields of a connection an audit event may show: never its keychain key or sync cursor.
_CONNECTION_FIELDS = (
    "display_name", "provider", "provider_type", "server_url", "username", "calendar_id", "calendar_name",
    "is_default", "active", "paused", "status", "import_busy", "event_privacy", "owner_device_name",
)


@functools.cache
def who_is_here() -> tuple[str, str]:
    """(OS user, host name) of this process; asked once, as neither changes while it runs.

    The host name is the device only where no device name was given (``Database.device_name``): on
    a team, "Sarah's laptop" tells the front desk more than "DESKTOP-7Q2K".
    """
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    return user, socket.gethostname() or "unknown"


def booking_snapshot(booking: Booking) -> dict[str, Any]:
    return {
        "customer": booking.customer_name, "service": booking.service.name, "staff": booking.staff.name,
        "start": booking.start_utc.isoformat(), "end": booking.end_utc.isoformat(),
        "timezone": booking.timezone, "status": booking.status,
    }


def connection_snapshot(row: CalendarConnection) -> dict[str, Any]:
    snapshot: dict[str, Any] = {name: getattr(row, name) for name in _CONNECTION_FIELDS}
    snapshot["staff"] = row.staff.name
    return snapshot


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs: (before, after) of the changed keys."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    session: Session,
    *,
    door: str,
    kind: Kind,
    action: str,
    subject: str,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    booking_id: int | None = None,
    connection_id: int | None = None,
) -> AuditEvent:
    """Add one audit event to the caller's transaction (flushed: its id can go on the outbox job)."""
    user, host = who_is_here()
    device = session.info.get("device") or host
    person = session.info.get("person")
    row = AuditEvent(
        at=utcnow(), os_user=user, device=device, staff_member_id=person.staff_id if person else None,
        staff_member_name=person.name[:200] if person else None, door=str(Door(door)), kind=str(kind),
        action=action, subject=subject[:64], summary=summary[:1000], before_json=_json(before),
        after_json=_json(after), booking_id=booking_id, connection_id=connection_id,
    )
    session.add(row)
    session.flush()
    apply_retention(session)
    return row


def cause_of(session: Session, booking_id: int) -> int | None:
    """The newest audited change among the booking's waiting jobs: what a write now converges on."""
    return session.scalar(
        select(func.max(OutboxJob.audit_event_id)).where(
            OutboxJob.booking_id == booking_id, OutboxJob.status == JobStatus.PENDING
        )
    )


def retention_days(session: Session) -> int | None:
    row = session.get(Setting, "business")
    days = json.loads(row.value_json).get("audit_retention_days") if row is not None else None
    return int(days) if days else None


def apply_retention(session: Session, now: datetime | None = None) -> int:
    """Remove audit events older than the retention setting (none while it keeps everything)."""
    days = retention_days(session)
    if days is None:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def connection_changed(
    session: Session, door: str, action: str, row: CalendarConnection, before: dict[str, Any] | None,
    summary: str,
) -> AuditEvent:
    """An audit event of a connection change: what changed of it (all of it when it is new)."""
    after = connection_snapshot(row)
    if before is not None:
        before, after = changed_fields(before, after)
    return record(session, door=door, kind=Kind.CONNECTION, action=action, subject=f"connection {row.id}",
                  summary=summary, before=before, after=after, connection_id=row.id)
