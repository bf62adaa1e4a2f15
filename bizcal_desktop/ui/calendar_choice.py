"""Choosing the calendars of a signed-in account: where bookings go, and what else counts as busy.

Why a widget of its own: the Google and Microsoft dialogs ask the same two questions about an
account they have just signed in to. Only writable calendars can take bookings; any other calendar
(a shared team calendar, a holiday calendar) may still count as busy, so the checklist offers every
calendar except the one bookings go to (which always counts).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QListWidget, QListWidgetItem, QWidget

from bizcal_desktop.providers.base import CalendarInfo

CALENDAR_ID_ROLE = Qt.ItemDataRole.UserRole


class CalendarChoice(QWidget):
    def __init__(self, count_busy: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._calendars: list[CalendarInfo] = []
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.calendar = QComboBox()
        form.addRow(self.tr("Calendar for bookings:"), self.calendar)
        self.busy = QListWidget()
        self.busy.setMaximumHeight(120)
        if count_busy:
            form.addRow(self.tr("Also count as busy:"), self.busy)
        else:
            self.busy.hide()
        self.calendar.currentIndexChanged.connect(lambda _i: self._fill_busy())

    def set_calendars(self, calendars: Sequence[CalendarInfo], default_id: str | None) -> None:
        """Offer ``calendars``; ``default_id`` is preselected for bookings when it is writable."""
        self._calendars = list(calendars)
        self.calendar.blockSignals(True)
        self.calendar.clear()
        for c in self._calendars:
            if c.writable:
                label = self.tr("{name} (primary)").format(name=c.name) if c.primary else c.name
                self.calendar.addItem(label, c.calendar_id)
        self.calendar.setCurrentIndex(max(self.calendar.findData(default_id), 0))
        self.calendar.blockSignals(False)
        self.busy.clear()
        self._fill_busy()

    def calendar_id(self) -> str | None:
        """The calendar chosen for bookings (None when the account has no writable calendar)."""
        value = self.calendar.currentData()
        return str(value) if value is not None else None

    def select_calendar(self, calendar_id: str) -> None:
        self.calendar.setCurrentIndex(self.calendar.findData(calendar_id))

    def busy_calendar_ids(self) -> list[str]:
        """The ticked extra calendars, in the account's order."""
        return [str(item.data(CALENDAR_ID_ROLE)) for item in self._busy_items()
                if item.checkState() == Qt.CheckState.Checked]

    def set_busy(self, calendar_id: str, checked: bool) -> None:
        for item in self._busy_items():
            if item.data(CALENDAR_ID_ROLE) == calendar_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(calendar_id)

    def _busy_items(self) -> list[QListWidgetItem]:
        return [self.busy.item(i) for i in range(self.busy.count())]

    def _fill_busy(self) -> None:
        """Every calendar but the bookings one; ticks survive a change of the bookings calendar."""
        ticked = set(self.busy_calendar_ids())
        chosen = self.calendar_id()
        self.busy.clear()
        for c in self._calendars:
            if c.calendar_id == chosen:
                continue
            item = QListWidgetItem(c.name)
            item.setData(CALENDAR_ID_ROLE, c.calendar_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c.calendar_id in ticked else Qt.CheckState.Unchecked)
            self.busy.addItem(item)
