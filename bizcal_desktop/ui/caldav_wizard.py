"""Connect a CalDAV calendar (iCloud, Fastmail, Nextcloud, any other server).

Save is enabled only after *Test Connection* passed for exactly the fields on screen: changing any
field disables it again, so what is saved is what was tested. Test is
``ConnectionService.begin_caldav`` (log in, list the calendars) and Save is ``finish_connection``
(test writing into the chosen calendar, save it with the password in the keychain): the same two
steps as the CLI and the Google and Microsoft dialogs, so the wizard decides nothing of its own.

A URL pasted with ``user:password@`` in it is split at once by the same rule ``begin_caldav`` applies
(:func:`~bizcal_desktop.providers.caldav.presets.login_from_url`): the user and password move into
their fields (the password field hides it), and the URL field keeps only the server.
"""

from __future__ import annotations

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

from bizcal_desktop.errors import BizCalError, UserInputError
from bizcal_desktop.providers.caldav.presets import PRESETS, login_from_url
from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.services.pending_connection import ConnectionTestFailed, PendingConnection
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread, spawn

_OK_STYLE = "color: #2e7d32; font-weight: bold;"
_BAD_STYLE = "color: #c62828;"


class CalDAVWizard(QDialog):
    def __init__(
        self, controller: DesktopController, staff_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.saved: ConnectionView | None = None
        self.testing = False
        #: The passing test of the fields on screen: the logged-in account, its calendars, nothing saved.
        self.pending: PendingConnection | None = None
        self._tested_fields: tuple[str, ...] | None = None
        self._wanted_staff = staff_id
        self.setWindowTitle(self.tr("Connect a CalDAV calendar"))
        self.setMinimumWidth(520)
        self._build()

        self.provider.currentIndexChanged.connect(lambda _i: self._preset_changed())
        for field in (self.server, self.username):
            field.textChanged.connect(lambda _t: self._take_login_from_url())
        for field in (self.server, self.username, self.password):
            field.textChanged.connect(lambda _t: self._fields_changed())
        self.staff.currentIndexChanged.connect(lambda _i: self._fields_changed())
        self.test_button.clicked.connect(lambda: spawn(self.test(), on_error=self._show_error))
        self.save_button.clicked.connect(lambda: spawn(self.save(), on_error=self._show_error))
        self.cancel_button.clicked.connect(self.reject)
        self._preset_changed()
        self.load_task = spawn(self._load_staff(), on_error=self._show_error)

    def _build(self) -> None:
        """The fields, the test row, the calendar choice and the buttons."""
        form = QFormLayout()
        self.staff = QComboBox()
        self.provider = QComboBox()
        for preset in PRESETS.values():
            self.provider.addItem(preset.label, preset.key)
        self.server = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_label = QLabel(self.tr("Server:"))
        form.addRow(self.tr("Staff member:"), self.staff)
        form.addRow(self.tr("Service:"), self.provider)
        form.addRow(self.server_label, self.server)
        form.addRow(self.tr("Username:"), self.username)
        form.addRow(self.tr("App password:"), self.password)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        self.test_button = QPushButton(self.tr("Test Connection"))
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.calendar = QComboBox()
        self.calendar.setEnabled(False)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)
        layout.addLayout(test_row)
        cal_form = QFormLayout()
        cal_form.addRow(self.tr("Calendar for bookings:"), self.calendar)
        layout.addLayout(cal_form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    # ----- fields ----------------------------------------------------------------------------------------
    async def _load_staff(self) -> None:
        staff = await off_thread(self.services.directory.list_staff)
        self.staff.blockSignals(True)
        for s in staff:
            self.staff.addItem(s.name, s.id)
        if self._wanted_staff is not None:
            self.staff.setCurrentIndex(max(self.staff.findData(self._wanted_staff), 0))
        self.staff.blockSignals(False)
        self._fields_changed()

    def _preset_changed(self) -> None:
        preset = PRESETS[self.provider.currentData()]
        self.hint.setText(preset.hint)
        self.server.blockSignals(True)
        if preset.fixed_url:
            self.server_label.setText(self.tr("Server:"))
            self.server.setText(preset.fixed_url)
            self.server.setReadOnly(True)
        else:
            self.server.setReadOnly(False)
            if self.server.text() in {p.fixed_url for p in PRESETS.values() if p.fixed_url}:
                self.server.clear()
            if preset.needs_host:
                self.server_label.setText(self.tr("Nextcloud host:"))
                self.server.setPlaceholderText("cloud.example.com")
            else:
                self.server_label.setText(self.tr("CalDAV URL:"))
                self.server.setPlaceholderText("https://dav.example.com/")
        self.server.blockSignals(False)
        self.username.setPlaceholderText(
            self.tr("Apple ID e-mail") if preset.key == "icloud" else self.tr("User name or e-mail")
        )
        self._fields_changed()

    def _take_login_from_url(self) -> None:
        """Move a ``user:password@`` out of the URL field into Username and App password."""
        try:
            login = login_from_url(self.server.text(), self.username.text(), self.password.text())
        except UserInputError as exc:  # the URL names another user than the Username field
            self._fail(str(exc))
            return
        if login.url == self.server.text().strip():
            return
        for field, value in ((self.server, login.url), (self.username, login.username),
                             (self.password, login.password)):
            field.blockSignals(True)
            field.setText(value)
            field.blockSignals(False)
        self._fields_changed()

    def _fields(self) -> tuple[str, ...]:
        return (
            str(self.staff.currentData()),
            self.provider.currentData(),
            self.server.text().strip(),
            self.username.text().strip(),
            self.password.text(),
        )

    def _fields_changed(self) -> None:
        """Any change voids the last test: Save needs a passing test of what is on screen."""
        if self._tested_fields is not None and self._fields() != self._tested_fields:
            self.pending = None
            self._tested_fields = None
            self.calendar.clear()
            self.calendar.setEnabled(False)
            self.result.setText(self.tr("Changed — test the connection again."))
            self.result.setStyleSheet("")
        complete = all(self._fields()[2:]) and self.staff.currentData() is not None
        self.test_button.setEnabled(complete and not self.testing)
        self.save_button.setEnabled(self.pending is not None and self.calendar.count() > 0 and not self.testing)

    # ----- actions ---------------------------------------------------------------------------------------
    async def test(self) -> PendingConnection | None:
        """Log in and list the calendars (read the fields here, on the Qt thread, never in a worker)."""
        fields = self._fields()
        self.testing = True
        self.pending = None
        self.result.setStyleSheet("")
        self.result.setText(self.tr("Testing…"))
        self._fields_changed()
        pending: PendingConnection | None = None
        failure = ""
        try:
            pending = await self.services.connections.begin_caldav(
                self.staff.currentData(), self.provider.currentData(), self.server.text(),
                self.username.text().strip(), self.password.text(),
            )
        except BizCalError as exc:
            failure = str(exc)
        finally:
            self.testing = False
        if self._fields() != fields:  # edited while the test ran: the result is about old input
            self._fields_changed()
            return None
        if pending is None:
            self._fail(failure)
            return None
        calendars = [c for c in pending.calendars if c.writable] or list(pending.calendars)
        if not calendars:
            self._fail(self.tr("The account has no calendars; create one in your calendar app first."))
            return None
        self.pending = pending
        self._tested_fields = fields
        self.calendar.clear()
        for cal in calendars:
            self.calendar.addItem(cal.name, cal.calendar_id)
        self.calendar.setCurrentIndex(max(self.calendar.findData(pending.default_calendar.calendar_id), 0))
        self.calendar.setEnabled(True)
        self.result.setStyleSheet(_OK_STYLE)
        self.result.setText("✓ " + self.tr("Connected — {n} calendar(s) found.").format(n=len(calendars)))
        self._fields_changed()
        return pending

    def _fail(self, reason: str) -> None:
        self.pending = None
        self._tested_fields = None
        self.calendar.clear()
        self.calendar.setEnabled(False)
        self.result.setStyleSheet(_BAD_STYLE)
        self.result.setText("✗ " + reason)
        self._fields_changed()

    async def save(self) -> ConnectionView | None:
        """Test writing into the chosen calendar, then save (ConnectionService.finish_connection)."""
        if self.pending is None or self._fields() != self._tested_fields:
            return None
        self.save_button.setEnabled(False)
        try:
            self.saved = await self.services.connections.finish_connection(
                self.pending, self.calendar.currentData(), door=Door.DESKTOP
            )
        except ConnectionTestFailed as exc:
            self._fail(str(exc))
            return None
        self.controller.data_changed.emit()
        self.controller.request_drain()
        self.accept()
        return self.saved

    def _show_error(self, exc: BaseException) -> None:
        self._fail(error_text(exc))
