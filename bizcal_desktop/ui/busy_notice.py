"""What the booking dialog says about how fresh its busy times are, and about a time just taken.

Why a widget of its own: the dialog decides *when* to read the calendars (on opening, for another
staff member, at Save); this panel holds the words and their look - a quiet grey line while
"Checking calendars…" and when a calendar could not be read (booking goes on with the busy times
last read, and the line says how old they are), an amber warning when the chosen time has just
become busy, with an explicit *Book anyway* for the user's own calendar. A time lost to another
booking gets the warning without the override: that would be a double booking we made ourselves.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from bizcal_desktop.services.availability import BusyBlockView
from bizcal_desktop.services.booking_check import (
    BusyClash,
    CalendarCheck,
    UncheckedCalendar,
    as_of_text,
    span_text,
)

_NOTE_STYLE = "color: #5f6368;"
_WARNING_STYLE = (
    "background: #fff4e5; color: #7a4100; border: 1px solid #f0b45a; border-radius: 4px; padding: 6px;"
)


class BusyNotice(QWidget):
    """The note on the calendar check, and the warning (with its override) for the chosen time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(_WARNING_STYLE)
        self.book_anyway = QCheckBox()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(_NOTE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.warning, self.book_anyway, self.note):
            layout.addWidget(widget)
        #: The busy times behind the warning shown now; None when there is no overridable warning.
        self.clash: BusyClash | None = None
        self.clear_warning()
        self.note.hide()

    # ----- the calendar check ------------------------------------------------------------------
    def checking(self, staff_name: str) -> None:
        self._set_note(self.tr("Checking {staff}'s calendars…").format(staff=staff_name))

    def checked(self, check: CalendarCheck) -> None:
        """A gentle line per calendar that could not be read; a short "checked" otherwise."""
        if check.unchecked:
            self._set_note("\n".join(self._unchecked_line(c) for c in check.unchecked),
                           "\n".join(f"{c.name}: {c.reason}" for c in check.unchecked))
        elif check.checked:
            calendars = ", ".join(check.checked)
            self._set_note(self.tr("Checked {calendars} just now.").format(calendars=calendars))
        else:
            self.note.hide()

    def check_failed(self) -> None:
        self.note.hide()

    def _unchecked_line(self, calendar: UncheckedCalendar) -> str:
        if calendar.as_of is None:
            text = self.tr("Could not check {calendar} just now; none of its busy times have been read yet.")
            return text.format(calendar=calendar.name)
        return self.tr("Could not check {calendar} just now; showing busy times from {time}.").format(
            calendar=calendar.name, time=as_of_text(calendar.as_of))

    def _set_note(self, text: str, tooltip: str = "") -> None:
        self.note.setText(text)
        self.note.setToolTip(tooltip)
        self.note.show()

    # ----- the chosen time ---------------------------------------------------------------------
    def warn_busy(self, start: datetime, clash: BusyClash) -> None:
        """The chosen time has just become busy in their calendar: say so, and offer the override."""
        time = f"{start.astimezone(ZoneInfo(clash.zone)):%H:%M}"
        what = "; ".join(self._busy_words(b, clash.zone) for b in clash.blocks)
        text = self.tr("{time} has just become busy for {staff}: {what}. Pick another time, or book anyway.")
        self.warning.setText(text.format(time=time, staff=clash.staff_name, what=what))
        self.book_anyway.setText(self.tr("Book {time} anyway").format(time=time))
        self.book_anyway.setChecked(False)
        self.clash = clash
        self.warning.show()
        self.book_anyway.show()

    def warn_taken(self, start: datetime, zone: str) -> None:
        """The chosen time is no longer offered for another reason (a booking, the notice): no override."""
        self.warn_lost(self.tr("{time} is no longer free; pick another time.").format(
            time=f"{start.astimezone(ZoneInfo(zone)):%H:%M}"))

    def warn_lost(self, sentence: str) -> None:
        """The chosen time was lost (e.g. another device booked it first): the sentence, no override."""
        self.clear_warning()
        self.warning.setText(sentence)
        self.warning.show()

    def clear_warning(self) -> None:
        self.clash = None
        self.book_anyway.setChecked(False)
        self.warning.hide()
        self.book_anyway.hide()

    @property
    def overriding(self) -> bool:
        """The user saw the busy-time warning and chose to book anyway."""
        return self.clash is not None and self.book_anyway.isChecked()

    def _busy_words(self, block: BusyBlockView, zone: str) -> str:
        span = span_text(block, zone, all_day=self.tr("all day"))
        if block.title:
            return self.tr("“{title}” in {calendar} ({span})").format(
                title=block.title, calendar=block.connection_name, span=span)
        return self.tr("a busy time in {calendar} ({span})").format(calendar=block.connection_name, span=span)
