"""Settings: business time zone, working hours, buffers, slot step, notice, booking window,
import interval, busy titles, what calendar events show (privacy), start at login (an
autostart entry written for this OS), and the team database (its own group and buttons).

The working-hours rows are :class:`~bizcal_desktop.ui.hours_editor.HoursEditor`, the editor Staff &
Services uses for one staff member's own hours. Nothing is applied until Save, and Save goes through
SettingsStore.update, which validates everything at once; its one-sentence refusal is shown under
the form.

The groups scroll, the Save row and the status line do not: on a team database the form is taller than
a 768-pixel laptop screen, and Save must never be below its bottom edge.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.services.audit import Door
from bizcal_desktop.ui.autostart import Autostart, command_text, launch_command
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.hours_editor import HoursEditor
from bizcal_desktop.ui.person_picker import PersonRow
from bizcal_desktop.ui.privacy_choice import privacy_combo, select
from bizcal_desktop.ui.tasks import off_thread
from bizcal_desktop.ui.team_database_group import TeamDatabaseGroup


def _spin(minimum: int, maximum: int, suffix: str, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    return box


class SettingsWindow(BaseWindow):
    def __init__(
        self, controller: DesktopController, autostart: Autostart | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(controller, self.tr("BizCal — Settings"), "settings", parent)
        self.autostart = autostart or Autostart()
        self.setMinimumWidth(560)
        form = QWidget()
        groups = QVBoxLayout(form)
        groups.setContentsMargins(0, 0, 6, 0)  # room beside the scroll bar
        groups.addWidget(self._business_group())
        groups.addWidget(self._working_hours_group())
        groups.addWidget(self._booking_rules_group())
        groups.addWidget(self._calendars_group())
        person = self.services.person
        self.team_database = TeamDatabaseGroup(
            self.services.team_database, self.run,
            person_row=PersonRow(person, self.services.directory, self.run) if person.team else None,
        )
        groups.addWidget(self.team_database)
        groups.addStretch(1)
        self.layout_.addWidget(self._scrolling(form), 1)
        self.layout_.addLayout(self._button_row())
        self.finish_layout()
        self.revert_button.clicked.connect(self.request_refresh)
        self.save_button.clicked.connect(self._save_clicked)

    # ----- building the form -----------------------------------------------------------------------
    def _scrolling(self, form: QWidget) -> QScrollArea:
        """The groups in a frameless scroll area, as tall as they need where the screen allows."""
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(form)
        wanted = form.sizeHint().height() + 90  # plus the Save row and the margins
        screen = self.screen()
        room = screen.availableGeometry().height() - 80 if screen is not None else wanted
        self.resize(max(self.minimumWidth(), form.sizeHint().width() + 40), min(wanted, room))
        return area

    def _business_group(self) -> QGroupBox:
        general = QGroupBox(self.tr("Business"))
        form = QFormLayout(general)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        form.addRow(self.tr("Time zone:"), self.timezone)
        return general

    def _working_hours_group(self) -> QGroupBox:
        """One row per weekday: an open check box that enables that day's ranges."""
        self.hours_editor = HoursEditor(self.tr("Working hours"))
        self.day_open = self.hours_editor.day_open
        self.day_hours = self.hours_editor.day_hours
        return self.hours_editor

    def _booking_rules_group(self) -> QGroupBox:
        rules = QGroupBox(self.tr("Booking rules"))
        rform = QFormLayout(rules)
        rform.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        minutes = self.tr(" min")
        self.buffer_before = _spin(0, 240, minutes, 5)
        self.buffer_after = _spin(0, 240, minutes, 5)
        self.slot_step = _spin(1, 240, minutes, 5)
        self.min_notice = _spin(0, 60 * 24 * 14, minutes, 15)
        self.booking_window = _spin(1, 730, self.tr(" days"))
        buffers = QHBoxLayout()
        buffers.addWidget(QLabel(self.tr("before")))
        buffers.addWidget(self.buffer_before)
        buffers.addWidget(QLabel(self.tr("after")))
        buffers.addWidget(self.buffer_after)
        buffers.addStretch(1)
        rform.addRow(self.tr("Buffer around bookings:"), buffers)
        rform.addRow(self.tr("Slot step:"), self.slot_step)
        rform.addRow(self.tr("Minimum notice:"), self.min_notice)
        rform.addRow(self.tr("Booking window:"), self.booking_window)
        return rules

    def _calendars_group(self) -> QGroupBox:
        sync = QGroupBox(self.tr("Calendars and start-up"))
        sform = QFormLayout(sync)
        sform.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.import_interval = _spin(5, 24 * 60, self.tr(" min"), 5)
        self.keep_titles = QCheckBox(self.tr("Keep the titles of busy events (off: only the times)"))
        self.start_at_login = QCheckBox(self.tr("Start BizCal when I log in"))
        self.start_at_login.setToolTip(command_text(launch_command()))
        self.event_privacy = privacy_combo()
        self.saved_privacy: str | None = None
        sform.addRow(self.tr("Read calendars every:"), self.import_interval)
        sform.addRow(self.tr("Calendar events show:"), self.event_privacy)
        self.audit_retention = QComboBox()
        for label, days in ((self.tr("For good"), None), (self.tr("1 year"), 366), (self.tr("2 years"), 731),
                            (self.tr("5 years"), 1827), (self.tr("10 years"), 3653)):
            self.audit_retention.addItem(label, days)
        self.audit_retention.setToolTip(self.tr("How long the audit trail (who changed what) keeps a change"))
        sform.addRow(self.tr("Keep the audit trail:"), self.audit_retention)
        sform.addRow("", self.keep_titles)
        sform.addRow("", self.start_at_login)
        return sync

    def _button_row(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.revert_button = QPushButton(self.tr("Revert"))
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setDefault(True)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        return buttons

    def _save_clicked(self) -> None:
        self.run(self.save())

    async def refresh(self) -> None:
        s = await off_thread(self.services.settings.get)
        self.timezone.setCurrentText(s.timezone)
        self.hours_editor.set_hours(s.working_hours)
        self.buffer_before.setValue(s.buffer_before_minutes)
        self.buffer_after.setValue(s.buffer_after_minutes)
        self.slot_step.setValue(s.slot_step_minutes)
        self.min_notice.setValue(s.min_notice_minutes)
        self.booking_window.setValue(s.booking_window_days)
        self.import_interval.setValue(s.import_interval_minutes)
        self.keep_titles.setChecked(s.keep_busy_titles)
        if self.audit_retention.findData(s.audit_retention_days) < 0:  # a number of days set with the CLI
            days = s.audit_retention_days
            self.audit_retention.addItem(self.tr("{n} days").format(n=days), days)
        self.audit_retention.setCurrentIndex(self.audit_retention.findData(s.audit_retention_days))
        self.saved_privacy = s.event_privacy
        select(self.event_privacy, s.event_privacy)
        self.start_at_login.setChecked(await off_thread(self.autostart.is_enabled) or s.start_at_login)
        await self.team_database.refresh()
        self.show_message("")

    def values(self) -> dict[str, Any]:
        """The form as ``SettingsStore.update`` keywords."""
        return {
            "timezone": self.timezone.currentText().strip(),
            "working_hours": self.hours_editor.hours(),
            "buffer_before_minutes": self.buffer_before.value(),
            "buffer_after_minutes": self.buffer_after.value(),
            "slot_step_minutes": self.slot_step.value(),
            "min_notice_minutes": self.min_notice.value(),
            "booking_window_days": self.booking_window.value(),
            "import_interval_minutes": self.import_interval.value(),
            "keep_busy_titles": self.keep_titles.isChecked(),
            "start_at_login": self.start_at_login.isChecked(),
            "audit_retention_days": self.audit_retention.currentData(),
        }

    async def save(self) -> None:
        values = self.values()
        await off_thread(lambda: self.services.settings.update(door=Door.DESKTOP, **values))
        await off_thread(self.autostart.set_enabled, values["start_at_login"])
        await self.controller.apply_import_interval()
        level = self.event_privacy.currentData()
        note = ""
        if level != self.saved_privacy:  # its future events are queued to be rewritten, counted
            change = await off_thread(self.services.settings.set_event_privacy, level, Door.DESKTOP)
            self.saved_privacy = level
            note = f" {change.message}."
        self.controller.data_changed.emit()
        self.show_message(self.tr("Saved.") + note)
