"""Asking before a disconnect: the secret goes; "Also remove BizCal's events from this calendar" is a choice.

What the box says about the secret follows the choice, since the two differ: without removal the
password or token is deleted at once; with it, it is kept until the events are removed (or *Forget
now*), which someone who disconnects because a laptop was lost must read before they press Disconnect.

Why a box of its own and not :func:`~bizcal_desktop.ui.confirm.confirm`: ticking the removal counts
the events first (one listing of the calendar, awaited without blocking the window) and says how
many will go ("12 future events will be removed from Work."), and Disconnect waits for that answer.
Like ``confirm`` it is opened with ``open()`` and answers through a callback, never a nested loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from bizcal_desktop.services.connections import ConnectionView, RemovalPreview
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.tasks import spawn

KEEP_TEXT = ("Its password or token is deleted from the keychain at once. Events BizCal already wrote stay "
             "in the calendar.")
#: Said after the count when the events are to be removed: the secret is kept for that.
KEPT_FOR_REMOVAL = ("Past events and other apps' events stay. Its password or token stays in the keychain until "
                    "the events are removed (Forget now in Calendar Integrations ends that at once).")


def _tr(text: str) -> str:
    return QCoreApplication.translate("DisconnectBox", text)


class DisconnectBox(QMessageBox):
    """The question, the removal check box with its count, and Disconnect / Cancel."""

    def __init__(
        self, parent: QWidget, connection: ConnectionView, count: Callable[[], Awaitable[RemovalPreview]],
        on_yes: Callable[[bool], None],
    ) -> None:
        super().__init__(QMessageBox.Icon.Question, _tr("Disconnect calendar"), _tr(
            "Disconnect {name} from {staff}?"
        ).format(name=connection.display_name, staff=connection.staff_name), QMessageBox.StandardButton.NoButton,
            parent)
        self._count, self._on_yes = count, on_yes
        self.yes = self.addButton(_tr("Disconnect"), QMessageBox.ButtonRole.AcceptRole)
        self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.remove = QCheckBox(_tr("Also remove BizCal's events from this calendar"))
        self.setCheckBox(self.remove)
        self.setInformativeText(_tr(KEEP_TEXT))
        self.counting = None  #: the count under way (tests await it)
        self.remove.toggled.connect(self._toggled)
        self.finished.connect(self._done)
        # At least 440 px of text: a message box is as wide as its first line, and under a short calendar
        # name the count's sentences wrapped to five short lines (QMessageBox ignores setMinimumWidth).
        self.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 440px; }")

    def _toggled(self, checked: bool) -> None:
        if not checked:
            self.setInformativeText(_tr(KEEP_TEXT))
            self.yes.setEnabled(True)
            return
        self.yes.setEnabled(False)
        self.setInformativeText(_tr("Counting BizCal's future events in this calendar…"))
        self.counting = spawn(self._show_count(), on_error=self._count_failed)

    async def _show_count(self) -> None:
        preview = await self._count()
        if self.remove.isChecked():
            self.setInformativeText(preview.message + " " + _tr(KEPT_FOR_REMOVAL))
            self.yes.setEnabled(True)

    def _count_failed(self, exc: BaseException) -> None:
        self.remove.setChecked(False)
        self.setInformativeText(_tr("BizCal's events cannot be counted now ({reason}), so they stay in the "
                                    "calendar if you disconnect. Its password or token is deleted from the "
                                    "keychain at once.").format(reason=error_text(exc)))

    def _done(self, _result: int) -> None:
        if self.clickedButton() is self.yes:
            self._on_yes(self.remove.isChecked())
        self.hide()
