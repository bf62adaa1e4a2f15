"""Columns of the Staff and Services lists (Staff & Services window)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from bizcal_desktop.services.directory import ServiceView, StaffView
from bizcal_desktop.ui.models.rows import Column, RowTableModel


def _tr(text: str) -> str:
    return QCoreApplication.translate("DirectoryModel", text)


def minutes_text(minutes: int) -> str:
    return _tr("{n} min").format(n=minutes) if minutes else "—"


def service_state_text(s: ServiceView) -> str:
    if s.archived:
        return _tr("Archived")
    return _tr("Offered") if s.offered else _tr("Not offered")


def staff_model(own_hours: set[int], parent=None) -> RowTableModel[StaffView]:  # type: ignore[no-untyped-def]
    """``own_hours``: the staff members whose hours differ from the business's."""
    return RowTableModel(
        [
            Column(_tr("Name"), lambda s: s.name),
            Column(_tr("Time zone"), lambda s: s.timezone),
            Column(
                _tr("Working hours"),
                lambda s: _tr("Own hours") if s.id in own_hours else _tr("Business hours"),
            ),
            Column(_tr("State"), lambda s: _tr("Archived") if s.archived else _tr("Active")),
        ],
        parent,
    )


def services_model(parent=None) -> RowTableModel[ServiceView]:  # type: ignore[no-untyped-def]
    return RowTableModel(
        [
            Column(_tr("Name"), lambda s: s.name),
            Column(_tr("Duration"), lambda s: minutes_text(s.duration_minutes), sort_key=lambda s: s.duration_minutes),
            Column(_tr("Buffer before"), lambda s: minutes_text(s.buffer_before_minutes)),
            Column(_tr("Buffer after"), lambda s: minutes_text(s.buffer_after_minutes)),
            Column(_tr("State"), service_state_text),
        ],
        parent,
    )
