"""Audit: who changed which booking, connection or setting, when, and through which door.

Why a window of its own and not a filter of the Sync Log: the sync log is what the engine did, this
is what people did; an auditor (or the practice owner asking "who moved this?") reads this one. It
only reads — nothing here edits or deletes an entry — and it exports exactly the rows it shows
(the filters applied) as CSV, through a file dialog opened without a nested event loop.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from bizcal_desktop.services.audit import AuditEntry
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.models.audit import audit_model, describe_change
from bizcal_desktop.ui.tables import replace_rows, rows_over_details, selected_row
from bizcal_desktop.ui.tasks import off_thread

#: How many changes one view shows (``bizcal audit`` reaches further back).
AUDIT_LIMIT = 2000


class AuditWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Audit"), "sync-log", parent)
        self.resize(1040, 580)
        self.export_dialog: QFileDialog | None = None
        self.layout_.addLayout(self._filter_bar())
        self.layout_.addWidget(self._table_and_details(), 1)
        self.layout_.addLayout(self._buttons())
        self.finish_layout()
        self._connect_signals(controller)
        self._selection_changed()

    # ----- building --------------------------------------------------------------------------------
    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Find:")))
        self.text = QLineEdit()
        self.text.setPlaceholderText(self.tr("a name, a user, a booking number…"))
        self.text.setClearButtonEnabled(True)
        bar.addWidget(self.text, 1)
        self.since_on = QCheckBox(self.tr("Since"))
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setEnabled(False)
        bar.addWidget(self.since_on)
        bar.addWidget(self.since)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        bar.addWidget(self.refresh_button)
        return bar

    def _table_and_details(self) -> QSplitter:
        self.model = audit_model(self)
        self.table, self.details, splitter = rows_over_details(
            self.model, self.tr("Select a change to see who made it and what it was before and after."), (380, 160)
        )
        return splitter

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.setToolTip(self.tr("Save the changes shown (with these filters) as a CSV file"))
        row.addWidget(self.export_button)
        row.addStretch(1)
        return row

    def _connect_signals(self, controller: DesktopController) -> None:
        self.text.returnPressed.connect(self.request_refresh)
        self.text.textChanged.connect(lambda _t: self.request_refresh())
        self.since_on.toggled.connect(self.since.setEnabled)
        self.since_on.toggled.connect(lambda _on: self.request_refresh())
        self.since.dateChanged.connect(lambda _d: self.request_refresh())
        self.refresh_button.clicked.connect(self.request_refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.export_button.clicked.connect(self.ask_export)
        controller.data_changed.connect(self._data_changed)

    # ----- data ------------------------------------------------------------------------------------
    def since_instant(self) -> datetime | None:
        """Midnight of the chosen day on this computer's clock, as an instant; None for all dates."""
        if not self.since_on.isChecked():
            return None
        chosen = date(self.since.date().year(), self.since.date().month(), self.since.date().day())
        return datetime.combine(chosen, time()).astimezone().astimezone(UTC)

    async def refresh(self) -> None:
        entries = await off_thread(
            self.services.audit.entries, self.since_instant(), self.text.text(), AUDIT_LIMIT
        )
        replace_rows(self.table, self.model, entries)
        self.show_empty_hint(not entries, self.tr("No changes match these filters."))
        self.export_button.setEnabled(bool(entries))
        self._selection_changed()

    def selected_entry(self) -> AuditEntry | None:
        return selected_row(self.table, self.model)

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        self.details.setPlainText(describe_change(entry) if entry else "")

    # ----- export ----------------------------------------------------------------------------------
    def ask_export(self) -> QFileDialog:
        """A save dialog (opened, not run: no nested event loop); choosing a file exports to it."""
        dialog = QFileDialog(self, self.tr("Export the audit trail"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("CSV files (*.csv)"))
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(f"bizcal-audit-{date.today().isoformat()}.csv")
        dialog.fileSelected.connect(lambda path: self.run(self.export_to(Path(path))))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    async def export_to(self, path: Path) -> int:
        entries = self.model.rows()
        count = await off_thread(self.services.audit.export_csv, entries, path)
        text = self.tr("Exported 1 change to {path}.") if count == 1 else self.tr("Exported {n} changes to {path}.")
        self.show_message(text.format(n=count, path=path))
        return count
