"""Columns of a connection's event mappings (the Details window)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from bizcal_desktop.services.status import MappingRow
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.models.rows import Column, RowTableModel

_ICON = {"synced": "status-ok", "failed": "status-failed", "pending": "status-pending"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("MappingsModel", text)


def state_text(m: MappingRow) -> str:
    if m.deleted and m.state == "synced":
        return _tr("Removed (cancelled)")
    return {"synced": _tr("In calendar"), "failed": _tr("Failed"), "pending": _tr("Waiting")}.get(
        m.state, m.state
    )


def mappings_model(parent=None) -> RowTableModel[MappingRow]:  # type: ignore[no-untyped-def]
    return RowTableModel(
        [
            Column(_tr("Booking"), lambda m: f"#{m.booking_id}", sort_key=lambda m: m.booking_id),
            Column(
                _tr("When"),
                lambda m: f"{m.start.astimezone(ZoneInfo(m.timezone)):%Y-%m-%d %H:%M}",
                sort_key=lambda m: m.start,
            ),
            Column(_tr("Booking details"), lambda m: f"{m.service_name} – {m.customer_name}"),
            Column(
                _tr("Event"),
                state_text,
                icon=lambda m: resources.icon(_ICON.get(m.state, "status-pending")),
                tooltip=lambda m: m.last_error,
            ),
            Column(_tr("Attempts"), lambda m: str(m.attempts)),
            Column(_tr("Last error"), lambda m: m.last_error or "", tooltip=lambda m: m.last_error),
        ],
        parent,
    )
