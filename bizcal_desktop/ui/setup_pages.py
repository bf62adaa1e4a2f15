"""The set-up wizard's three question pages: you, your services, your working hours.

Why the pages only hold forms: what is asked and checked on the spot (a name typed, a zone that
exists, a start before an end) lives here, so a page can refuse to go on with a sentence under its
own fields; saving is the wizard's job (:mod:`bizcal_desktop.ui.setup_wizard`), done once for all
three pages. A page never clears what was typed, also when going back or when a save fails.
"""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWizardPage,
)

from bizcal_desktop.domain.working_hours import WEEKDAY_KEYS, WorkingHours
from bizcal_desktop.domain.zones import validate_zone
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.directory import ServiceView
from bizcal_desktop.services.setup import EXAMPLE_SERVICE, ServiceDraft
from bizcal_desktop.ui.zone_picker import ZoneCombo, system_zone

ERROR_STYLE = "color: #c62828;"
_WORKDAYS = WEEKDAY_KEYS[:5]


class MessagePage(QWizardPage):
    """A page with a message line under its fields (an error in red, or a note)."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.layout_ = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setWordWrap(True)

    def finish_layout(self) -> None:
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.message)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def refuse(self, text: str) -> bool:
        self.show_message(text, error=True)
        return False


class YouPage(MessagePage):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Welcome to BizCal"),
            self.tr("BizCal keeps your bookings and your own calendar in step. Three short questions, "
                    "then you connect your calendar."),
        )
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. Mark Weber"))
        self.zone = ZoneCombo()
        self.zone.set_zone(system_zone())
        form.addRow(self.tr("Your name:"), self.name)
        form.addRow(self.tr("Your time zone:"), self.zone)
        hint = QLabel(self.tr("The time zone is this computer's. Your working hours and bookings are in it; "
                              "type a city to choose another."))
        hint.setWordWrap(True)
        self.layout_.addLayout(form)
        self.layout_.addWidget(hint)
        self.finish_layout()
        self.name.textChanged.connect(lambda _t: self.completeChanged.emit())

    def isComplete(self) -> bool:
        return bool(self.name.text().strip())

    def validatePage(self) -> bool:
        try:
            validate_zone(self.zone.zone())
        except UserInputError:
            return self.refuse(self.tr("{zone!r} is not a time zone BizCal knows; type a city such as Berlin "
                                       "and pick it from the list.").format(zone=self.zone.currentText()))
        self.zone.set_zone(self.zone.zone())
        self.show_message("")
        return True


class _ServiceRow:
    def __init__(self, page: ServicesPage, draft: ServiceDraft) -> None:
        self.id = draft.id
        self.name = QLineEdit(draft.name)
        self.name.setPlaceholderText(page.tr("e.g. Sports massage"))
        self.duration = _minutes(5, 8 * 60, draft.duration_minutes, page.tr(" min"))
        self.before = _minutes(0, 240, draft.buffer_before_minutes, page.tr(" min"))
        self.after = _minutes(0, 240, draft.buffer_after_minutes, page.tr(" min"))
        self.remove = QToolButton()
        self.remove.setText(page.tr("Remove"))
        self.widgets = (self.name, self.duration, self.before, self.after, self.remove)
        self.mark_saved(draft.id)

    def mark_saved(self, service_id: int | None) -> None:
        """A saved service is changed here but not removed (that is archiving, in Staff & Services)."""
        self.id = service_id
        self.remove.setEnabled(service_id is None)
        self.remove.setToolTip("" if service_id is None else self.remove.tr(
            "Saved already; archive it in Staff & Services if you no longer offer it."))

    def draft(self) -> ServiceDraft:
        return ServiceDraft(self.name.text().strip(), self.duration.value(), self.before.value(),
                            self.after.value(), self.id)


def _minutes(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(5)
    box.setSuffix(suffix)
    box.setValue(value)
    return box


class ServicesPage(MessagePage):
    def __init__(self) -> None:
        super().__init__(
            self.tr("Your services"),
            self.tr("What customers can book, and how long it takes. A break before or after keeps time free "
                    "to prepare the room or to travel: no booking is offered in it."),
        )
        self.grid = QGridLayout()
        for column, text in enumerate((self.tr("Service"), self.tr("Length"), self.tr("Break before"),
                                       self.tr("Break after"))):
            self.grid.addWidget(QLabel(f"<b>{text}</b>"), 0, column)
        self.grid.setColumnStretch(0, 1)
        self.rows: list[_ServiceRow] = []
        self.add_button = QPushButton(self.tr("Add another service"))
        self.add_button.clicked.connect(lambda: self.add_row().name.setFocus())
        self.layout_.addLayout(self.grid)
        self.layout_.addWidget(self.add_button)
        self.finish_layout()
        self.set_services([ServiceDraft(*EXAMPLE_SERVICE)])

    def add_row(self, draft: ServiceDraft | None = None) -> _ServiceRow:
        row = _ServiceRow(self, draft or ServiceDraft("", 60))
        line = self.grid.rowCount()
        for column, widget in enumerate(row.widgets):
            self.grid.addWidget(widget, line, column)
        row.remove.clicked.connect(lambda: self.remove_row(row))
        self.rows.append(row)
        return row

    def remove_row(self, row: _ServiceRow) -> None:
        for widget in row.widgets:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.rows.remove(row)

    def set_services(self, drafts: list[ServiceDraft]) -> None:
        for row in list(self.rows):
            self.remove_row(row)
        for draft in drafts:
            self.add_row(draft)

    def drafts(self) -> tuple[ServiceDraft, ...]:
        """The rows typed in, leaving out empty new rows (a name is what makes a row count)."""
        return tuple(r.draft() for r in self.rows if r.name.text().strip() or r.id is not None)

    def mark_saved(self, saved: tuple[ServiceView, ...]) -> None:
        by_name = {s.name: s.id for s in saved}
        for row in self.rows:
            row.mark_saved(by_name.get(row.name.text().strip(), row.id))

    def validatePage(self) -> bool:
        drafts = self.drafts()
        if not drafts:
            return self.refuse(self.tr("Add at least one service, so customers have something to book."))
        names = [d.name.casefold() for d in drafts]
        if any(not n for n in names):
            return self.refuse(self.tr("Every service needs a name; remove the rows you do not need."))
        if len(set(names)) != len(names):
            return self.refuse(self.tr("Two services have the same name; give each its own."))
        self.show_message("")
        return True


class _DayRow:
    def __init__(self, page: HoursPage, name: str) -> None:
        self.open = QCheckBox(name)
        self.start = QTimeEdit(QTime(9, 0))
        self.end = QTimeEdit(QTime(17, 0))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("HH:mm")
        self.to = QLabel(page.tr("to"))
        self.open.toggled.connect(self._enable)

    def _enable(self, on: bool) -> None:
        for widget in (self.start, self.end, self.to):
            widget.setEnabled(on)

    def ranges(self) -> list[str]:
        if not self.open.isChecked():
            return []
        return [f"{self.start.time().toString('HH:mm')}-{self.end.time().toString('HH:mm')}"]

    def set_ranges(self, ranges: list[str]) -> None:
        """First start to last end: one range per day here (breaks are kept unless the day is edited)."""
        self.open.setChecked(bool(ranges))
        self._enable(bool(ranges))
        if ranges:
            self.start.setTime(QTime.fromString(ranges[0].split("-")[0], "HH:mm"))
            self.end.setTime(QTime.fromString(ranges[-1].split("-")[1], "HH:mm"))


class HoursPage(MessagePage):
    DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

    def __init__(self) -> None:
        super().__init__(
            self.tr("Working hours"),
            self.tr("When customers may book you, in your time zone. Lunch breaks and other changes can be "
                    "made later in Settings."),
        )
        self.same = QCheckBox(self.tr("Same hours every weekday (Monday to Friday)"))
        grid = QGridLayout()
        self.days: dict[str, _DayRow] = {}
        for line, (key, name) in enumerate(zip(WEEKDAY_KEYS, self.DAY_NAMES, strict=True)):
            row = _DayRow(self, self.tr(name))
            for column, widget in enumerate((row.open, row.start, row.to, row.end)):
                grid.addWidget(widget, line, column)
            self.days[key] = row
        grid.setColumnStretch(4, 1)
        self.layout_.addWidget(self.same)
        self.layout_.addLayout(grid)
        self.finish_layout()
        monday = self.days["mon"]
        monday.open.toggled.connect(lambda _on: self._follow_monday())
        monday.start.timeChanged.connect(lambda _t: self._follow_monday())
        monday.end.timeChanged.connect(lambda _t: self._follow_monday())
        self.same.toggled.connect(lambda _on: self._follow_monday())
        self._loaded: dict[str, list[str]] | None = None
        self.set_hours({key: ["09:00-17:00"] for key in _WORKDAYS})

    def _follow_monday(self) -> None:
        """With "same every weekday", Tuesday to Friday copy Monday and cannot be edited alone."""
        same = self.same.isChecked()
        monday = self.days["mon"].ranges()
        for key in _WORKDAYS[1:]:
            row = self.days[key]
            row.open.setEnabled(not same)
            if same:
                row.set_ranges(monday)
            row.start.setEnabled(not same and row.open.isChecked())
            row.end.setEnabled(not same and row.open.isChecked())

    def set_hours(self, hours: dict[str, list[str]]) -> None:
        self.same.blockSignals(True)
        self.same.setChecked(len({tuple(hours.get(k) or []) for k in _WORKDAYS}) == 1)
        self.same.blockSignals(False)
        for key, row in self.days.items():
            row.set_ranges(list(hours.get(key) or []))
        self._follow_monday()
        self._loaded = {k: list(hours.get(k) or []) for k in WEEKDAY_KEYS}

    def _shown(self) -> dict[str, list[str]]:
        return {key: row.ranges() for key, row in self.days.items()}

    def hours(self) -> dict[str, list[str]]:
        """The hours on screen; a day left as it was loaded keeps its breaks."""
        shown = self._shown()
        if self._loaded is None:
            return shown
        result = {}
        for key in WEEKDAY_KEYS:
            as_loaded = self._loaded[key]
            outline = [f"{as_loaded[0].split('-')[0]}-{as_loaded[-1].split('-')[1]}"] if as_loaded else []
            result[key] = as_loaded if shown[key] == outline else shown[key]
        return result

    def validatePage(self) -> bool:
        shown = self._shown()
        for key, name in zip(WEEKDAY_KEYS, self.DAY_NAMES, strict=True):
            row = self.days[key]
            if shown[key] and row.start.time() >= row.end.time():
                return self.refuse(self.tr("On {day} the start must be before the end.").format(day=self.tr(name)))
        if not any(shown.values()):
            return self.refuse(self.tr("Open at least one day, or no time can ever be booked."))
        try:
            WorkingHours.from_dict(self.hours())
        except ValueError:
            return self.refuse(self.tr("These hours cannot be read; set a start and an end for each open day."))
        return self.wizard().save_basics()  # type: ignore[attr-defined]
