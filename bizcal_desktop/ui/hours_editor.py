"""Working hours as a practitioner types them: one row per weekday, a check box that opens the day
and a line of ranges ("09:00-12:00, 13:00-17:30").

Why a widget of its own: the business's hours (Settings) and a staff member's own hours (Staff &
Services) are the same thing edited in two places; one editor keeps them read, shown and checked
alike. It only turns the rows into ``{"mon": ["09:00-12:00"], ...}`` and back; whether the ranges
make sense is decided by ``WorkingHours`` when the caller saves.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLineEdit, QWidget

DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)


class HoursEditor(QGroupBox):
    """Seven rows (Monday first); ``set_hours`` fills them, ``hours`` reads them."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        grid = QGridLayout(self)
        self.day_open: dict[str, QCheckBox] = {}
        self.day_hours: dict[str, QLineEdit] = {}
        for row, (key, name) in enumerate(DAYS):
            check = QCheckBox(self.tr(name))
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("closed"))
            edit.setToolTip(self.tr("One or more ranges, e.g. 09:00-12:00, 13:00-17:30"))
            check.toggled.connect(lambda on, e=edit: e.setEnabled(on and self._editable))
            grid.addWidget(check, row, 0)
            grid.addWidget(edit, row, 1)
            self.day_open[key] = check
            self.day_hours[key] = edit
        self._editable = True

    def set_hours(self, hours: dict[str, list[str]]) -> None:
        for key, _name in DAYS:
            ranges = hours.get(key) or []
            self.day_open[key].setChecked(bool(ranges))
            self.day_hours[key].setEnabled(bool(ranges) and self._editable)
            self.day_hours[key].setText(", ".join(ranges))

    def hours(self) -> dict[str, list[str]]:
        """The open days with their ranges, spaces taken out (``13:00 - 15:00`` is ``13:00-15:00``)."""
        hours: dict[str, list[str]] = {}
        for key, _name in DAYS:
            if self.day_open[key].isChecked():
                parts = [p.strip() for p in self.day_hours[key].text().replace(";", ",").split(",")]
                hours[key] = [p.replace(" ", "") for p in parts if p]
        return hours

    def set_editable(self, editable: bool) -> None:
        """Read-only shows the hours without letting them be changed (a staff member on the business's)."""
        self._editable = editable
        for key, _name in DAYS:
            self.day_open[key].setEnabled(editable)
            self.day_hours[key].setEnabled(editable and self.day_open[key].isChecked())
