"""Tray pop-ups for problems, coalesced into one message per burst.

The counting lives in :mod:`bizcal_desktop.ui.coalescer` (Qt-free, unit-tested); this class only
decides *when* a burst is over: at the end of a drain, or after a short quiet window when problems
arrive outside a drain. While a drain runs, the window is extended so a long failing drain still
yields one message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from bizcal_desktop.ui.coalescer import Notice, NotificationCoalescer, ProblemKind


class Notifier(QObject):
    """Collects problems and shows one ``QSystemTrayIcon.showMessage`` per burst."""

    #: Emitted with each notice shown (tests and the log window listen).
    notice_shown = Signal(object)
    #: Emitted with the last notice when the user clicks the pop-up.
    notice_clicked = Signal(object)

    def __init__(
        self,
        tray: QSystemTrayIcon | None,
        busy: Callable[[], bool],
        quiet_ms: int = 2000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._busy = busy
        self._coalescer = NotificationCoalescer(self.tr)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(quiet_ms)
        self._timer.timeout.connect(self._on_quiet)
        self.last_notice: Notice | None = None
        if tray is not None:
            tray.messageClicked.connect(self._clicked)

    def add(self, kind: ProblemKind, key: str, detail: str) -> None:
        self._coalescer.add(kind, key, detail)
        if not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> int:
        return self._coalescer.pending

    def flush(self) -> Notice | None:
        """Show everything collected as one message now (called when a drain ends)."""
        self._timer.stop()
        notice = self._coalescer.flush()
        if notice is None:
            return None
        self.last_notice = notice
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            icon = (
                QSystemTrayIcon.MessageIcon.Warning
                if ProblemKind.SYNC_FAILED in notice.kinds or ProblemKind.CONNECTION_DOWN in notice.kinds
                else QSystemTrayIcon.MessageIcon.Information
            )
            self._tray.showMessage(notice.title, notice.body, icon, 15000)
        self.notice_shown.emit(notice)
        return notice

    def _on_quiet(self) -> None:
        if self._busy():
            self._timer.start()  # a drain is still running: its end flushes
            return
        self.flush()

    def _clicked(self) -> None:
        if self.last_notice is not None:
            self.notice_clicked.emit(self.last_notice)
