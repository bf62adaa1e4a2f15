"""Columns of the Audit window's table, and one change as text (before and after, for its details)."""

from __future__ import annotations

import json

from PySide6.QtCore import QCoreApplication

from bizcal_desktop.services.audit import AuditEntry
from bizcal_desktop.ui.formatting import local_time_text
from bizcal_desktop.ui.models.rows import Column, RowTableModel

_DOORS = {"desktop": "Desktop", "cli": "Command line", "calendar": "From a calendar", "unknown": "Unknown"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditModel", text)


def door_text(door: str) -> str:
    return _tr(_DOORS.get(door, door))


def describe_change(e: AuditEntry) -> str:
    """Everything about one change as plain text: who, when, through which door, before and after."""
    lines = [
        f"{_tr('When')}: {e.at.isoformat()} (UTC)",
        f"{_tr('Who')}: {e.os_user} on {e.device}",
        *([f"{_tr('Person')}: {e.person} ({_tr('as said on that computer; not a sign-in')})"] if e.person else []),
        f"{_tr('Door')}: {door_text(e.door)}",
        f"{_tr('What')}: {e.kind} {e.action} — {e.subject}",
        f"{_tr('Summary')}: {e.summary}",
    ]
    for label, value in ((_tr("Before"), e.before), (_tr("After"), e.after)):
        if value is not None:
            lines.append(f"{label}:\n{json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)}")
    return "\n".join(lines)


def audit_model(parent=None) -> RowTableModel[AuditEntry]:  # type: ignore[no-untyped-def]
    return RowTableModel(
        [
            Column(_tr("When"), lambda e: local_time_text(e.at), sort_key=lambda e: e.id),
            Column(_tr("Who"), lambda e: e.who),
            Column(_tr("Door"), lambda e: door_text(e.door)),
            Column(_tr("What"), lambda e: f"{e.kind} {e.action}"),
            Column(_tr("Summary"), lambda e: e.summary, tooltip=lambda e: e.summary),
        ],
        parent,
    )
