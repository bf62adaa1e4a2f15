"""New booking / Reschedule: staff, service, customer, and a slot picker that offers only free times.

The slots come from the availability service (working hours − bookings − busy blocks ± buffers,
minimum notice, booking window), so the dialog offers no time that is booked already. Another device
on a team's database may book the same free time a moment earlier: the database refuses the second
booking (``store/booking_slots.py``), and Save shows its sentence ("That time was just taken: …") and
the slots again, without that time.
A new booking starts with the staff member and service booked last (kept in the database, so it
survives a restart) and offers only those that can be booked (not archived, offered).

Fresh when it matters: the busy blocks may be up to one import interval old, so on opening, and when
another staff member is chosen, the dialog reads that staff member's calendars again (off the Qt
thread, bounded by the request timeout) while it already shows the slots it has, then shows them
again. A time the user had picked that has just become busy is not dropped silently: a warning says
what is there, and Save books it only once the user ticks *Book anyway*. Save itself looks at the
stored busy times once more (the periodic import may have run meanwhile). A calendar that cannot
be read never stops a booking; a quiet line says how old its busy times are.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QSignalBlocker, Qt
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
from bizcal_desktop.errors import SlotTakenError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.bookings import BookingView
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.busy_notice import BusyNotice
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
        #: The start the user picked last; kept while the slots are shown again after a check.
        self.chosen: datetime | None = None
        #: The calendar check under way or done last (tests wait for it), and whether it runs.
        self.check_task: asyncio.Future[None] | None = None
        self.checking = False
        self._check_round = 0
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
        self.notice = BusyNotice()

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
        """The booking being moved (if any) in bold, the form, the free times, hint, notice and error."""
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
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(lambda: spawn(self.save(), on_error=self._show_error))
        self.buttons.rejected.connect(self.reject)
        self.staff.currentIndexChanged.connect(lambda _i: self._staff_changed())
        self.service.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.day.dateChanged.connect(lambda _d: self._choice_changed())
        self.slots.itemSelectionChanged.connect(self._slot_selected)
        self.customer.textChanged.connect(lambda _t: self._update_ok())
        self.notice.book_anyway.toggled.connect(lambda _c: self._update_ok())

    # ----- loading -----------------------------------------------------------------------------------
    async def load(self) -> None:
        # A new booking offers only staff and services that can be booked; a reschedule shows its own.
        moving = self.booking is not None
        staff = await off_thread(self.services.directory.list_staff, moving)
        services = await off_thread(self.services.directory.list_services, moving, not moving)
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
        else:
            await self._select_last_choice()
        if not staff or not services:
            self.slot_hint.setText(self.tr("Add a staff member and a service first, in Staff & Services."))
            return
        await self._load_slots()
        self.start_check()

    async def _select_last_choice(self) -> None:
        """Start with the staff member and service booked last, if they can still be booked."""
        choice = await off_thread(self.services.settings.last_booking_choice)
        for combo, wanted in zip((self.staff, self.service), choice, strict=True):
            index = combo.findData(wanted) if wanted is not None else -1
            if index >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)

    def reload_slots(self) -> None:
        self.load_task = spawn(self._load_slots(), on_error=self._show_error)

    def _choice_changed(self) -> None:
        """Another service or day: the time picked before is no longer the choice."""
        self._forget_choice()
        self.reload_slots()

    def _staff_changed(self) -> None:
        self._forget_choice()
        self.reload_slots()
        self.start_check()

    def _forget_choice(self) -> None:
        self.chosen = None
        self.notice.clear_warning()

    def _slot_selected(self) -> None:
        items = self.slots.selectedItems()
        if items:
            self.chosen = items[0].data(SLOT_ROLE)
            self.notice.clear_warning()
        self._update_ok()

    # ----- reading the calendars again ---------------------------------------------------------------
    def start_check(self) -> None:
        self.check_task = spawn(self.check_calendars(), on_error=self._check_failed)

    async def check_calendars(self) -> None:
        """Read the chosen staff member's calendars again, then show the slots again."""
        staff_id = self.staff.currentData()
        if staff_id is None:
            return
        self._check_round += 1
        round_ = self._check_round
        self.checking = True
        self.notice.checking(self.staff.currentText())
        try:
            check = await self.services.booking_check.refresh(staff_id)
        finally:
            if round_ == self._check_round:
                self.checking = False
        if round_ != self._check_round or staff_id != self.staff.currentData():
            return  # another staff member was chosen meanwhile: their check speaks
        self.notice.checked(check)
        await self._load_slots()

    def _check_failed(self, exc: BaseException) -> None:
        self.notice.check_failed()
        self._show_error(exc)

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
        zone = self._zones.get(staff_id, "UTC")
        self._show_slots(slots, zone)
        await self._keep_choice(staff_id, service_id, [s.start for s in slots], zone)

    async def _keep_choice(self, staff_id: int, service_id: int, starts: list[datetime], zone: str) -> None:
        """Select the picked time again, or say why it is gone (busy now: with the override)."""
        chosen = self.chosen
        if chosen is None:
            return
        if chosen in starts:
            self.slots.setCurrentRow(starts.index(chosen))
            return
        clash = await off_thread(self.services.booking_check.busy_over, staff_id, service_id, chosen)
        if self.chosen != chosen:
            return  # the user picked another time meanwhile
        if clash is not None:
            self.notice.warn_busy(chosen, clash)
        else:
            self.notice.warn_taken(chosen, zone)
        self._update_ok()

    def _show_slots(self, slots: list[TimeRange], zone: str) -> None:
        tz = ZoneInfo(zone)
        # Quietly: clearing moves the selection from row to row, which is not the user picking a time.
        with QSignalBlocker(self.slots):
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
        has_time = bool(self.slots.selectedItems()) or self.notice.overriding
        self.ok_button.setEnabled(has_time and bool(self.customer.text().strip()))

    def _start_to_book(self) -> tuple[datetime | None, bool]:
        """The selected slot, or the chosen busy time the user decided to book anyway (then True)."""
        items = self.slots.selectedItems()
        if items:
            return items[0].data(SLOT_ROLE), False
        if self.notice.overriding and self.chosen is not None:
            return self.chosen, True
        return None, False

    async def save(self) -> None:
        start, overriding = self._start_to_book()
        if start is None:
            return
        self.ok_button.setEnabled(False)
        try:
            staff_id, service_id = self.staff.currentData(), self.service.currentData()
            check = self.services.booking_check
            if not overriding and await off_thread(check.busy_over, staff_id, service_id, start):
                # Busy since the slots were shown (an import ran): show them again, with the warning.
                self.chosen = start
                await self._load_slots()
                return
            try:
                self.result_booking = await self._book(start)
            except SlotTakenError as exc:
                await self._taken(exc)
                return
        finally:
            self._update_ok()
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()

    async def _book(self, start: datetime) -> BookingView:
        if self.booking is not None:
            return await off_thread(self.services.bookings.move, self.booking.id, start, Door.DESKTOP)
        made = await off_thread(
            self.services.bookings.add, self.staff.currentData(), self.service.currentData(), self.customer.text(),
            start, Door.DESKTOP,
        )
        await off_thread(self.services.settings.remember_booking_choice, made.staff_id, made.service_id)
        return made

    async def _taken(self, exc: SlotTakenError) -> None:
        """Someone else booked that time first: say so as the lost-time warning (amber, like a time that
        just became busy; it is no mistake of the user's), and offer the times that are still free."""
        self._forget_choice()
        self.error.clear()
        self.notice.warn_lost(str(exc))
        await self._load_slots()

    def _show_error(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))
