"""One booking's details: where its event is (each calendar and its state) and its sync history.

Why both: the mapping says where the booking stands now ("in Alice – Work", "failed: password
refused"), the sync log says how it got there (created, moved, retried, moved back from the
calendar). A practitioner asked "did my customer's booking reach my phone?" reads the first; whoever
helps them when it did not reads the second.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QLabel, QWidget

from bizcal_desktop.services.bookings import BookingView, MappingView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.models.mappings import state_text
from bizcal_desktop.ui.models.rows import Column, RowTableModel
from bizcal_desktop.ui.models.sync_log import sync_log_model
from bizcal_desktop.ui.resources import icon
from bizcal_desktop.ui.tables import row_table
from bizcal_desktop.ui.tasks import off_thread

_ICON = {"synced": "status-ok", "failed": "status-failed", "pending": "status-pending", "superseded": "status-skipped"}


class BookingDetailsWindow(BaseWindow):
    def __init__(self, controller: DesktopController, booking: BookingView, parent: QWidget | None = None) -> None:
        super().__init__(
            controller,
            self.tr("BizCal — Booking {id}, {customer}").format(id=booking.id, customer=booking.customer_name),
            "bookings",
            parent,
        )
        self.booking = booking
        self.resize(820, 480)
        self._names: dict[int, str] = {}
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.calendars = RowTableModel(
            [
                Column(self.tr("Calendar"), lambda m: self._names.get(m.connection_id, f"#{m.connection_id}")),
                Column(self.tr("State"), self._state, icon=lambda m: icon(_ICON.get(m.state, "status-pending"))),
                Column(self.tr("Attempts"), lambda m: str(m.attempts)),
                Column(self.tr("Last error"), lambda m: m.last_error or "", tooltip=lambda m: m.last_error),
            ],
            self,
        )
        self.history = sync_log_model(self._names, self)
        self.calendar_table = row_table(self.calendars, wrap_text=False)
        self.history_table = row_table(self.history, wrap_text=False)
        self.history_table.setColumnHidden(2, True)  # the booking: this one, on every row
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(QLabel(self.tr("<b>Calendar</b>")))
        self.layout_.addWidget(self.calendar_table, 1)
        self.layout_.addWidget(QLabel(self.tr("<b>Sync history</b> (newest first)")))
        self.layout_.addWidget(self.history_table, 2)
        self.finish_layout()
        controller.data_changed.connect(self._data_changed)

    def _state(self, m: MappingView) -> str:
        if m.state == "superseded":
            return self.tr("Moved to another calendar")
        return state_text(m)  # type: ignore[arg-type]

    async def refresh(self) -> None:
        b = await off_thread(self.services.bookings.get, self.booking.id)
        self.booking = b
        connections = await off_thread(self.services.connections.list, None, True)
        entries = await off_thread(lambda: self.services.sync_log.entries(limit=200, booking_id=b.id))
        self._names.clear()
        self._names.update({c.id: c.calendar_name or c.display_name for c in connections})
        tz = ZoneInfo(b.timezone)
        status = self.tr("Cancelled") if b.status == "cancelled" else self.tr("Confirmed")
        self.summary.setText(
            self.tr("<b>{service} – {customer}</b> with {staff}<br>{day} {start}–{end} ({zone}) · {status}").format(
                service=b.service_name, customer=b.customer_name, staff=b.staff_name,
                day=f"{b.start.astimezone(tz):%a %Y-%m-%d}", start=f"{b.start.astimezone(tz):%H:%M}",
                end=f"{b.end.astimezone(tz):%H:%M}", zone=b.timezone, status=status,
            )
        )
        self.calendars.set_rows(b.mappings)
        self.history.set_rows(entries)
        if not b.mappings:
            self.show_message(self.tr("Not in any calendar: {staff} has no calendar connected, or it has not "
                                      "been written yet.").format(staff=b.staff_name))
        else:
            self.show_message("")
