"""Columns of the Bookings list (dates and times in each booking's own zone)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon

from bizcal_desktop.services.bookings import BookingView
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.models.rows import Column, RowTableModel

_SYNC_ICON = {
    "synced": "status-ok",
    "failed": "status-failed",
    "pending": "status-pending",
    "-": "status-skipped",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("BookingsModel", text)


def sync_icon(b: BookingView) -> QIcon:
    return resources.icon(_SYNC_ICON.get(b.sync_state, "status-pending"))


def sync_text(b: BookingView) -> str:
    return {
        "synced": _tr("In calendar"),
        "failed": _tr("Sync failed"),
        "pending": _tr("Waiting to sync"),
        "-": _tr("No calendar"),
    }.get(b.sync_state, b.sync_state)


def time_text(b: BookingView) -> str:
    tz = ZoneInfo(b.timezone)
    return f"{b.start.astimezone(tz):%H:%M}–{b.end.astimezone(tz):%H:%M}"


def date_text(b: BookingView) -> str:
    return f"{b.start.astimezone(ZoneInfo(b.timezone)):%a %Y-%m-%d}"


def bookings_model(parent=None) -> RowTableModel[BookingView]:  # type: ignore[no-untyped-def]
    return RowTableModel(
        [
            # Shown only while the list spans dates (a customer search); a day's list hides it.
            Column(_tr("Date"), date_text, sort_key=lambda b: b.start),
            Column(_tr("Time"), time_text, tooltip=lambda b: b.timezone, sort_key=lambda b: b.start),
            Column(_tr("Staff"), lambda b: b.staff_name),
            Column(_tr("Service"), lambda b: b.service_name),
            Column(_tr("Customer"), lambda b: b.customer_name),
            Column(
                _tr("Status"), lambda b: _tr("Cancelled") if b.status == "cancelled" else _tr("Confirmed")
            ),
            Column(
                _tr("Calendar"),
                sync_text,
                icon=sync_icon,
                tooltip=lambda b: "\n".join(m.last_error for m in b.mappings if m.last_error) or None,
            ),
        ],
        parent,
    )
