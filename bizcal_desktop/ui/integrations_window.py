"""Calendar Integrations: each staff member's calendar connections, their health, and what to do.

Connect CalDAV opens the wizard; Connect Google and Connect Microsoft open the browser sign-in.
Disconnect asks first, because it deletes the keychain secrets; it offers to remove BizCal's events
from that calendar too, counted before anything happens (:mod:`.disconnect_box`); a removal not yet
finished shows its progress and Forget now above the list (:mod:`.removal_banner`). Reconnect… (a
connection that needs the user) and Pause / Resume act on the selected connection in place
(:mod:`.connection_repair`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QMessageBox, QPushButton, QTreeView, QWidget

from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.caldav_wizard import CalDAVWizard
from bizcal_desktop.ui.connection_details import ConnectionDetailsWindow
from bizcal_desktop.ui.connection_privacy import ConnectionPrivacyDialog
from bizcal_desktop.ui.connection_repair import ConnectionRepair
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.disconnect_box import DisconnectBox
from bizcal_desktop.ui.google_connect import GoogleConnectDialog
from bizcal_desktop.ui.microsoft_connect import MicrosoftConnectDialog
from bizcal_desktop.ui.models.connections import CONNECTION_ROLE, STAFF_ROLE, connections_model
from bizcal_desktop.ui.removal_banner import RemovalBanner
from bizcal_desktop.ui.tasks import off_thread


class IntegrationsWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Calendar Integrations"), "integrations", parent)
        self.resize(960, 480)
        self._connections: dict[int, ConnectionView] = {}
        self.wizard: CalDAVWizard | None = None
        self.google_dialog: GoogleConnectDialog | None = None
        self.microsoft_dialog: MicrosoftConnectDialog | None = None
        self.details: dict[int, ConnectionDetailsWindow] = {}
        self.confirm_box: QMessageBox | None = None

        self.tree = QTreeView()
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setModel(connections_model([], [], self))
        self.removals = RemovalBanner(lambda cid: self.run(self.forget_removal(cid)), self)
        self.layout_.addWidget(self.removals)
        self.layout_.addWidget(self.tree, 1)

        row = QHBoxLayout()
        self.connect_caldav_button = QPushButton(self.tr("Connect CalDAV…"))
        row.addWidget(self.connect_caldav_button)
        self.connect_google_button = QPushButton(self.tr("Connect Google…"))
        row.addWidget(self.connect_google_button)
        self.connect_google_button.clicked.connect(self.open_google)
        self.connect_microsoft_button = QPushButton(self.tr("Connect Microsoft…"))
        row.addWidget(self.connect_microsoft_button)
        self.connect_microsoft_button.clicked.connect(self.open_microsoft)
        row.addSpacing(16)
        self.default_button = QPushButton(self.tr("Set default"))
        self.details_button = QPushButton(self.tr("Details…"))
        self.privacy_button = QPushButton(self.tr("Event privacy…"))
        self.privacy_button.setToolTip(self.tr("What this calendar's events show of a booking"))
        self.privacy_dialog: ConnectionPrivacyDialog | None = None
        self.disconnect_button = QPushButton(self.tr("Disconnect…"))
        row.addWidget(self.default_button)
        row.addWidget(self.details_button)
        row.addWidget(self.privacy_button)
        row.addWidget(self.disconnect_button)
        self.repair = ConnectionRepair(self)  # Reconnect… and Pause / Resume
        self.repair.add_to(row)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.finish_layout()

        self.connect_caldav_button.clicked.connect(self.open_caldav)
        self.default_button.clicked.connect(lambda: self.run(self.set_default()))
        self.details_button.clicked.connect(self.open_details)
        self.disconnect_button.clicked.connect(self.ask_disconnect)
        self.privacy_button.clicked.connect(lambda: self.run(self.open_privacy()))
        self.tree.doubleClicked.connect(lambda _i: self.open_details())
        controller.data_changed.connect(self._data_changed)
        self._selection_changed()

    async def refresh(self) -> None:
        staff = await off_thread(self.services.directory.list_staff, True)  # archived: their calendars stay
        connections = await off_thread(self.services.connections.list)
        self.removals.show_states(await off_thread(self.services.connections.removals.in_progress))
        self._connections = {c.id: c for c in connections}
        selected = self.selected_connection()
        model = connections_model(staff, connections, self, self.services.config.device.id)
        old = self.tree.model()
        self.tree.setModel(model)
        if old is not None and old.parent() is self:
            old.deleteLater()
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.tree.expandAll()
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        if selected is not None:
            self.select_connection(selected.id)
        if not staff:
            self.show_message(self.tr("No staff members yet; add them first (bizcal staff add)."))
        else:
            self.show_message("")
        self._selection_changed()

    # ----- selection -------------------------------------------------------------------------------
    def _selected_index(self):  # type: ignore[no-untyped-def]
        indexes = self.tree.selectionModel().selectedIndexes() if self.tree.selectionModel() else []
        return indexes[0] if indexes else None

    def selected_connection(self) -> ConnectionView | None:
        index = self._selected_index()
        if index is None:
            return None
        cid = index.data(CONNECTION_ROLE)
        return self._connections.get(cid) if cid is not None else None

    def selected_staff_id(self) -> int | None:
        index = self._selected_index()
        return index.data(STAFF_ROLE) if index is not None else None

    def select_connection(self, connection_id: int) -> None:
        model = self.tree.model()
        for r in range(model.rowCount()):
            head = model.index(r, 0)
            for cr in range(model.rowCount(head)):
                child = model.index(cr, 0, head)
                if child.data(CONNECTION_ROLE) == connection_id:
                    self.tree.setCurrentIndex(child)
                    return

    def _selection_changed(self) -> None:
        c = self.selected_connection()
        self.default_button.setEnabled(bool(c and c.active and not c.is_default))
        self.details_button.setEnabled(c is not None)
        self.disconnect_button.setEnabled(c is not None)
        self.repair.selection_changed(c)
        self.privacy_button.setEnabled(c is not None)

    # ----- actions ---------------------------------------------------------------------------------
    def open_caldav(self) -> CalDAVWizard:
        self.wizard = CalDAVWizard(self.controller, self.selected_staff_id(), parent=self)
        self.wizard.accepted.connect(self.request_refresh)
        self.wizard.open()
        return self.wizard

    def open_google(self) -> GoogleConnectDialog:
        self.google_dialog = GoogleConnectDialog(self.controller, self.selected_staff_id(), parent=self)
        self.google_dialog.accepted.connect(self.request_refresh)
        self.google_dialog.open()
        return self.google_dialog

    def open_microsoft(self) -> MicrosoftConnectDialog:
        self.microsoft_dialog = MicrosoftConnectDialog(self.controller, self.selected_staff_id(), parent=self)
        self.microsoft_dialog.accepted.connect(self.request_refresh)
        self.microsoft_dialog.open()
        return self.microsoft_dialog

    async def set_default(self) -> None:
        c = self.selected_connection()
        if c is None:
            return
        await off_thread(lambda: self.services.connections.set_default(c.id, door=Door.DESKTOP))
        await self.request_refresh()
        self.show_message(
            self.tr("New bookings of {staff} go to {name}.").format(staff=c.staff_name, name=c.display_name)
        )

    def open_details(self) -> ConnectionDetailsWindow | None:
        c = self.selected_connection()
        if c is None:
            return None
        window = self.details.get(c.id)
        if window is None:
            window = ConnectionDetailsWindow(self.controller, c)
            self.details[c.id] = window
        window.show()
        window.raise_()
        return window

    async def open_privacy(self) -> ConnectionPrivacyDialog | None:
        """What the selected calendar's events show: its own level, or the business's."""
        c = self.selected_connection()
        if c is None:
            return None
        business = await off_thread(self.services.settings.get)
        self.privacy_dialog = ConnectionPrivacyDialog(
            self, c, business.event_privacy, lambda level: self.run(self.set_privacy(c.id, level))
        )
        self.privacy_dialog.open()
        return self.privacy_dialog

    async def set_privacy(self, connection_id: int, level: str) -> None:
        change = await off_thread(
            lambda: self.services.connections.set_privacy(connection_id, level, door=Door.DESKTOP)
        )
        self.controller.data_changed.emit()  # this window refreshes too; the message comes after it
        if self.last_refresh is not None:
            await self.last_refresh
        self.show_message(f"{change.message}.")

    def ask_disconnect(self) -> QMessageBox | None:
        c = self.selected_connection()
        if c is None:
            return None
        self.confirm_box = DisconnectBox(
            self, c, lambda: self.services.connections.removal_preview(c.id),
            lambda remove: self.run(self.disconnect(c.id, remove)),
        )
        self.confirm_box.open()
        return self.confirm_box

    async def disconnect(self, connection_id: int, remove_events: bool = False) -> None:
        """Disconnect in the background; removing BizCal's events shows its progress on the status line."""
        name = self._connections[connection_id].display_name if connection_id in self._connections else ""

        def progress(done: int, total: int) -> None:
            self.removals.show_progress(connection_id, name, done, total)
            self.show_message(self.tr("Removing BizCal's events from {name}: {done} of {total}…").format(
                name=name, done=done, total=total))

        result = await self.services.connections.disconnect_and_revoke(
            connection_id, door=Door.DESKTOP, remove_events=remove_events, on_progress=progress,
        )
        self.controller.data_changed.emit()  # this window refreshes too; the message comes after it
        if self.last_refresh is not None:
            await self.last_refresh
        self.show_message(result.message, error=bool(result.not_removed or result.removal_error))

    async def forget_removal(self, connection_id: int) -> None:
        """Forget now: the removal ends, the secret is deleted, the events not yet removed stay."""
        state = await self.services.connections.removals.forget(connection_id, door=Door.DESKTOP)
        self.controller.data_changed.emit()
        if self.last_refresh is not None:
            await self.last_refresh
        self.show_message(state.message, error=bool(state.left))
