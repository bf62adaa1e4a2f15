"""Details of one connection: every booking's event in it, with success/failure, and Retry."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.services.status import MappingRow
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.formatting import local_time_text
from bizcal_desktop.ui.models.connections import provider_text, status_text
from bizcal_desktop.ui.models.mappings import mappings_model
from bizcal_desktop.ui.tables import row_table
from bizcal_desktop.ui.tasks import off_thread


class ConnectionDetailsWindow(BaseWindow):
    def __init__(
        self, controller: DesktopController, connection: ConnectionView, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            controller,
            self.tr("{name} — Details").format(name=connection.display_name),
            "integrations",
            parent,
        )
        self.connection = connection
        self.resize(900, 460)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        self.model = mappings_model(self)
        self.table = row_table(self.model, wrap_text=False)
        self.layout_.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setToolTip(self.tr("Queue this booking's event again and sync now"))
        row.addWidget(self.retry_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.finish_layout()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.retry_button.clicked.connect(lambda: self.run(self.retry_selected()))
        controller.data_changed.connect(self._data_changed)
        self._selection_changed()

    async def refresh(self) -> None:
        c = await off_thread(self.services.connections.get, self.connection.id)
        self.connection = c
        rows = await off_thread(self.controller.status_service.mappings, c.id)
        failed = sum(1 for m in rows if m.state == "failed")
        self.summary.setText(
            self.tr(
                "<b>{name}</b> ({provider}) for {staff} — calendar “{calendar}”<br>"
                "Status: {status} · last success: {last} · {count} events, {failed} failed"
            ).format(
                name=c.display_name,
                provider=provider_text(c),
                staff=c.staff_name,
                calendar=c.calendar_name or c.calendar_id or "",
                status=status_text(c),
                last=local_time_text(c.last_success_at) if c.last_success_at else self.tr("never"),
                count=len(rows),
                failed=failed,
            )
        )
        self.model.set_rows(rows)
        self.show_message(c.last_error or "" if c.status != "active" else "", error=True)
        self._selection_changed()

    def selected_mapping(self) -> MappingRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        m = self.selected_mapping()
        self.retry_button.setEnabled(bool(m and m.state == "failed"))

    async def retry_selected(self) -> None:
        m = self.selected_mapping()
        if m is None:
            return
        self.retry_button.setEnabled(False)
        report = await self.controller.retry_mapping(m.id)
        await self.request_refresh()
        if report.failed:
            self.show_message(
                self.tr("Booking {id} failed again: see its error.").format(id=m.booking_id), error=True
            )
        else:
            self.show_message(self.tr("Booking {id} is in the calendar now.").format(id=m.booking_id))
