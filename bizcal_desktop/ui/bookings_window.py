"""Bookings: the day's bookings beside the week; New booking, Reschedule and Cancel go through
BookingService and then ask for a drain, so the calendars follow within seconds.

Finding a customer's booking is a search field over the list: while it holds text the list shows
every booking whose customer's name contains it, on any date (with the date shown), so "when is
Emma coming?" needs no paging through days. Details shows where a booking's event is and its sync
history.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QWidget,
)

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.bookings import BookingView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.booking_details import BookingDetailsWindow
from bizcal_desktop.ui.booking_dialog import BookingDialog
from bizcal_desktop.ui.confirm import confirm
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.models.bookings import bookings_model
from bizcal_desktop.ui.tables import row_table
from bizcal_desktop.ui.tasks import off_thread
from bizcal_desktop.ui.week_view import WeekView, by_day, week_of


def qdate_to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class BookingsWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Bookings"), "bookings", parent)
        self.resize(1280, 560)
        self._zone = "UTC"
        self.dialog: BookingDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.details: dict[int, BookingDetailsWindow] = {}
        #: A booking clicked in the week view, selected in the list once its day is shown.
        self._select_after_refresh: int | None = None
        self.layout_.addLayout(self._day_bar())
        self.model = bookings_model(self)
        self.table = row_table(self.model)
        self.week = WeekView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.week)
        splitter.setSizes([680, 600])
        self.layout_.addWidget(splitter, 1)
        self.layout_.addLayout(self._action_buttons())
        self.finish_layout()
        self._connect_signals(controller)
        self._selection_changed()

    # ----- building --------------------------------------------------------------------------------
    def _day_bar(self) -> QHBoxLayout:
        """Previous / day / next / Today, then the staff filter and Show cancelled."""
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀")
        self.prev_button.setToolTip(self.tr("Previous day"))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dddd, yyyy-MM-dd")
        # Wide enough for the longest weekday name, so no day is clipped (the size hint follows
        # whatever day happens to be shown when the window opens).
        self.day.setMinimumWidth(self.day.fontMetrics().horizontalAdvance("Wednesday, 2026-09-30") + 48)
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip(self.tr("Next day"))
        self.today_button = QPushButton(self.tr("Today"))
        for w in (self.prev_button, self.next_button):
            w.setFixedWidth(36)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.day)
        bar.addWidget(self.next_button)
        bar.addWidget(self.today_button)
        bar.addSpacing(16)
        bar.addWidget(QLabel(self.tr("Staff:")))
        self.staff = QComboBox()
        self.staff.addItem(self.tr("Everyone"), None)
        bar.addWidget(self.staff)
        self.show_cancelled = QCheckBox(self.tr("Show cancelled"))
        bar.addWidget(self.show_cancelled)
        bar.addStretch(1)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Find a customer…"))
        self.search.setToolTip(self.tr("Every booking whose customer's name contains this, on any date"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        bar.addWidget(self.search)
        return bar

    def _action_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New booking…"))
        self.reschedule_button = QPushButton(self.tr("Reschedule…"))
        self.cancel_button = QPushButton(self.tr("Cancel booking…"))
        self.details_button = QPushButton(self.tr("Details…"))
        self.details_button.setToolTip(self.tr("Where the booking's event is, and its sync history"))
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.reschedule_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.details_button)
        buttons.addStretch(1)
        return buttons

    def _connect_signals(self, controller: DesktopController) -> None:
        self.prev_button.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        self.next_button.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        self.today_button.clicked.connect(lambda: self.day.setDate(QDate.currentDate()))
        self.day.dateChanged.connect(lambda _d: self.request_refresh())
        self.staff.currentIndexChanged.connect(lambda _i: self.request_refresh())
        self.show_cancelled.toggled.connect(lambda _c: self.request_refresh())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_reschedule())
        self.new_button.clicked.connect(self.open_new)
        self.reschedule_button.clicked.connect(self.open_reschedule)
        self.cancel_button.clicked.connect(self.ask_cancel)
        self.details_button.clicked.connect(self.open_details)
        self.search.textChanged.connect(lambda _t: self.request_refresh())
        self.week.booking_clicked.connect(self.show_booking)
        controller.data_changed.connect(self._data_changed)

    def selected_day(self) -> date:
        return qdate_to_date(self.day.date())

    def set_day(self, day: date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    def search_text(self) -> str:
        return self.search.text().strip()

    async def refresh(self) -> None:
        self._zone = (await off_thread(self.services.settings.get)).timezone
        await self._refresh_staff_filter()
        day, query = self.selected_day(), self.search_text()
        staff, cancelled = self.staff.currentData(), self.show_cancelled.isChecked()
        if query:
            rows = await off_thread(self.services.bookings.search, query, staff, cancelled)
        else:
            start = local_midnight_utc(day, self._zone)
            end = local_midnight_utc(day + timedelta(days=1), self._zone)
            rows = await off_thread(self.services.bookings.list, staff, start, end, cancelled)
        if (day, query) != (self.selected_day(), self.search_text()):
            return  # the day or the search changed meanwhile; the refresh that follows shows it
        self.model.set_rows(rows)
        self.table.setColumnHidden(0, not query)  # the date, only when the rows span dates
        if query:
            self.show_message(self._found_text(query, len(rows)))
        else:
            self.show_empty_hint(not rows, self.tr("No bookings on this day."))
        self._select_pending()
        self._selection_changed()
        await self._refresh_week(day, staff, cancelled)

    async def _refresh_staff_filter(self) -> None:
        staff = await off_thread(self.services.directory.list_staff, True)
        current = self.staff.currentData()
        self.staff.blockSignals(True)
        self.staff.clear()
        self.staff.addItem(self.tr("Everyone"), None)
        for s in staff:
            self.staff.addItem(self.tr("{name} (archived)").format(name=s.name) if s.archived else s.name, s.id)
        self.staff.setCurrentIndex(max(self.staff.findData(current), 0))
        self.staff.blockSignals(False)

    async def _refresh_week(self, day: date, staff: int | None, cancelled: bool) -> None:
        days = week_of(day)
        start = local_midnight_utc(days[0], self._zone)
        end = local_midnight_utc(days[-1] + timedelta(days=1), self._zone)
        rows = await off_thread(self.services.bookings.list, staff, start, end, cancelled)
        if day == self.selected_day():
            self.week.show_week(days, by_day(rows, days, self._zone), day)

    def _found_text(self, query: str, count: int) -> str:
        if not count:
            return self.tr("No booking for a customer named “{q}”.").format(q=query)
        if count == 1:
            return self.tr("1 booking for “{q}”, on any date.").format(q=query)
        return self.tr("{n} bookings for “{q}”, on any date.").format(n=count, q=query)

    def show_booking(self, day: date, booking_id: int) -> None:
        """Show ``day`` in the list (leaving a search) with booking ``booking_id`` selected."""
        self._select_after_refresh = booking_id
        if self.search.text():
            self.search.clear()  # refreshes
        if day != self.selected_day():
            self.set_day(day)  # refreshes
        elif not self.refreshing:
            self._select_pending()

    def _select_pending(self) -> None:
        wanted, self._select_after_refresh = self._select_after_refresh, None
        for i, b in enumerate(self.model.rows()):
            if b.id == wanted:
                self.table.selectRow(i)

    def selected_booking(self) -> BookingView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        b = self.selected_booking()
        editable = b is not None and b.status == "confirmed"
        self.reschedule_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)
        self.details_button.setEnabled(b is not None)

    # ----- actions -------------------------------------------------------------------------------
    def open_new(self) -> BookingDialog:
        return self._open_dialog(None)

    def open_reschedule(self) -> BookingDialog | None:
        booking = self.selected_booking()
        if booking is None or booking.status != "confirmed":
            return None
        return self._open_dialog(booking)

    def open_details(self) -> BookingDetailsWindow | None:
        booking = self.selected_booking()
        if booking is None:
            return None
        window = self.details.get(booking.id)
        if window is None:
            window = BookingDetailsWindow(self.controller, booking)
            self.details[booking.id] = window
        window.show()
        window.raise_()
        return window

    def _open_dialog(self, booking: BookingView | None) -> BookingDialog:
        self.dialog = BookingDialog(self.controller, self.selected_day(), booking, parent=self)
        self.dialog.accepted.connect(self._dialog_saved)
        self.dialog.open()
        return self.dialog

    def _dialog_saved(self) -> None:
        if self.dialog is not None and self.dialog.result_booking is not None:
            b = self.dialog.result_booking
            self.show_message(self.tr("Saved booking {id}; syncing it to the calendar.").format(id=b.id))

    def ask_cancel(self) -> QMessageBox | None:
        booking = self.selected_booking()
        if booking is None:
            return None
        self.confirm_box = confirm(
            self,
            self.tr("Cancel booking"),
            self.tr("Cancel {service} for {customer} ({when})? The calendar event will be deleted.").format(
                service=booking.service_name,
                customer=booking.customer_name,
                when=f"{booking.start.astimezone(ZoneInfo(booking.timezone)):%Y-%m-%d %H:%M}",
            ),
            self.tr("Cancel booking"),
            lambda: self.run(self.cancel_booking(booking.id)),
        )
        return self.confirm_box

    async def cancel_booking(self, booking_id: int) -> None:
        await off_thread(self.services.bookings.cancel, booking_id, Door.DESKTOP)
        self.controller.request_drain()
        await self.request_refresh()
        self.show_message(
            self.tr("Booking {id} cancelled; its calendar event is being removed.").format(id=booking_id)
        )
