"""Resync…: back-fill every booking from a chosen day whose calendar event is missing or stale.

Shows progress per booking (the engine reports each write), so a 500-booking back-fill is visibly
moving rather than a frozen dialog.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController


class ResyncDialog(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Resync"), "app", parent)
        self.setMinimumWidth(460)
        intro = QLabel(
            self.tr(
                "Writes every booking from the chosen day into its calendar again when the event is "
                "missing, failed or out of date. Events that are already right are left alone."
            )
        )
        intro.setWordWrap(True)
        self.layout_.addWidget(intro)
        form = QFormLayout()
        self.from_day = QDateEdit(QDate.currentDate())
        self.from_day.setCalendarPopup(True)
        self.from_day.setDisplayFormat("ddd yyyy-MM-dd")
        form.addRow(self.tr("From:"), self.from_day)
        self.layout_.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("%v of %m bookings"))
        self.layout_.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_button = QPushButton(self.tr("Start resync"))
        self.close_button = QPushButton(self.tr("Close"))
        row.addWidget(self.start_button)
        row.addWidget(self.close_button)
        self.layout_.addLayout(row)
        self.finish_layout()
        self.start_button.clicked.connect(self._start_clicked)
        self.close_button.clicked.connect(self.close)
        self.running = False

    def _start_clicked(self) -> None:
        self.run(self.start_resync())

    def set_from_day(self, day: date) -> None:
        self.from_day.setDate(QDate(day.year, day.month, day.day))

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    async def start_resync(self) -> None:
        qd = self.from_day.date()
        day = date(qd.year(), qd.month(), qd.day())
        self.running = True
        self.start_button.setEnabled(False)
        self.show_message(self.tr("Looking for bookings to resync…"))
        try:
            report = await self.controller.resync(day, self._progress)
        finally:
            self.running = False
            self.start_button.setEnabled(True)
        if report.bookings == 0:
            self.show_message(self.tr("Every booking from {day} is already in its calendar.").format(day=day))
        elif report.failed:
            self.show_message(
                self.tr("{synced} synced, {failed} failed — see the Sync Log.").format(
                    synced=report.synced, failed=report.failed
                ),
                error=True,
            )
        else:
            self.show_message(self.tr("{synced} calendar events written.").format(synced=report.synced))
        self.controller.data_changed.emit()
