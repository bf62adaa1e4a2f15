"""Availability: a day or week picture per staff member — working hours, bookings, busy blocks from
each calendar, buffers shaded, free slots — and hovering a time says why it is (not) bookable."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QWidget,
)

from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.models.timeline import Timeline, load_timeline
from bizcal_desktop.ui.tasks import off_thread
from bizcal_desktop.ui.timeline_widget import (
    BOOKING_COLOUR,
    BUSY_COLOURS,
    OPEN_COLOUR,
    SLOT_COLOUR,
    TimelineWidget,
)


def _swatch(colour: str, text: str) -> str:
    return f'<span style="background:{colour};">&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;{text}'


class AvailabilityWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Availability"), "availability", parent)
        self.resize(1060, 640)
        self.timeline: Timeline | None = None

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Staff:")))
        self.staff = QComboBox()
        self.staff.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(self.staff)
        bar.addWidget(QLabel(self.tr("Service:")))
        self.service = QComboBox()
        self.service.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(self.service)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd yyyy-MM-dd")
        bar.addWidget(self.day)
        self.day_button = QPushButton(self.tr("Day"))
        self.week_button = QPushButton(self.tr("Week"))
        self.modes = QButtonGroup(self)
        for b in (self.day_button, self.week_button):
            b.setCheckable(True)
            self.modes.addButton(b)
            bar.addWidget(b)
        self.week_button.setChecked(True)
        self.import_button = QPushButton(self.tr("Import now"))
        self.import_button.setToolTip(self.tr("Read this staff member's calendars again"))
        bar.addStretch(1)
        bar.addWidget(self.import_button)
        self.layout_.addLayout(bar)

        self.picture = TimelineWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.picture)
        self.layout_.addWidget(scroll, 1)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.layout_.addWidget(self.legend)
        self.explanation = QLabel(self.tr("Point at a time to see why it can or cannot be booked."))
        self.explanation.setWordWrap(True)
        self.explanation.setMinimumHeight(self.explanation.fontMetrics().lineSpacing() * 3)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.layout_.addWidget(self.explanation)
        self.finish_layout()

        self.staff.currentIndexChanged.connect(self._inputs_changed)
        self.service.currentIndexChanged.connect(self._inputs_changed)
        self.day.dateChanged.connect(self._inputs_changed)
        self.modes.buttonClicked.connect(self._inputs_changed)
        self.import_button.clicked.connect(self._import_clicked)
        self.picture.explain_requested.connect(self._explain_requested)
        controller.data_changed.connect(self._data_changed)

    def _inputs_changed(self, *_args: object) -> None:
        self.request_refresh()

    def _import_clicked(self) -> None:
        self.run(self.import_now())

    def _explain_requested(self, at: datetime) -> None:
        self.run(self.explain(at))

    def set_day(self, day: date) -> None:
        self.day.setDate(QDate(day.year, day.month, day.day))

    def _fill(self, combo: QComboBox, items: list[tuple[str, int]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    async def refresh(self) -> None:
        staff = await off_thread(self.services.directory.list_staff)
        services = await off_thread(self.services.directory.list_services)
        self._fill(self.staff, [(s.name, s.id) for s in staff])
        self._fill(self.service, [(f"{s.name} ({s.duration_minutes} min)", s.id) for s in services])
        if not staff or not services:
            self.show_message(self.tr("Add a staff member and a service first."))
            return
        qd = self.day.date()
        start = date(qd.year(), qd.month(), qd.day())
        days = 7 if self.week_button.isChecked() else 1
        if days == 7:
            start -= timedelta(days=start.weekday())
        self.timeline = await off_thread(
            load_timeline, self.services, self.staff.currentData(), self.service.currentData(), start, days
        )
        self.picture.set_timeline(self.timeline)
        parts = [
            _swatch(OPEN_COLOUR, self.tr("working hours")),
            _swatch(BOOKING_COLOUR, self.tr("booking")),
            _swatch("#ffb300", self.tr("buffer")),
            _swatch(SLOT_COLOUR, self.tr("free slot start")),
        ]
        for i, name in enumerate(self.timeline.calendars):
            parts.append(
                _swatch(BUSY_COLOURS[i % len(BUSY_COLOURS)], self.tr("busy in {name}").format(name=name))
            )
        self.legend.setText("&nbsp;&nbsp; ".join(parts))
        free = sum(len(d.slots) for d in self.timeline.days)
        self.show_message(
            self.tr("Times in {zone}; {n} free start times shown.").format(zone=self.timeline.zone, n=free)
        )

    async def explain(self, at: datetime) -> str:
        if self.timeline is None:
            return ""
        result = await off_thread(
            self.services.availability.explain, self.timeline.staff_id, self.timeline.service_id, at
        )
        local = at.astimezone(ZoneInfo(self.timeline.zone))
        if result.offered:
            text = self.tr("{when}: free — this time can be booked.").format(when=f"{local:%a %H:%M}")
        else:
            text = f"{local:%a %H:%M}: " + " ".join(r.message for r in result.reasons)
        self.explanation.setText(text)
        self.picture.show_explanation(at, text)
        return text

    async def import_now(self) -> None:
        self.import_button.setEnabled(False)
        try:
            report = await self.services.importer.import_all(staff=self.staff.currentData())
        finally:
            self.import_button.setEnabled(True)
        failed = report.failed
        await self.request_refresh()
        if failed:
            self.show_message(
                self.tr("{n} calendar(s) could not be read; shown times may be stale.").format(n=failed),
                error=True,
            )
