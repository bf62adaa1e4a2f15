"""The Calendar Integrations tree: staff members, each with their calendar connections.

An archived staff member's connections stay connected (so cancelling their bookings still removes
the events), so they are listed, marked archived, until they are disconnected.

On a team's shared database the *Computer* column says which computer writes each calendar (the one
whose keychain holds its secret): "This computer", or the other computer's name.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.services.directory import StaffView
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.formatting import local_time_text

CONNECTION_ROLE = Qt.ItemDataRole.UserRole + 20
STAFF_ROLE = Qt.ItemDataRole.UserRole + 21

_STATUS_ICON = {
    "active": "status-ok",
    "needs_reconnect": "status-failed",
    "calendar_missing": "status-failed",
    "deactivated": "status-failed",
    "disconnected": "status-skipped",
    "removing": "status-pending",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConnectionsModel", text)


def provider_text(c: ConnectionView) -> str:
    if c.provider == "caldav":
        kind = {"icloud": "iCloud", "fastmail": "Fastmail", "nextcloud": "Nextcloud"}.get(
            c.provider_type or "", "CalDAV"
        )
        return kind
    return {"google": "Google", "microsoft": "Microsoft 365"}.get(c.provider, c.provider)


def status_text(c: ConnectionView) -> str:
    if c.paused:
        return _tr("Paused") if c.status == "active" else _tr("{status} (paused)").format(status=_status_word(c))
    if c.status == "active" and c.last_error:
        return _tr("Active — last sync failed")
    return _status_word(c)


def _status_word(c: ConnectionView) -> str:
    return {
        "active": _tr("Active"),
        "needs_reconnect": _tr("Needs reconnect"),
        "calendar_missing": _tr("Calendar missing"),
        "deactivated": _tr("Deactivated"),
        "disconnected": _tr("Disconnected"),
        "removing": _tr("Disconnected — removing its events"),
    }.get(c.status, c.status)


def status_icon_name(c: ConnectionView) -> str:
    if c.paused and c.status == "active":
        return "status-pending"  # waiting by the user's choice: not a failure
    if c.status == "active" and c.last_error:
        return "status-failed"
    return _STATUS_ICON.get(c.status, "status-pending")


HEADERS = ("Staff / account", "Provider", "Calendar", "Default", "Status", "Last success", "Computer")


def computer_text(c: ConnectionView, this_device: str | None) -> str:
    """Which computer writes this calendar: this one, another one by name, or none yet."""
    if this_device is None or c.used_here(this_device):
        return _tr("This computer")
    if c.owner_device is None:
        return _tr("Not claimed yet (the computer that connected it)")
    return c.owner_device_name or _tr("Another computer")


def connections_model(
    staff: list[StaffView], connections: list[ConnectionView], parent=None, this_device: str | None = None
) -> QStandardItemModel:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels([_tr(h) for h in HEADERS])
    by_staff: dict[int, list[ConnectionView]] = {}
    for c in connections:
        by_staff.setdefault(c.staff_id, []).append(c)
    for person in staff:
        mine = by_staff.get(person.id, [])
        if person.archived and not mine:
            continue  # archived with no calendar left: nothing to do here
        head = QStandardItem(_tr("{name} (archived)").format(name=person.name) if person.archived else person.name)
        head.setData(person.id, STAFF_ROLE)
        head.setToolTip(person.timezone)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        rest = [QStandardItem("") for _ in HEADERS[1:]]
        if not mine:
            rest[1].setText(_tr("No calendar connected"))
        for item in [head, *rest]:
            item.setEditable(False)
            item.setData(person.id, STAFF_ROLE)
        model.appendRow([head, *rest])
        for c in mine:
            cells = [
                QStandardItem(c.display_name),
                QStandardItem(provider_text(c)),
                QStandardItem(c.calendar_name or c.calendar_id or ""),
                QStandardItem(_tr("Default") if c.is_default else ""),
                QStandardItem(resources.icon(status_icon_name(c)), status_text(c)),
                QStandardItem(local_time_text(c.last_success_at) if c.last_success_at else _tr("never")),
                QStandardItem(computer_text(c, this_device)),
            ]
            if c.last_error:
                cells[4].setToolTip(c.last_error)
            for item in cells:
                item.setEditable(False)
                item.setData(c.id, CONNECTION_ROLE)
                item.setData(person.id, STAFF_ROLE)
            head.appendRow(cells)
    return model
