"""Reconnect… one connection in place: a new app password (CalDAV) or a new sign-in (Google, Microsoft).

Why a dialog of its own and not the connect wizard again: a reconnect must not make a second
connection — the row keeps its mappings, events and history — so the account, the server and the
staff member are fixed here and only what broke is asked for: the password (with *Test Connection*,
which must pass for the password on screen before Save), or the browser sign-in, and a calendar when
the connection's own is gone. The steps are ``ConnectionService.begin_reconnect`` and
``finish_reconnect``, the same ones ``bizcal connections reconnect`` runs; after Save the controller
drains what waited. With ``take_over`` (another computer's calendar, the user agreed to move it here)
the password is always asked for: this computer's keychain has none saved.
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
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connection_view import ConnectionView
from bizcal_desktop.services.reconnect import PendingReconnect, Reconnected
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import spawn

OK_STYLE = "color: #2e7d32; font-weight: bold;"
ERROR_STYLE = "color: #c62828;"
_SIGN_IN = {"google": "Sign in with Google…", "microsoft": "Sign in with Microsoft…"}


class ReconnectDialog(QDialog):
    def __init__(self, controller: DesktopController, connection: ConnectionView, parent: QWidget | None = None,
                 take_over: bool = False) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.connection = connection
        self.caldav = connection.provider == "caldav"
        #: Another computer's calendar, moved to this one on Save.
        self.take_over = take_over
        #: The passing test (CalDAV) or sign-in (OAuth) of what is on screen; nothing saved yet.
        self.pending: PendingReconnect | None = None
        self.saved: Reconnected | None = None
        self.task: asyncio.Future[None] | None = None
        self._tested_password: str | None = None
        self.setWindowTitle(self.tr("Reconnect {name}").format(name=connection.display_name))
        self.setMinimumWidth(500)
        self._build()
        self.cancel_button.clicked.connect(self.reject)
        self.rejected.connect(self._cancel)
        self.save_button.clicked.connect(lambda: self._run(self.save()))
        self.test_button.clicked.connect(lambda: self._run(self.test()))
        self.password.textChanged.connect(lambda _t: self._password_changed())
        self._update_buttons()

    def _build(self) -> None:
        c = self.connection
        layout = QVBoxLayout(self)
        self.intro = QLabel(self._intro_text())
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        form.addRow(self.tr("Account:"), QLabel(c.username or c.display_name))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        if self.caldav:
            form.addRow(self.tr("Server:"), QLabel(c.server_url or ""))
            form.addRow(self.tr("New app password:"), self.password)
            if c.status == "calendar_missing" and not self.take_over:
                self.password.setPlaceholderText(self.tr("leave empty to keep the saved one"))
        self.calendar = QComboBox()
        self.calendar_label = QLabel(self.tr("Calendar for bookings:"))
        form.addRow(self.calendar_label, self.calendar)
        layout.addLayout(form)
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(self.link)
        self.result = QLabel()
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self.test_button = QPushButton(self.tr("Test Connection") if self.caldav
                                       else self.tr(_SIGN_IN.get(c.provider, "Sign in…")))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.save_button = QPushButton(self.tr("Save"))
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self._show_calendars()

    def _intro_text(self) -> str:
        c = self.connection
        if self.take_over:
            why = self.tr("{name} is used by {device}; it moves to this computer when you save.").format(
                name="{name}", device=c.owner_device_name or self.tr("another computer"))
        elif c.status == "calendar_missing":
            why = self.tr("The calendar “{calendar}” of {name} is gone. Choose the calendar its bookings go to.")
        elif c.status == "deactivated":
            why = self.tr("{name} was switched off because its access was refused.")
        elif self.caldav:
            why = self.tr("The server of {name} refused its password.")
        else:
            why = self.tr("{name} refused its sign-in.")
        how = (self.tr("Give the new app-specific password and test it.") if self.caldav
               else self.tr("Sign in again as {account}.").format(account=c.username or self.tr("the same account")))
        keep = self.tr("The connection keeps its bookings, events and history; what waited is synced after Save.")
        return " ".join([why.format(calendar=c.calendar_name or c.calendar_id or "", name=c.display_name), how, keep])

    # ----- state --------------------------------------------------------------------------------------------
    def _show_calendars(self) -> None:
        """The calendar choice, shown only when the connection's own calendar is gone."""
        needed = self.pending is not None and self.pending.needs_calendar
        self.calendar.setVisible(needed)
        self.calendar_label.setVisible(needed)
        self.calendar.clear()
        if needed and self.pending is not None:
            for cal in self.pending.login.calendars:
                if cal.writable:
                    self.calendar.addItem(cal.name, cal.calendar_id)

    def _password_changed(self) -> None:
        """A changed password voids the last test: Save needs a passing test of what is on screen."""
        if self.caldav and self.pending is not None and self.password.text() != self._tested_password:
            self.pending = None
            self._show_calendars()
            self.result.setStyleSheet("")
            self.result.setText(self.tr("Changed — test the connection again."))
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.task is not None and not self.task.done()
        needs_password = self.caldav and (self.take_over or self.connection.status != "calendar_missing")
        self.test_button.setEnabled(not busy and not (needs_password and not self.password.text()))
        ready = self.pending is not None and (not self.pending.needs_calendar or self.calendar.count() > 0)
        self.save_button.setEnabled(not busy and ready)

    def _run(self, coro) -> None:  # type: ignore[no-untyped-def]
        self.task = spawn(coro, on_error=self._fail)
        self.task.add_done_callback(lambda _t: self._update_buttons())
        self._update_buttons()

    # ----- steps ---------------------------------------------------------------------------------------------
    async def test(self) -> None:
        """Log in (CalDAV: the password on screen) or sign in again, and list the calendars."""
        password = self.password.text() if self.caldav else None
        self.pending = None
        self.result.setStyleSheet("")
        self.result.setText(self.tr("Testing…") if self.caldav else self.tr("Waiting for you to finish in the browser…"))
        pending = await self.services.connections.begin_reconnect(
            self.connection.id, password or None, on_url=self._show_url, take_over=self.take_over)
        if self.caldav and self.password.text() != password:
            return  # edited while the test ran: the result is about old input
        self.pending, self._tested_password = pending, password
        self.link.clear()
        self._show_calendars()
        self.result.setStyleSheet(OK_STYLE)
        text = self.tr("Connected.") if self.caldav else self.tr("Signed in as {account}.").format(
            account=pending.login.account or self.connection.username or "")
        more = self.tr(" Choose a calendar, then Save.") if pending.needs_calendar else self.tr(" Save to reconnect.")
        self.result.setText("✓ " + text + more)
        self._update_buttons()

    async def save(self) -> None:
        """Test writing into the calendar and save in place (ConnectionService.finish_reconnect)."""
        if self.pending is None:
            return
        chosen = self.calendar.currentData() if self.pending.needs_calendar else None
        self.result.setStyleSheet("")
        self.result.setText(self.tr("Testing the calendar…"))
        self.saved = await self.services.connections.finish_reconnect(self.pending, chosen, door=Door.DESKTOP)
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()

    def _show_url(self, url: str) -> None:
        self.link.setText(self.tr('If no browser opened, open <a href="{url}">this sign-in page</a>.').format(url=url))

    def _cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        if self.pending is not None and self.saved is None:
            # Signed in but not saved: hand the grant back (Google), so no access outlives the dialog.
            pending, self.pending = self.pending, None
            spawn(self.services.connections.abandon(pending.login))

    def _fail(self, exc: BaseException) -> None:
        self.result.setStyleSheet(ERROR_STYLE)
        self.result.setText("✗ " + error_text(exc))
        self._update_buttons()
