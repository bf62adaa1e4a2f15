"""Sync Log: the audit trail, newest first, filterable; Retry on a failed row; copy details.

Deletions the mass-deletion guard held (``sync/deletion_guard.py``) are confirmed here: the calm
alert sends the user to this window, where the log row says what would go, beside the button.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from bizcal_desktop.services.sync_log import LogEntry
from bizcal_desktop.store.deletion_holds import HeldDeletions
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.models.sync_log import describe_entry, sync_log_model
from bizcal_desktop.ui.tables import replace_rows, rows_over_details, selected_row
from bizcal_desktop.ui.tasks import off_thread

#: How many entries one view shows (the CLI's ``bizcal log --limit`` reaches further back).
LOG_LIMIT = 500


class SyncLogWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Sync Log"), "sync-log", parent)
        self.resize(980, 560)
        self._connection_names: dict[int, str] = {}
        self.layout_.addLayout(self._filter_bar())
        self.layout_.addWidget(self._table_and_details(), 1)
        self.layout_.addLayout(self._action_buttons())
        self.finish_layout()
        self._connect_signals(controller)
        self._selection_changed()

    # ----- building --------------------------------------------------------------------------------
    def _filter_bar(self) -> QHBoxLayout:
        """Outcome, calendar and booking number filters, and Refresh."""
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Outcome:")))
        self.outcome = QComboBox()
        for label, value in (
            (self.tr("All"), None),
            (self.tr("Failures"), "failure"),
            (self.tr("Successes"), "success"),
            (self.tr("Skipped"), "skipped"),
        ):
            self.outcome.addItem(label, value)
        filters.addWidget(self.outcome)
        filters.addWidget(QLabel(self.tr("Calendar:")))
        self.connection = QComboBox()
        self.connection.addItem(self.tr("All calendars"), None)
        self.connection.setMinimumContentsLength(18)
        filters.addWidget(self.connection)
        filters.addWidget(QLabel(self.tr("Booking #:")))
        self.booking = QLineEdit()
        self.booking.setPlaceholderText(self.tr("any"))
        self.booking.setMaximumWidth(90)
        filters.addWidget(self.booking)
        filters.addStretch(1)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        filters.addWidget(self.refresh_button)
        return filters

    def _table_and_details(self) -> QSplitter:
        self.model = sync_log_model(self._connection_names, self)
        self.table, self.details, splitter = rows_over_details(
            self.model, self.tr("Select an entry to see its details."), (400, 120)
        )
        return splitter

    def _action_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setToolTip(self.tr("Queue this booking's calendar event again and sync now"))
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.confirm_deletions_button = QPushButton(self.tr("Confirm removals"))
        self.confirm_deletions_button.setVisible(False)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_deletions_button)
        return buttons

    def _connect_signals(self, controller: DesktopController) -> None:
        self.outcome.currentIndexChanged.connect(lambda _i: self.request_refresh())
        self.connection.currentIndexChanged.connect(lambda _i: self.request_refresh())
        self.booking.editingFinished.connect(self.request_refresh)
        self.refresh_button.clicked.connect(self.request_refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.retry_button.clicked.connect(lambda: self.run(self.retry_selected()))
        self.copy_button.clicked.connect(self.copy_selected)
        self.confirm_deletions_button.clicked.connect(lambda: self.run(self.confirm_deletions()))
        controller.data_changed.connect(self._data_changed)

    # ----- filters ---------------------------------------------------------------------------------
    def show_failures(self) -> None:
        """What a click on a failure notification shows."""
        self.connection.setCurrentIndex(0)
        self.booking.clear()
        index = self.outcome.findData("failure")
        if self.outcome.currentIndex() == index:
            self.request_refresh()
        else:
            self.outcome.setCurrentIndex(index)

    def _booking_filter(self) -> int | None:
        text = self.booking.text().strip().lstrip("#")
        return int(text) if text.isdigit() else None

    async def refresh(self) -> None:
        connections = await off_thread(self.services.connections.list, None, True)
        self._connection_names.clear()
        self._connection_names.update({c.id: f"{c.display_name} ({c.staff_name})" for c in connections})
        self._sync_connection_choices()
        if self.booking.text().strip() and self._booking_filter() is None:
            self.show_message(self.tr("Type a booking number, or leave the field empty."), error=True)
            return
        entries = await off_thread(
            self.services.sync_log.entries,
            limit=LOG_LIMIT,
            outcome=self.outcome.currentData(),
            connection_id=self.connection.currentData(),
            booking_id=self._booking_filter(),
        )
        replace_rows(self.table, self.model, entries)
        self._show_held(await off_thread(self.services.engine.outbox_view.held_deletions))
        self.show_empty_hint(not entries, self.tr("No entries match these filters."))
        self._selection_changed()

    def _sync_connection_choices(self) -> None:
        current = self.connection.currentData()
        self.connection.blockSignals(True)
        self.connection.clear()
        self.connection.addItem(self.tr("All calendars"), None)
        for cid, name in sorted(self._connection_names.items(), key=lambda kv: kv[1]):
            self.connection.addItem(name, cid)
        index = self.connection.findData(current)
        self.connection.setCurrentIndex(max(index, 0))
        self.connection.blockSignals(False)

    # ----- selection and actions -----------------------------------------------------------------------
    def selected_entry(self) -> LogEntry | None:
        return selected_row(self.table, self.model)

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        self.details.setPlainText(describe_entry(entry) if entry else "")
        self.retry_button.setEnabled(bool(entry and entry.outcome == "failure" and entry.mapping_id))
        self.copy_button.setEnabled(entry is not None)

    async def retry_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.mapping_id is None:
            return
        self.retry_button.setEnabled(False)
        self.show_message(self.tr("Retrying booking {id}…").format(id=entry.booking_id))
        report = await self.controller.retry_mapping(entry.mapping_id)
        await self.request_refresh()
        if report.failed:
            self.show_message(self.tr("The retry failed again; see the newest entry."), error=True)
        else:
            self.show_message(self.tr("Booking {id} synced.").format(id=entry.booking_id))

    def _show_held(self, held: list[HeldDeletions]) -> None:
        """The confirm button says what it removes; hidden when nothing is held."""
        self.confirm_deletions_button.setVisible(bool(held))
        if len(held) == 1:
            text = self.tr("Remove {n} events from '{name}'").format(n=held[0].events, name=held[0].connection_name)
        else:
            text = self.tr("Remove {n} events from {c} calendars").format(n=sum(h.events for h in held), c=len(held))
        self.confirm_deletions_button.setText(text)

    async def confirm_deletions(self) -> None:
        """The user confirmed the held removals: release them and sync now."""
        self.confirm_deletions_button.setEnabled(False)
        try:
            confirmed = await off_thread(self.services.engine.outbox_view.confirm_deletions, None)
            self.show_message(self.tr("Removing the events of {n} booking(s)…").format(n=confirmed))
            await self.controller.sync_now()
            await self.request_refresh()
        finally:
            self.confirm_deletions_button.setEnabled(True)

    def copy_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            QGuiApplication.clipboard().setText(describe_entry(entry))
