""""Who uses this computer?": asked once on a team database, changeable in Settings → Team database.

Why asked at all: on a team's shared database several people make changes, and the audit trail should
say who — but BizCal has no accounts. So each computer says once which staff member uses it (or that
several people share it, like a front desk), and that answer is what the audit trail records as the
person. The dialog says plainly that this identifies, it does not sign anyone in. On a solo SQLite file
nothing is asked (:meth:`PersonService.needs_asking`). The answer is kept in this computer's data folder,
never in the shared database; every call goes through :class:`~bizcal_desktop.services.person.PersonService`
off the Qt thread.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop.services.directory import DirectoryService
from bizcal_desktop.services.person import PersonService
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.tasks import off_thread, spawn

Runner = Callable[[Coroutine[Any, Any, None]], Any]

#: The picker's value for "several people use this computer" (staff ids start at 1).
SEVERAL = -1

_NOT_A_SIGN_IN = (
    "Changes made on this computer are recorded in the audit trail as made by the person chosen here. "
    "This identifies, it does not sign anyone in: whoever uses this computer can change it."
)

_CHANGED_IN_SETTINGS = "You can change the answer later in Settings → Team database."


class PersonPicker(QComboBox):
    """The staff members, and "Several people use this computer"."""

    async def load(self, person: PersonService, directory: DirectoryService) -> None:
        staff = await off_thread(directory.list_staff)
        saved = await off_thread(person.saved_staff_id)
        self.clear()
        for member in staff:
            self.addItem(member.name, member.id)
        self.addItem(self.tr("Several people use this computer"), SEVERAL)
        index = self.findData(saved) if saved is not None else -1
        self.setCurrentIndex(index if index >= 0 else self.count() - 1)

    def chosen(self) -> int | None:
        """The chosen staff member's id; None for several people."""
        value = self.currentData()
        return None if value in (None, SEVERAL) else int(value)


async def save_choice(person: PersonService, picker: PersonPicker) -> str:
    """Save the picker's answer; the sentence that says what changes are now recorded as."""
    chosen = await off_thread(person.choose, picker.chosen())
    if chosen is None:
        return picker.tr("Changes from this computer are recorded without a person.")
    return picker.tr("Changes from this computer are recorded as made by {name}.").format(name=chosen.name)


class PersonDialog(QDialog):
    """Asked once at start on a team database; *Ask me later* leaves it unanswered until next start."""

    def __init__(self, person: PersonService, directory: DirectoryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("BizCal — Who uses this computer?"))
        self._person, self._directory = person, directory
        self.setMinimumWidth(460)
        self.question = QLabel(self.tr("Who uses this computer?"))
        self.question.setStyleSheet("font-weight: bold;")
        self.explanation = QLabel(self.tr(_NOT_A_SIGN_IN) + " " + self.tr(_CHANGED_IN_SETTINGS))
        self.explanation.setWordWrap(True)
        self.picker = PersonPicker()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Ask me later"), QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        for widget in (self.question, self.picker, self.explanation, self.error, self.buttons):
            layout.addWidget(widget)
        self.buttons.accepted.connect(lambda: spawn(self.save(), on_error=self._show_error))
        self.buttons.rejected.connect(self.reject)
        self.load_task = spawn(self.picker.load(person, directory), on_error=self._show_error)

    async def save(self) -> None:
        await save_choice(self._person, self.picker)
        self.accept()

    def _show_error(self, exc: BaseException) -> None:
        self.error.setText(error_text(exc))


class PersonRow(QWidget):
    """Settings → Team database: "Used by" with its own Save (the answer is this computer's, not the form's)."""

    def __init__(self, person: PersonService, directory: DirectoryService, run: Runner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._person, self._directory, self._run = person, directory, run
        self.picker = PersonPicker()
        self.save_button = QPushButton(self.tr("Save"))
        self.result = QLabel(self.tr(_NOT_A_SIGN_IN))
        self.result.setWordWrap(True)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.picker, 1)
        line.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(line)
        layout.addWidget(self.result)
        self.save_button.clicked.connect(lambda: self._run(self.save()))

    async def refresh(self) -> None:
        await self.picker.load(self._person, self._directory)

    async def save(self) -> None:
        try:
            self.result.setText(await save_choice(self._person, self.picker))
        except Exception as exc:  # noqa: BLE001 - one sentence under the row
            self.result.setText(error_text(exc))
