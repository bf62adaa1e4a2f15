"""New booking / Reschedule: staff, service, customer, and a slot picker that offers only free times.

The slots come from the availability service (working hours − bookings − busy blocks ± buffers,
minimum notice, booking window), so the dialog cannot create a double booking by construction.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.services.bookings import BookingView
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread, spawn

SLOT_ROLE = Qt.ItemDataRole.UserRole + 10


class BookingDialog(QDialog):
    """``booking=None`` makes a new booking; otherwise it reschedules ``booking``."""

    def __init__(
        self,
        controller: DesktopController,
        day: date,
        booking: BookingView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.booking = booking
        self.result_booking: BookingView | None = None
        self._zones: dict[int, str] = {}
        self.loading = False
        self.setWindowTitle(self.tr("Reschedule booking") if booking else self.tr("New booking"))
        self.setMinimumWidth(420)
        form = self._booking_form(day)
        self._create_slot_picker()
        self._create_feedback_and_buttons(booking is not None)
        self._lay_out(form, booking)
        if booking is not None:
            self.customer.setText(booking.customer_name)
            for w in (self.staff, self.service, self.customer):
                w.setEnabled(False)
        self._connect_signals()
        self._update_ok()
        self.load_task = spawn(self.load(), on_error=self._show_error)

    # ----- building ----------------------------------------------------------------------------------
    def _booking_form(self, day: date) -> QFormLayout:
        """Staff member, service, customer and day."""
        form = QFormLayout()
        self.staff = QComboBox()
        self.service = QComboBox()
        self.customer = QLineEdit()
        self.customer.setPlaceholderText(self.tr("Customer's name"))
        self.day = QDateEdit(QDate(day.year, day.month, day.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd yyyy-MM-dd")
        form.addRow(self.tr("Staff member:"), self.staff)
        form.addRow(self.tr("Service:"), self.service)
        form.addRow(self.tr("Customer:"), self.customer)
        form.addRow(self.tr("Day:"), self.day)
        return form

    def _create_slot_picker(self) -> None:
        self.slots = QListWidget()
        self.slots.setFlow(QListWidget.Flow.LeftToRight)
        self.slots.setWrapping(True)
        self.slots.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.slots.setSpacing(4)
        self.slots.setMinimumHeight(150)
        self.slot_hint = QLabel()
        self.slot_hint.setWordWrap(True)

    def _create_feedback_and_buttons(self, rescheduling: bool) -> None:
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Reschedule") if rescheduling else self.tr("Book"))

    def _lay_out(self, form: QFormLayout, booking: BookingView | None) -> None:
        """The booking being moved (if any) in bold, the form, the free times, the hint, the error."""
        layout = QVBoxLayout(self)
        if booking is not None:
            who = QLabel(
                self.tr("{service} – {customer} with {staff}").format(
                    service=booking.service_name, customer=booking.customer_name, staff=booking.staff_name
                )
            )
            who.setStyleSheet("font-weight: bold;")
            layout.addWidget(who)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Free times:")))
        layout.addWidget(self.slots, 1)
        layout.addWidget(self.slot_hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(lambda: spawn(self.save(), on_error=self._show_error))
        self.buttons.rejected.connect(self.reject)
        self.staff.currentIndexChanged.connect(lambda _i: self.reload_slots())
        self.service.currentIndexChanged.connect(lambda _i: self.reload_slots())
        self.day.dateChanged.connect(lambda _d: self.reload_slots())
        self.slots.itemSelectionChanged.connect(self._update_ok)
        self.customer.textChanged.connect(lambda _t: self._update_ok())

    # ----- loading -----------------------------------------------------------------------------------
    async def load(self) -> None:
        staff = await off_thread(self.services.directory.list_staff)
        services = await off_thread(self.services.directory.list_services)
        self._zones = {s.id: s.timezone for s in staff}
        for combo, items in ((self.staff, staff), (self.service, services)):
            combo.blockSignals(True)
            combo.clear()
            for item in items:
                label = item.name if combo is self.staff else f"{item.name} ({item.duration_minutes} min)"
                combo.addItem(label, item.id)
            combo.blockSignals(False)
        if self.booking is not None:
            self.staff.setCurrentIndex(self.staff.findData(self.booking.staff_id))
            self.service.setCurrentIndex(self.service.findData(self.booking.service_id))
        if not staff or not services:
            self.slot_hint.setText(
                self.tr("Add a staff member and a service first (bizcal staff add / service add).")
            )
            return
        await self._load_slots()

    def reload_slots(self) -> None:
        self.load_task = spawn(self._load_slots(), on_error=self._show_error)

    async def _load_slots(self) -> None:
        staff_id, service_id = self.staff.currentData(), self.service.currentData()
        if staff_id is None or service_id is None:
            return
        self.loading = True
        try:
            qday = self.day.date()
            day = date(qday.year(), qday.month(), qday.day())
            slots = await off_thread(self.services.availability.slots, staff_id, service_id, day, 1)
        finally:
            self.loading = False
        self._show_slots(slots, self._zones.get(staff_id, "UTC"))

    def _show_slots(self, slots: list[TimeRange], zone: str) -> None:
        tz = ZoneInfo(zone)
        self.slots.clear()
        for slot in slots:
            item = QListWidgetItem(f"{slot.start.astimezone(tz):%H:%M}")
            item.setData(SLOT_ROLE, slot.start)
            item.setToolTip(f"{slot.start.astimezone(tz):%H:%M}–{slot.end.astimezone(tz):%H:%M} ({zone})")
            self.slots.addItem(item)
        if slots:
            self.slot_hint.setText(self.tr("Times in {zone}.").format(zone=zone))
        else:
            self.slot_hint.setText(
                self.tr("No free time on this day; try another day (Availability shows why).")
            )
        self._update_ok()

    # ----- saving ------------------------------------------------------------------------------------
    def select_slot(self, index: int) -> None:
        self.slots.setCurrentRow(index)

    def _update_ok(self) -> None:
        has_slot = bool(self.slots.selectedItems())
        self.ok_button.setEnabled(has_slot and bool(self.customer.text().strip()))

    async def save(self) -> None:
        items = self.slots.selectedItems()
        if not items:
            return
        start = items[0].data(SLOT_ROLE)
        self.ok_button.setEnabled(False)
        try:
            if self.booking is None:
                self.result_booking = await off_thread(
                    self.services.bookings.add,
                    self.staff.currentData(),
                    self.service.currentData(),
                    self.customer.text(),
                    start,
                )
            else:
                self.result_booking = await off_thread(self.services.bookings.move, self.booking.id, start)
        finally:
            self._update_ok()
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()

    def _show_error(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))
