"""Add / edit one staff member or one service.

Why the dialogs save themselves: a refused value (a name already taken, an unknown time zone) is
shown under the form in the service's own sentence and everything typed stays, so the person fixes
one field and presses Save again; the list behind only hears ``data_changed`` once it worked.
They open with ``open()`` (window-modal, no nested event loop), like every dialog here.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.services.directory import ServiceView, StaffView
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread, spawn
from bizcal_desktop.ui.zone_picker import ZoneCombo


def _minutes(minimum: int, maximum: int, step: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    return box


class _FormDialog(QDialog):
    """A form, an error line under it, and Save / Cancel; ``save`` is the subclass's coroutine."""

    def __init__(self, controller: DesktopController, title: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(save_text)
        self.buttons.accepted.connect(lambda: spawn(self.save(), on_error=self.show_error))
        self.buttons.rejected.connect(self.reject)

    def lay_out(self, note: str = "") -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        if note:
            hint = QLabel(note)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: palette(mid);")
            layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    async def save(self) -> None:  # overridden
        return None

    async def saving(self, call, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run the service call off the Qt thread with Save disabled; then tell the windows and close."""
        self.ok_button.setEnabled(False)
        self.error.setText("")
        try:
            result = await off_thread(lambda: call(*args, **kwargs))
        finally:
            self.ok_button.setEnabled(True)
        self.controller.data_changed.emit()
        self.accept()
        return result

    def show_error(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))


class StaffDialog(_FormDialog):
    """``staff=None`` adds a staff member; otherwise it renames / re-zones ``staff``."""

    def __init__(
        self, controller: DesktopController, staff: StaffView | None, zone: str = "UTC", parent: QWidget | None = None
    ) -> None:
        super().__init__(
            controller,
            self.tr("Edit {name}").format(name=staff.name) if staff else self.tr("Add a staff member"),
            self.tr("Save") if staff else self.tr("Add"),
            parent,
        )
        self.staff = staff
        self.result_staff: StaffView | None = None
        self.name = QLineEdit(staff.name if staff else "")
        self.name.setPlaceholderText(self.tr("e.g. Mark Weber"))
        self.timezone = ZoneCombo()  # typing a city ("Berlin") is enough
        self.timezone.set_zone(staff.timezone if staff else zone)
        self.email = QLineEdit((staff.email or "") if staff else "")
        self.email.setPlaceholderText(self.tr("optional"))
        self.form.addRow(self.tr("Name:"), self.name)
        self.form.addRow(self.tr("Time zone:"), self.timezone)
        self.form.addRow(self.tr("Email:"), self.email)
        self.lay_out(
            self.tr("Working hours and free times count in this zone. Bookings already made keep their times.")
            if staff else self.tr("Working hours and free times count in this zone.")
        )

    async def save(self) -> None:
        d = self.services.directory
        name, zone, email = self.name.text(), self.timezone.zone(), self.email.text()
        if self.staff is None:
            self.result_staff = await self.saving(d.add_staff, name, zone, email)
        else:
            self.result_staff = await self.saving(d.edit_staff, self.staff.id, name=name, timezone=zone, email=email)


class ServiceDialog(_FormDialog):
    """``service=None`` adds a service; otherwise it edits ``service``."""

    def __init__(self, controller: DesktopController, service: ServiceView | None, parent: QWidget | None = None) -> None:
        super().__init__(
            controller,
            self.tr("Edit {name}").format(name=service.name) if service else self.tr("Add a service"),
            self.tr("Save") if service else self.tr("Add"),
            parent,
        )
        self.service = service
        self.result_service: ServiceView | None = None
        minutes = self.tr(" min")
        self.name = QLineEdit(service.name if service else "")
        self.name.setPlaceholderText(self.tr("e.g. Massage"))
        self.duration = _minutes(5, 24 * 60, 5, minutes)
        self.buffer_before = _minutes(0, 240, 5, minutes)
        self.buffer_after = _minutes(0, 240, 5, minutes)
        self.offered = QCheckBox(self.tr("Offered: new bookings can be made"))
        self.duration.setValue(service.duration_minutes if service else 60)
        self.buffer_before.setValue(service.buffer_before_minutes if service else 0)
        self.buffer_after.setValue(service.buffer_after_minutes if service else 0)
        self.offered.setChecked(service.offered if service else True)
        self.form.addRow(self.tr("Name:"), self.name)
        self.form.addRow(self.tr("Duration:"), self.duration)
        self.buffer_before.setToolTip(self.tr("Minutes kept free before it (to prepare)"))
        self.buffer_after.setToolTip(self.tr("Minutes kept free after it (to tidy up, to travel)"))
        self.form.addRow(self.tr("Buffer before:"), self.buffer_before)
        self.form.addRow(self.tr("Buffer after:"), self.buffer_after)
        self.form.addRow("", self.offered)
        self.lay_out(
            self.tr("Bookings already made keep their length; new bookings use these values.") if service else ""
        )

    async def save(self) -> None:
        d = self.services.directory
        values = {
            "duration_minutes": self.duration.value(),
            "buffer_before": self.buffer_before.value(),
            "buffer_after": self.buffer_after.value(),
            "offered": self.offered.isChecked(),
        }
        if self.service is None:
            self.result_service = await self.saving(
                d.add_service, self.name.text(), values["duration_minutes"], values["buffer_before"],
                values["buffer_after"], values["offered"],
            )
        else:
            self.result_service = await self.saving(d.edit_service, self.service.id, name=self.name.text(), **values)
