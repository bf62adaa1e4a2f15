"""Settings' *Team database* group: point this computer at the team's PostgreSQL, or back at its own file.

Why a group of its own, with its own buttons: the database is not a business setting (it is this
device's choice, kept in the data folder, its password in the keychain) and it takes effect at the
next start, so it is tested and saved on its own rather than by the form's Save. On a team database
it also holds *Used by* (``ui/person_picker.py``): who this computer's changes are recorded as. Every call goes
through :class:`~bizcal_desktop.services.team_database.TeamDatabaseService`, off the Qt thread.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from bizcal_desktop.services.team_database import DatabaseChoice, TeamDatabaseService
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.tasks import off_thread

Runner = Callable[[Coroutine[Any, Any, None]], Any]


class TeamDatabaseGroup(QGroupBox):
    def __init__(self, service: TeamDatabaseService, run: Runner, parent: QWidget | None = None,
                 person_row: QWidget | None = None) -> None:
        super().__init__(self.tr("Team database"), parent)
        self._service, self._run = service, run
        #: "Used by": who this computer's changes are recorded as (only while on a team database).
        self.person_row = person_row
        form = self._form = QFormLayout(self)
        self.using = QLabel()
        self.using.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setPlaceholderText("postgresql://sarah@db.example.com/salon")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.test_button = QPushButton(self.tr("Test connection"))
        self.use_button = QPushButton(self.tr("Use this database"))
        self.local_button = QPushButton(self.tr("Use this computer only"))
        buttons = QHBoxLayout()
        for button in (self.test_button, self.use_button, self.local_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow(self.tr("Now using:"), self.using)
        form.addRow(self.tr("PostgreSQL URL:"), self.url)
        form.addRow(self.tr("Password:"), self.password)
        form.addRow("", buttons)
        form.addRow("", self.result)
        form.setRowVisible(self.result, False)  # no empty gap above "Used by" until there is something to say
        if person_row is not None:
            form.addRow(self.tr("Used by:"), person_row)
        self.test_button.clicked.connect(lambda: self._run(self.test()))
        self.use_button.clicked.connect(lambda: self._run(self.use()))
        self.local_button.clicked.connect(lambda: self._run(self.use_local()))

    async def refresh(self) -> None:
        choice = await off_thread(self._service.choice)
        self._show_choice(choice)
        self.url.setText(choice.saved_url or "")
        self.password.clear()
        self.password.setPlaceholderText(self.tr("saved in the keychain") if choice.has_password else "")
        refresh = getattr(self.person_row, "refresh", None)
        if refresh is not None:
            await refresh()

    def _show_choice(self, choice: DatabaseChoice) -> None:
        if choice.kind == "sqlite":
            self.using.setText(self.tr("this computer's own file ({0})").format(choice.where))
        elif choice.source == "environment":
            self.using.setText(self.tr("{0} (chosen by BIZCAL_DATABASE_URL or --database-url for this run)")
                               .format(choice.where))
        else:
            self.using.setText(choice.where)

    def _say(self, text: str, error: bool = False) -> None:
        self.result.setStyleSheet("color: #c62828;" if error else "")
        self.result.setText(text)
        self._form.setRowVisible(self.result, bool(text))

    async def test(self) -> None:
        self._say(self.tr("Connecting…"))
        check = await off_thread(self._service.test, self.url.text(), self.password.text() or None)
        self._say(check.message, error=not check.ok)

    async def use(self) -> None:
        check = await off_thread(self._service.test, self.url.text(), self.password.text() or None)
        if not check.ok:
            self._say(check.message, error=True)
            return
        try:
            choice = await off_thread(self._service.save, self.url.text(), self.password.text() or None)
        except Exception as exc:  # noqa: BLE001 - one sentence under the group
            self._say(error_text(exc), error=True)
            return
        self._show_choice(choice)
        self.password.clear()
        self._say(self.tr("{0} Saved: BizCal uses it from its next start.").format(check.message))

    async def use_local(self) -> None:
        choice = await off_thread(self._service.forget)
        self._show_choice(choice)
        self.url.clear()
        self._say(self.tr("BizCal uses this computer's own file from its next start."))
