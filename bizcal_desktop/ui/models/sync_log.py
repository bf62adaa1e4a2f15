"""Columns of the Sync Log table."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon

from bizcal_desktop.services.sync_log import LogEntry
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.formatting import local_time_text
from bizcal_desktop.ui.models.rows import Column, RowTableModel

_OUTCOME_ICON = {"success": "status-ok", "failure": "status-failed", "skipped": "status-skipped"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncLogModel", text)


def outcome_icon(outcome: str) -> QIcon:
    return resources.icon(_OUTCOME_ICON.get(outcome, "status-pending"))


def describe_entry(e: LogEntry) -> str:
    """Everything about one entry as plain text (what *Copy details* puts on the clipboard)."""
    lines = [
        f"{_tr('When')}: {e.at.isoformat()}",
        f"{_tr('Action')}: {e.action}",
        f"{_tr('Outcome')}: {e.outcome}",
        f"{_tr('Actor')}: {e.actor}",
    ]
    if e.booking_id is not None:
        lines.append(f"{_tr('Booking')}: {e.booking_id}")
    if e.connection_id is not None:
        lines.append(f"{_tr('Connection')}: {e.connection_id}")
    if e.mapping_id is not None:
        lines.append(f"{_tr('Event mapping')}: {e.mapping_id}")
    if e.caused_by is not None:
        lines.append(f"{_tr('Caused by')}: {e.caused_by}")
    lines.append(f"{_tr('Message')}: {e.message}")
    return "\n".join(lines)


def sync_log_model(connection_names: dict[int, str], parent=None) -> RowTableModel[LogEntry]:  # type: ignore[no-untyped-def]
    def connection(e: LogEntry) -> str:
        if e.connection_id is None:
            return ""
        return connection_names.get(e.connection_id, f"#{e.connection_id}")

    return RowTableModel(
        [
            Column(
                _tr("When"),
                lambda e: local_time_text(e.at),
                icon=lambda e: outcome_icon(e.outcome),
                tooltip=lambda e: e.outcome,
                sort_key=lambda e: e.id,
            ),
            Column(_tr("Action"), lambda e: e.action),
            Column(
                _tr("Booking"),
                lambda e: "" if e.booking_id is None else str(e.booking_id),
                sort_key=lambda e: e.booking_id or 0,
            ),
            Column(_tr("Calendar"), connection),
            Column(_tr("Message"), lambda e: e.message, tooltip=lambda e: e.message),
        ],
        parent,
    )
