"""Connect Google: consent in the browser (loopback redirect), then the calendar is tested and saved.

The dialog shows the consent address too, for the times the browser does not open by itself,
and Cancel stops waiting (the loopback listener is closed by the cancelled task).
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread, spawn


class GoogleConnectDialog(QDialog):
    def __init__(
        self, controller: DesktopController, staff_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.saved: ConnectionView | None = None
        self._task: asyncio.Future[None] | None = None
        self._wanted_staff = staff_id
        self.setWindowTitle(self.tr("Connect a Google calendar"))
        self.setMinimumWidth(480)
        form = QFormLayout()
        self.staff = QComboBox()
        form.addRow(self.tr("Staff member:"), self.staff)
        intro = QLabel(
            self.tr(
                "Your browser opens Google's sign-in page. Allow BizCal to manage the calendar, then come "
                "back here; bookings are written into the account's primary calendar."
            )
        )
        intro.setWordWrap(True)
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.setOpenExternalLinks(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Sign in with Google"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(intro)
        layout.addWidget(self.link)
        layout.addWidget(self.result)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        self.rejected.connect(self._cancel)
        self.load_task = spawn(self._load_staff(), on_error=self._show_error)

    async def _load_staff(self) -> None:
        for s in await off_thread(self.services.directory.list_staff):
            self.staff.addItem(s.name, s.id)
        if self._wanted_staff is not None:
            self.staff.setCurrentIndex(max(self.staff.findData(self._wanted_staff), 0))
        self.start_button.setEnabled(self.staff.count() > 0)

    def start(self) -> None:
        self.start_button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText(self.tr("Waiting for you to finish in the browser…"))
        self._task = spawn(self._connect(), on_error=self._show_error)

    def _show_url(self, url: str) -> None:
        self.link.setText(
            self.tr('If no browser opened, open <a href="{url}">this sign-in page</a>.').format(url=url)
        )

    async def _connect(self) -> None:
        self.saved = await self.services.connections.connect_google(
            self.staff.currentData(), on_url=self._show_url
        )
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _show_error(self, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        self.result.setStyleSheet("color: #c62828;")
        self.result.setText(error_text(exc))
