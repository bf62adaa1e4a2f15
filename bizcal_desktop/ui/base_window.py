"""What every window shares: a title and icon, a status line for errors, and async refresh.

Why a status line rather than message boxes for errors: a failed refresh or a refused action is
reported where the person is looking, in one human sentence, without a modal box that blocks the
rest of the app (confirmations that need an answer still use a box).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bizcal_desktop.errors import BizCalError
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import spawn

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """Our errors carry a sentence that says what to do; anything else is a bug, said plainly.

    A bug's sentence names no exception (a practitioner cannot act on "KeyError"); the traceback
    goes to the log file, where whoever helps them will look.
    """
    if isinstance(exc, BizCalError):
        return str(exc)
    log_unexpected(log, "unexpected failure", exc)
    return (
        "Something went wrong that BizCal did not expect; nothing you typed was lost. Try again, and "
        "if it happens again, the log file in BizCal's data folder has the details for support."
    )


class BaseWindow(QWidget):
    """A top-level window bound to the controller, with ``refresh()`` run off the Qt thread."""

    def __init__(
        self, controller: DesktopController, title: str, icon_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.setWindowTitle(title)
        self.setWindowIcon(resources.icon(icon_name))
        self.layout_ = QVBoxLayout(self)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setVisible(False)
        #: The task that ends once the window shows the data as it is now (tests wait for it).
        self.last_refresh = None
        self._refresh_task = None
        self._refresh_again = False

    def finish_layout(self) -> None:
        """Put the status line at the bottom (call after adding the window's own widgets)."""
        self.layout_.addWidget(self.status_label)

    def show_error(self, exc: BaseException) -> None:
        self.show_message(error_text(exc), error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c62828;" if error else "")
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def show_empty_hint(self, empty: bool, text: str) -> None:
        """Say why a list is empty; clear only that hint (not a message about an action)."""
        if empty:
            self.show_message(text)
        elif self.status_label.text() == text:
            self.show_message("")

    def run(self, coro):  # type: ignore[no-untyped-def]
        """Start an action's coroutine; its error lands on the status line."""
        return spawn(coro, on_error=self.show_error)

    def request_refresh(self):  # type: ignore[no-untyped-def]
        """Show the data as it is now; the returned task ends when it is shown.

        One refresh runs at a time, and requests made while it runs fold into one more, which reads
        the filters as they are by then. Refreshes that overlapped could finish in any order: the rows
        of an older filter landed after a newer one's (a search typed letter by letter), rows were
        replaced under a selection the user had just made, and ``refreshing`` turned False while
        another refresh was still on its way.
        """
        self._refresh_again = True
        if self._refresh_task is None or self._refresh_task.done():
            self._refresh_task = self.run(self._refresh_until_current())
        self.last_refresh = self._refresh_task
        return self._refresh_task

    @property
    def refreshing(self) -> bool:
        """A refresh is running (or one more is queued behind it)."""
        return self._refresh_task is not None and not self._refresh_task.done()

    async def _refresh_until_current(self) -> None:
        while self._refresh_again:
            self._refresh_again = False
            await self.refresh()

    async def refresh(self) -> None:  # overridden by each window
        return None

    def _data_changed(self) -> None:
        """Connected to the controller's ``data_changed`` (a bound method, so Qt drops the
        connection when the window is destroyed; a lambda would outlive it)."""
        if self.isVisible():
            self.request_refresh()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.request_refresh()
