"""The week beside the day list: seven columns, Monday first, each day's bookings under it.

Why days are cut at the business's local midnights (``local_midnight_utc``) and not at start +
24 h: a week with a clock change has a 23- or 25-hour day, and a booking late on that Sunday
must land on Sunday, not on the next Monday or nowhere. The day list cuts its day the same way,
so a booking is under the same day in both. Times are shown in the booking's own zone, as in the list.

Clicking a booking opens its day in the list with that booking selected.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.services.bookings import BookingView

BOOKING_ROLE = Qt.ItemDataRole.UserRole + 30
DAY_ROLE = Qt.ItemDataRole.UserRole + 31


def week_of(day: date) -> list[date]:
    """The seven days, Monday to Sunday, of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def by_day(bookings: list[BookingView], days: list[date], zone: str) -> dict[date, list[BookingView]]:
    """Each booking under the day (cut at ``zone``'s midnights) its start falls in; the rest left out."""
    edges = [local_midnight_utc(d, zone) for d in days] + [local_midnight_utc(days[-1] + timedelta(days=1), zone)]
    result: dict[date, list[BookingView]] = {d: [] for d in days}
    for b in sorted(bookings, key=lambda b: b.start):
        for i, d in enumerate(days):
            if edges[i] <= b.start < edges[i + 1]:
                result[d].append(b)
                break
    return result


def cell_text(b: BookingView) -> str:
    return f"{b.start.astimezone(ZoneInfo(b.timezone)):%H:%M} {b.customer_name}"


class WeekView(QTableWidget):
    """A read-only 7-column table; ``booking_clicked(day, booking_id)`` when a booking is clicked."""

    booking_clicked = Signal(object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        self.days: list[date] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(True)
        self.cellClicked.connect(self._clicked)

    def show_week(self, days: list[date], bookings: dict[date, list[BookingView]], selected: date) -> None:
        self.days = list(days)
        self.clearContents()
        self.setRowCount(max([len(v) for v in bookings.values()] + [1]))
        for col, day in enumerate(days):
            header = QTableWidgetItem(f"{day:%a %d %b}")
            if day == selected:
                font = QFont(header.font())
                font.setBold(True)
                header.setFont(font)
            self.setHorizontalHeaderItem(col, header)
            for row, b in enumerate(bookings.get(day, [])):
                self.setItem(row, col, self._item(b, day))
            if day == selected:
                self._shade_column(col)
        self.resizeRowsToContents()

    def _shade_column(self, col: int) -> None:
        """The day shown in the list, lightly marked (empty cells too, so the column reads as one)."""
        shade = QColor(self.palette().highlight().color())
        shade.setAlpha(28)
        for row in range(self.rowCount()):
            item = self.item(row, col)
            if item is None:
                item = QTableWidgetItem("")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.setItem(row, col, item)
            item.setBackground(shade)

    def _item(self, b: BookingView, day: date) -> QTableWidgetItem:
        item = QTableWidgetItem(cell_text(b))
        item.setData(BOOKING_ROLE, b.id)
        item.setData(DAY_ROLE, day)
        tz = ZoneInfo(b.timezone)
        item.setToolTip(
            f"{b.service_name} – {b.customer_name} ({b.staff_name})\n"
            f"{b.start.astimezone(tz):%H:%M}–{b.end.astimezone(tz):%H:%M} {b.timezone}"
        )
        if b.status == "cancelled":
            font = QFont(item.font())
            font.setStrikeOut(True)
            item.setFont(font)
        return item

    def column_texts(self, day: date) -> list[str]:
        """What the column of ``day`` shows, top to bottom (tests and screen readers)."""
        if day not in self.days:
            return []
        col = self.days.index(day)
        return [it.text() for r in range(self.rowCount()) if (it := self.item(r, col)) is not None and it.text()]

    def _clicked(self, row: int, col: int) -> None:
        item = self.item(row, col)
        if item is not None and item.data(BOOKING_ROLE) is not None:
            self.booking_clicked.emit(item.data(DAY_ROLE), int(item.data(BOOKING_ROLE)))
