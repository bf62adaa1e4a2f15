"""The Staff tab of Staff & Services: the people bookings are made with, and their own hours.

Why archiving asks first, with numbers: archiving someone with bookings still to come or calendars
connected changes what happens to them, and the practitioner should read that before, not find
out after. The sentence says what is kept (the bookings, the calendars) and what stops (new
bookings, reading their calendars for busy times) — the rules the directory service enforces.

A staff member's working hours are the business's (Settings) until they are given their own here;
choosing "business hours" again removes their own. The list, its buttons and the asking are the
Services tab's too (:mod:`.directory_tab`); this module adds the hours column.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPushButton, QRadioButton, QVBoxLayout

from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.directory import ArchiveImpact, StaffView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.directory_dialogs import StaffDialog
from bizcal_desktop.ui.directory_tab import DirectoryTab
from bizcal_desktop.ui.hours_editor import HoursEditor
from bizcal_desktop.ui.models.directory import staff_model
from bizcal_desktop.ui.tasks import off_thread


class StaffTab(DirectoryTab):
    def __init__(self, window: BaseWindow) -> None:
        self._own_hours: set[int] = set()
        super().__init__(window, lambda parent: staff_model(self._own_hours, parent))
        self.edit_button.setText(self.tr("Rename / time zone…"))
        self._business_hours: dict[str, list[str]] = {}
        self._zone = "UTC"
        layout = QHBoxLayout(self)
        layout.addLayout(self.list_column(), 3)
        layout.addLayout(self._hours_column(), 2)
        self.use_own.toggled.connect(self._hours_choice_changed)
        self.save_hours_button.clicked.connect(lambda: self.window_.run(self.save_hours()))
        self._selection_changed()

    # ----- building ------------------------------------------------------------------------------
    def _hours_column(self) -> QVBoxLayout:
        """The selected staff member's hours: the business's, or their own in the weekday editor."""
        column = QVBoxLayout()
        self.hours_group = QGroupBox(self.tr("Working hours"))
        inner = QVBoxLayout(self.hours_group)
        self.use_business = QRadioButton(self.tr("The business's hours (set in Settings)"))
        self.use_own = QRadioButton(self.tr("Own hours:"))
        self.hours = HoursEditor("")
        self.hours.setFlat(True)
        self.save_hours_button = QPushButton(self.tr("Save hours"))
        inner.addWidget(self.use_business)
        inner.addWidget(self.use_own)
        inner.addWidget(self.hours)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_hours_button)
        inner.addLayout(row)
        column.addWidget(self.hours_group)
        column.addStretch(1)
        return column

    # ----- showing -------------------------------------------------------------------------------
    async def refresh(self) -> None:
        settings = self.services.settings
        business = await off_thread(settings.get)
        self._zone, self._business_hours = business.timezone, business.working_hours
        staff = await off_thread(self.services.directory.list_staff, self.show_archived.isChecked())
        own = await off_thread(lambda: {s.id for s in staff if settings.staff_hours(s.id)})
        self._own_hours.clear()
        self._own_hours.update(own)
        self.show_rows(staff, select_first=True)

    def _selection_changed(self) -> None:
        super()._selection_changed()
        s = self.selected()
        for w in (self.use_business, self.use_own, self.save_hours_button):
            w.setEnabled(s is not None)
        self.hours_group.setTitle(
            self.tr("Working hours of {name}").format(name=s.name) if s else self.tr("Working hours")
        )
        if s is not None:
            self.window_.run(self._show_hours(s.id))
        else:
            self.hours.set_editable(False)

    async def _show_hours(self, staff_id: int) -> None:
        own = await off_thread(self.services.settings.staff_hours, staff_id)
        current = self.selected()
        if current is None or current.id != staff_id:
            return
        (self.use_own if own else self.use_business).setChecked(True)
        self.hours.set_hours(own or self._business_hours)
        self.hours.set_editable(bool(own))

    def _hours_choice_changed(self, own: bool) -> None:
        self.hours.set_editable(own)
        if not own:
            self.hours.set_hours(self._business_hours)

    # ----- what differs from the Services tab ---------------------------------------------------
    def make_dialog(self, row: StaffView | None) -> StaffDialog:
        return StaffDialog(self.window_.controller, row, self._zone, parent=self)

    def saved(self, dialog: StaffDialog) -> None:
        s = dialog.result_staff
        if s is not None:
            self.window_.show_message(self.tr("Saved {name} ({zone}).").format(name=s.name, zone=s.timezone))
            self.window_.last_refresh = self.window_.run(self._refresh_and_select(s.id))

    def archive_impact(self, row_id: int) -> ArchiveImpact:
        return self.services.directory.staff_archive_impact(row_id)

    def archive_row(self, row_id: int) -> StaffView:
        return self.services.directory.archive_staff(row_id)

    def restore_row(self, row_id: int) -> StaffView:
        return self.services.directory.restore_staff(row_id)

    def restored_message(self, row: StaffView) -> str:
        return self.tr("{name} is back; bookings can be made again.").format(name=row.name)

    async def _refresh_and_select(self, staff_id: int) -> None:
        await self.refresh()
        self.select(staff_id)

    def archive_question(self, impact: ArchiveImpact) -> str:
        """What archiving keeps and what stops, with this staff member's numbers."""
        name, n, c = impact.name, impact.future_bookings, impact.connections
        if not n and not c:
            return self.tr(
                "Archive {name}? No new bookings can be made for {name}; past bookings and the history are "
                "kept. You can restore {name} later."
            ).format(name=name)
        bookings = self.tr("1 future booking") if n == 1 else self.tr("{n} future bookings").format(n=n)
        calendars = self.tr("1 calendar connection") if c == 1 else self.tr("{n} calendar connections").format(n=c)
        if n and c:
            has = self.tr("{a} and {b}").format(a=bookings, b=calendars)
            kept = self.tr("Archiving keeps them: the bookings stay in the calendar and can still be cancelled.")
        elif n:
            has, kept = bookings, self.tr("Archiving keeps them; they can still be cancelled.")
        else:
            has, kept = calendars, self.tr("Archiving leaves the calendars connected.")
        stops = (
            self.tr("No new bookings can be made for {name}, and {name}'s calendars are no longer read for busy "
                    "times.") if c else self.tr("No new bookings can be made for {name}.")
        )
        return " ".join((
            self.tr("{name} has {has}.").format(name=name, has=has), kept, stops.format(name=name),
            self.tr("Archive {name}?").format(name=name),
        ))

    async def save_hours(self) -> None:
        s = self.selected()
        if s is None:
            return
        own = self.hours.hours() if self.use_own.isChecked() else None
        await off_thread(self.services.settings.set_staff_hours, s.id, own, Door.DESKTOP)
        self.window_.controller.data_changed.emit()
        self.window_.show_message(
            self.tr("Saved the working hours of {name}.").format(name=s.name) if own is not None
            else self.tr("{name} works the business's hours.").format(name=s.name)
        )
