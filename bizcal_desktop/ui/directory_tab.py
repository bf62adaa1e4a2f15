"""What the Staff and Services tabs share: a list you can add to, edit, archive and restore.

Why one base: both tabs are the same list with the same four buttons, enabled by the same rules
(Edit needs a row, Archive a live one, Restore an archived one), the same "Show archived" switch
and the same way of asking before archiving (the numbers first, fetched off the Qt thread). Written
twice, they drifted — a fix to one tab's enabling or messages had to be remembered in the other.
A tab says only what differs: which dialog edits a row, which directory calls archive and restore,
and the sentences it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from bizcal_desktop.services.directory import ArchiveImpact
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.confirm import confirm
from bizcal_desktop.ui.tables import row_table, select_row_with_id, selected_row
from bizcal_desktop.ui.tasks import off_thread


class DirectoryTab(QWidget):
    """A list of archivable rows (staff members or services) with Add, Edit, Archive and Restore."""

    def __init__(self, window: BaseWindow, make_model: Callable[[QWidget], Any]) -> None:
        super().__init__()
        self.window_ = window
        self.services = window.services
        self.dialog: Any = None
        self.confirm_box: QMessageBox | None = None
        self.model = make_model(self)
        self.table = row_table(self.model)
        self.show_archived = QCheckBox(self.tr("Show archived"))
        self.add_button = QPushButton(self.tr("Add…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.archive_button = QPushButton(self.tr("Archive…"))
        self.restore_button = QPushButton(self.tr("Restore"))

    # ----- what each tab says (its own methods; declared here so the base reads as a contract) ---------
    #: The dialog that adds (row None) or edits a row.
    make_dialog: Callable[[Any | None], QDialog]
    #: The dialog was saved: tell the user (and refresh, where the tab needs to).
    saved: Callable[[Any], None]
    #: What archiving a row would touch (future bookings, calendars), read off the Qt thread.
    archive_impact: Callable[[int], ArchiveImpact]
    #: The question asked before archiving, with those numbers.
    archive_question: Callable[[ArchiveImpact], str]
    #: The directory calls that archive and restore a row (off the Qt thread).
    archive_row: Callable[[int], Any]
    restore_row: Callable[[int], Any]
    #: What the status line says after a restore.
    restored_message: Callable[[Any], str]

    # ----- building ------------------------------------------------------------------------------
    def list_column(self) -> QVBoxLayout:
        """The table, the "Show archived" switch and the four buttons, wired; the tab places it."""
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.archive_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(self.table, 1)
        column.addWidget(self.show_archived)
        column.addLayout(buttons)
        w = self.window_
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.open_edit())
        self.show_archived.toggled.connect(lambda _c: w.request_refresh())
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.archive_button.clicked.connect(lambda: w.run(self.ask_archive()))
        self.restore_button.clicked.connect(lambda: w.run(self.restore()))
        return column

    # ----- the selected row ----------------------------------------------------------------------
    def selected(self) -> Any | None:
        return selected_row(self.table, self.model)

    def select(self, row_id: int) -> None:
        select_row_with_id(self.table, self.model, row_id)

    def _selection_changed(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.archive_button.setEnabled(row is not None and not row.archived)
        self.restore_button.setEnabled(row is not None and row.archived)

    def show_rows(self, rows: list[Any], select_first: bool = False) -> None:
        """Show ``rows``, keeping the user's selection across a refresh."""
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        elif select_first and rows:
            self.table.selectRow(0)
        self._selection_changed()

    # ----- actions -------------------------------------------------------------------------------
    def open_add(self) -> Any:
        return self._open(None)

    def open_edit(self) -> Any | None:
        row = self.selected()
        return self._open(row) if row is not None else None

    def _open(self, row: Any | None) -> Any:
        self.dialog = self.make_dialog(row)
        self.dialog.accepted.connect(lambda: self.saved(self.dialog))
        self.dialog.open()
        return self.dialog

    async def ask_archive(self) -> QMessageBox | None:
        """Ask before archiving, with the numbers (future bookings, calendars) read off the Qt thread."""
        row = self.selected()
        if row is None:
            return None
        impact = await off_thread(self.archive_impact, row.id)
        self.confirm_box = confirm(
            self, self.tr("Archive {name}").format(name=row.name), self.archive_question(impact),
            self.tr("Archive"), lambda: self.window_.run(self.archive(row.id)),
        )
        return self.confirm_box

    async def archive(self, row_id: int) -> None:
        row = await off_thread(self.archive_row, row_id)
        self.window_.controller.data_changed.emit()
        self.window_.show_message(self.tr("{name} is archived.").format(name=row.name))

    async def restore(self) -> None:
        row = self.selected()
        if row is None:
            return
        restored = await off_thread(self.restore_row, row.id)
        self.window_.controller.data_changed.emit()
        self.window_.show_message(self.restored_message(restored))
