"""The Services tab of Staff & Services: what customers book, how long it takes, and whether it is
offered now.

Two ways to stop booking a service, because they mean different things to a practitioner: *not
offered* is a switch for a while (the winter treatment in summer) and keeps it in the list;
*archive* is for good and takes it out of the list. Either way its bookings are kept, and archiving
says how many are still to come before it happens.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from bizcal_desktop.services.directory import ArchiveImpact, ServiceView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.confirm import confirm
from bizcal_desktop.ui.directory_dialogs import ServiceDialog
from bizcal_desktop.ui.models.directory import services_model
from bizcal_desktop.ui.tables import row_table, select_row_with_id, selected_row
from bizcal_desktop.ui.tasks import off_thread


class ServicesTab(QWidget):
    def __init__(self, window: BaseWindow) -> None:
        super().__init__()
        self.window_ = window
        self.services = window.services
        self.dialog: ServiceDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.model = services_model(self)
        self.table = row_table(self.model)
        self.show_archived = QCheckBox(self.tr("Show archived"))
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.archive_button = QPushButton(self.tr("Archive…"))
        self.restore_button = QPushButton(self.tr("Restore"))
        for b in (self.add_button, self.edit_button, self.archive_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.show_archived)
        layout.addLayout(buttons)
        self._connect_signals()
        self._selection_changed()

    def _connect_signals(self) -> None:
        w = self.window_
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_edit())
        self.show_archived.toggled.connect(lambda _c: w.request_refresh())
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.archive_button.clicked.connect(lambda: w.run(self.ask_archive()))
        self.restore_button.clicked.connect(lambda: w.run(self.restore()))

    async def refresh(self) -> None:
        rows = await off_thread(self.services.directory.list_services, self.show_archived.isChecked())
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        self._selection_changed()

    def selected(self) -> ServiceView | None:
        return selected_row(self.table, self.model)

    def select(self, service_id: int) -> None:
        select_row_with_id(self.table, self.model, service_id)

    def _selection_changed(self) -> None:
        s = self.selected()
        self.edit_button.setEnabled(s is not None)
        self.archive_button.setEnabled(s is not None and not s.archived)
        self.restore_button.setEnabled(s is not None and s.archived)

    # ----- actions -------------------------------------------------------------------------------
    def open_add(self) -> ServiceDialog:
        return self._open(None)

    def open_edit(self) -> ServiceDialog | None:
        s = self.selected()
        return self._open(s) if s is not None else None

    def _open(self, service: ServiceView | None) -> ServiceDialog:
        self.dialog = ServiceDialog(self.window_.controller, service, parent=self)
        self.dialog.accepted.connect(self._dialog_saved)
        self.dialog.open()
        return self.dialog

    def _dialog_saved(self) -> None:
        if self.dialog is not None and self.dialog.result_service is not None:
            s = self.dialog.result_service
            self.window_.show_message(self.tr("Saved the service {name}.").format(name=s.name))

    async def ask_archive(self) -> QMessageBox | None:
        s = self.selected()
        if s is None:
            return None
        impact = await off_thread(self.services.directory.service_archive_impact, s.id)
        self.confirm_box = confirm(
            self, self.tr("Archive {name}").format(name=s.name), self.archive_question(impact),
            self.tr("Archive"), lambda: self.window_.run(self.archive(s.id)),
        )
        return self.confirm_box

    def archive_question(self, impact: ArchiveImpact) -> str:
        name, n = impact.name, impact.future_bookings
        if not n:
            return self.tr(
                "Archive {name}? It can no longer be booked and leaves the list; past bookings keep it. "
                "You can restore it later (Show archived)."
            ).format(name=name)
        bookings = self.tr("1 future booking") if n == 1 else self.tr("{n} future bookings").format(n=n)
        return self.tr(
            "{name} has {bookings}. Archiving keeps them (they can still be moved or cancelled); {name} can no "
            "longer be booked. To stop it only for a while, edit it and untick Offered instead. Archive {name}?"
        ).format(name=name, bookings=bookings)

    async def archive(self, service_id: int) -> None:
        s = await off_thread(self.services.directory.archive_service, service_id)
        self.window_.controller.data_changed.emit()
        self.window_.show_message(self.tr("{name} is archived.").format(name=s.name))

    async def restore(self) -> None:
        s = self.selected()
        if s is None:
            return
        restored = await off_thread(self.services.directory.restore_service, s.id)
        self.window_.controller.data_changed.emit()
        self.window_.show_message(self.tr("{name} can be booked again.").format(name=restored.name)
                                  if restored.offered else self.tr("{name} is back in the list (not offered).")
                                  .format(name=restored.name))
