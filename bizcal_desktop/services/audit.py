"""Reading the audit trail of people, for ``bizcal audit`` and the Audit window; exporting it as CSV.

Rows are written by :mod:`bizcal_desktop.store.audit`, in the transaction of the change they
describe. This side only reads: there is no method that edits or deletes an audit event (the
database refuses it too), and the retention setting is applied by the store as rows are written.
Who made a change is the OS user and the device, and the person (a staff member) when this computer's
user said who they are — which identifies, it does not authenticate (``services/person.py``).
The text filter compares case-insensitively the way people mean it ("müller" finds "Müller"), so it
runs here over the rows of the chosen period rather than in SQL.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bizcal_desktop.store.audit import Door
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import AuditEvent

__all__ = ["CSV_COLUMNS", "AuditEntry", "AuditService", "Door", "csv_text"]

#: The columns of an export, in order (before and after as JSON text).
CSV_COLUMNS = ("id", "at_utc", "os_user", "device", "staff_member_id", "person", "door", "kind", "action",
               "subject", "summary", "before", "after", "booking_id", "connection_id")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  #: UTC
    os_user: str
    device: str
    staff_member_id: int | None  #: the staff member the change was made as (identified, not signed in)
    door: str
    kind: str
    action: str
    subject: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    booking_id: int | None
    connection_id: int | None

    #: That staff member's name as it was then; None on a solo file or a computer several people share.
    person: str | None = None

    @property
    def who(self) -> str:
        """"Sarah (sarah@salon-laptop)": the person said at that computer, and the OS user and device."""
        account = f"{self.os_user}@{self.device}"
        return f"{self.person} ({account})" if self.person else account

    def text(self) -> str:
        """Everything a text filter may match."""
        return " ".join([self.who, self.door, self.kind, self.action, self.subject, self.summary,
                         json.dumps(self.before, ensure_ascii=False), json.dumps(self.after, ensure_ascii=False)])


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        row.id, row.at, row.os_user, row.device, row.staff_member_id, row.door, row.kind, row.action,
        row.subject, row.summary, json.loads(row.before_json) if row.before_json else None,
        json.loads(row.after_json) if row.after_json else None, row.booking_id, row.connection_id,
        row.staff_member_name,
    )


class AuditService:
    """Reads the audit trail; never changes it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def entries(
        self, since: datetime | None = None, text: str | None = None, limit: int | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """Newest first; ``since``/``until`` are instants (aware), ``text`` any words of the row."""
        query = select(AuditEvent).order_by(AuditEvent.id.desc())
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        if until is not None:
            query = query.where(AuditEvent.at < until)
        needle = (text or "").strip().casefold()
        if not needle and limit is not None:
            query = query.limit(limit)
        with self._db.session() as s:
            rows = [_entry(r) for r in s.scalars(query)]
        if needle:
            rows = [e for e in rows if needle in e.text().casefold()]
        return rows[:limit] if limit is not None else rows

    def get(self, audit_event_id: int) -> AuditEntry | None:
        with self._db.session() as s:
            row = s.get(AuditEvent, int(audit_event_id))
            return _entry(row) if row is not None else None

    def export_csv(self, entries: list[AuditEntry], path: Path) -> int:
        """Write ``entries`` to ``path`` as CSV (UTF-8 with a BOM, so spreadsheet apps read umlauts)."""
        path.write_text(csv_text(entries), encoding="utf-8-sig", newline="")
        return len(entries)


def csv_text(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow([
            e.id, e.at.isoformat(), e.os_user, e.device, e.staff_member_id or "", e.person or "", e.door, e.kind,
            e.action, e.subject, e.summary, _json_cell(e.before), _json_cell(e.after), e.booking_id or "",
            e.connection_id or "",
        ])
    return out.getvalue()


def _json_cell(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
