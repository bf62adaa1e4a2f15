"""The two steps of connecting an OAuth calendar account (Google, Microsoft) from the desktop.

Step one signs in through the browser and lists the account's calendars; step two lets the user
choose the calendar bookings go to (the primary/default one is preselected) and which other
calendars count as busy, and Save tests the chosen calendar and saves the connection. Nothing is
saved before Save, so Cancel at any point leaves no connection behind. Both steps run on the
qasync loop; the dialog never waits on the network itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

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

from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.services.pending_connection import ConnectionTestFailed, PendingConnection
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.calendar_choice import CalendarChoice
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread, spawn

#: ``begin(staff_id, on_url=...)``: sign in and list the calendars (ConnectionService.begin_*).
BeginSignIn = Callable[..., Awaitable[PendingConnection]]

ERROR_STYLE = "color: #c62828;"


class OAuthConnectDialog(QDialog):
    def __init__(
        self,
        controller: DesktopController,
        staff_id: int | None,
        parent: QWidget | None,
        begin: BeginSignIn,
    ) -> None:
        """Subclasses set the window title, ``intro`` and ``start_button`` texts (their own ``tr``)."""
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.saved: ConnectionView | None = None
        self.pending: PendingConnection | None = None
        self._task: asyncio.Future[None] | None = None
        self._wanted_staff = staff_id
        self._begin = begin
        self.setMinimumWidth(480)
        form = QFormLayout()
        self.staff = QComboBox()
        form.addRow(self.tr("Staff member:"), self.staff)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.setOpenExternalLinks(True)
        self.choice = CalendarChoice(parent=self)
        self.choice.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.start_button = QPushButton()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.intro)
        layout.addWidget(self.link)
        layout.addWidget(self.choice)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.start_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.start_button.clicked.connect(self.start)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.rejected.connect(self._cancel)
        self.load_task = spawn(self._load_staff(), on_error=self._show_error)

    def url_text(self, url: str) -> str:
        """What to say when the sign-in address is shown (the browser may not have opened)."""
        return self.tr('If no browser opened, open <a href="{url}">this sign-in page</a>.').format(url=url)

    async def _load_staff(self) -> None:
        for s in await off_thread(self.services.directory.list_staff):
            self.staff.addItem(s.name, s.id)
        if self._wanted_staff is not None:
            self.staff.setCurrentIndex(max(self.staff.findData(self._wanted_staff), 0))
        self.start_button.setEnabled(self.staff.count() > 0)

    # ----- step one: sign in -------------------------------------------------------------------
    def start(self) -> None:
        self.start_button.setEnabled(False)
        self.staff.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("Waiting for you to finish in the browser…"))
        self._task = spawn(self._sign_in(), on_error=self._show_error)

    def _show_url(self, url: str) -> None:
        self.link.setText(self.url_text(url))

    async def _sign_in(self) -> None:
        pending = await self._begin(self.staff.currentData(), on_url=self._show_url)
        if not any(c.writable for c in pending.calendars):
            raise ConnectionTestFailed(
                self.tr("This account has no calendar you may write into; create one, then sign in again.")
            )
        self.pending = pending
        self.choice.set_calendars(pending.calendars, pending.default_calendar.calendar_id)
        self.choice.show()
        self.link.clear()
        self.start_button.hide()
        self.save_button.setEnabled(True)
        self.save_button.setDefault(True)
        self.message.setText(
            self.tr("Signed in as {account}. Choose the calendars, then Save.").format(
                account=pending.account or self.tr("this account")
            )
        )

    # ----- step two: test the chosen calendar and save -----------------------------------------
    def save(self) -> None:
        calendar_id = self.choice.calendar_id()
        if self.pending is None or calendar_id is None:
            return
        self.save_button.setEnabled(False)
        self.choice.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(self.tr("Testing the calendar…"))
        self._task = spawn(
            self._finish(self.pending, calendar_id, self.choice.busy_calendar_ids()), on_error=self._show_error
        )

    async def _finish(self, pending: PendingConnection, calendar_id: str, busy_ids: list[str]) -> None:
        self.saved = await self.services.connections.finish_connection(
            pending, calendar_id, busy_ids, door=Door.DESKTOP
        )
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.pending is not None and self.saved is None:
            # Signed in but not saved: hand the grant back (Google), so no access outlives the dialog.
            pending, self.pending = self.pending, None
            spawn(self.services.connections.abandon(pending))

    def _show_error(self, exc: BaseException) -> None:
        """Offer the step that failed again: sign-in before the account is known, Save after."""
        if self.pending is None:
            self.start_button.setEnabled(True)
            self.staff.setEnabled(True)
        else:
            self.save_button.setEnabled(True)
            self.choice.setEnabled(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(error_text(exc))
