"""Reconnect… and Pause / Resume for the connection selected in Calendar Integrations.

Why apart from the window: the window lists connections and connects new ones; these two act on one
saved connection and each has its own rules — Reconnect… is offered only when the connection needs
the user (needs reconnect, switched off, calendar gone) and opens :class:`ReconnectDialog`; Pause is
the user's choice to hold a connection (its bookings wait, see ``store/pauses``), and Resume syncs
what waited at once. After either, the tray's status is read again so its lines say "Paused" or stop
saying that the calendar needs you.

On a team's shared database a calendar another computer writes (its secret is in that computer's
keychain) offers *Use on this computer…* instead: it asks first ("This calendar is used by Sarah's
laptop. Use it on this computer instead?") and then reconnects it here, which moves it
(``services/reconnect``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton

from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connection_view import ConnectionView
from bizcal_desktop.ui.confirm import confirm
from bizcal_desktop.ui.reconnect_dialog import ReconnectDialog
from bizcal_desktop.ui.tasks import off_thread

if TYPE_CHECKING:
    from bizcal_desktop.ui.integrations_window import IntegrationsWindow


class ConnectionRepair(QObject):
    """The two buttons and what they do; the window adds them to its row and tells of selection changes."""

    def __init__(self, window: IntegrationsWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ReconnectDialog | None = None
        self.take_over_box: QMessageBox | None = None
        self.reconnect_button = QPushButton(self.tr("Reconnect…"))
        self.reconnect_button.setToolTip(self.tr("Sign in again or give a new app password; the connection keeps "
                                                 "its bookings, events and history"))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.reconnect_button.clicked.connect(self.open_reconnect)
        self.pause_button.clicked.connect(lambda: window.run(self.toggle_pause()))

    def add_to(self, row: QHBoxLayout) -> None:
        row.addWidget(self.reconnect_button)
        row.addWidget(self.pause_button)

    def _elsewhere(self, c: ConnectionView | None) -> bool:
        """Another computer writes ``c`` (a team database): reconnecting here moves it here."""
        return bool(c and c.owner_device is not None and c.status != "disconnected"
                    and not c.used_here(self.window.services.config.device.id))

    def selection_changed(self, c: ConnectionView | None) -> None:
        elsewhere = self._elsewhere(c)
        self.reconnect_button.setEnabled(bool(c and c.needs_user) or elsewhere)
        self.reconnect_button.setText(self.tr("Use on this computer…") if elsewhere else self.tr("Reconnect…"))
        self.pause_button.setEnabled(bool(c and c.status != "disconnected"))
        paused = bool(c and c.paused)
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))
        self.pause_button.setToolTip(
            self.tr("Sync this calendar again; what waited is written now") if paused
            else self.tr("Hold this calendar: its bookings wait (they do not move elsewhere) until you resume it")
        )

    def open_reconnect(self) -> ReconnectDialog | QMessageBox | None:
        """Reconnect… the selected connection; another computer's is moved here only after asking."""
        c = self.window.selected_connection()
        if c is not None and self._elsewhere(c):
            name = c.owner_device_name or self.tr("another computer")
            self.take_over_box = confirm(
                self.window, self.tr("Use on this computer"),
                self.tr("This calendar is used by {device}. Use it on this computer instead? You sign in (or give "
                        "its app password) here, and {device} stops writing to it.").format(device=name),
                self.tr("Use on this computer"), lambda: self._open_dialog(c, take_over=True))
            return self.take_over_box
        if c is None or not c.needs_user:
            return None
        return self._open_dialog(c, take_over=False)

    def _open_dialog(self, c: ConnectionView, take_over: bool) -> ReconnectDialog:
        self.dialog = ReconnectDialog(self.window.controller, c, parent=self.window, take_over=take_over)
        self.dialog.accepted.connect(self._reconnected)
        self.dialog.open()
        return self.dialog

    def _reconnected(self) -> None:
        self.window.run(self._after_reconnect())

    async def _after_reconnect(self) -> None:
        done = self.dialog.saved if self.dialog is not None else None
        await self.window.controller.refresh_status()
        await self.window.refresh()
        if done is not None:
            self.window.show_message(self.tr("{name} is reconnected; {n} booking(s) that waited are being synced.")
                                     .format(name=done.connection.display_name, n=done.queued))

    async def toggle_pause(self) -> None:
        c = self.window.selected_connection()
        if c is None:
            return
        connections = self.window.services.connections
        view = await off_thread(lambda: connections.set_paused(c.id, not c.paused, door=Door.DESKTOP))
        self.window.controller.data_changed.emit()
        if not view.paused:
            self.window.controller.request_drain()
        await self.window.controller.refresh_status()
        await self.window.refresh()
        if view.paused:
            text = self.tr("{name} is paused: bookings of {staff} wait for it, and its busy times are not read "
                           "until you resume it.")
        else:
            text = self.tr("{name} is resumed; what waited is being synced.")
        self.window.show_message(text.format(name=view.display_name, staff=view.staff_name))
