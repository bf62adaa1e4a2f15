"""SIGTERM ends the app the way *Quit* does: windows closed, a drain in progress given its grace
time, the database closed, exit status 0.

Why a socket and a notifier: while Qt's event loop waits in C++, Python runs no signal handler, so a
plain ``signal.signal`` handler would wait for the next Python event — perhaps minutes on an idle
tray. ``signal.set_wakeup_fd`` makes the C-level handler write the signal's number into a socket,
and a ``QSocketNotifier`` on the other end wakes the loop at once. SIGTERM is what a desktop
session's end, ``systemctl --user stop``, ``kill`` and an uninstaller send; SIGINT (Ctrl+C in a
terminal) keeps ending the app at once, as before. Windows has no SIGTERM from outside: there the
watcher is not installed.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys

from PySide6.QtCore import QObject, QSocketNotifier, Signal

log = logging.getLogger(__name__)


class TerminationWatcher(QObject):
    """Emits ``requested`` with the signal's name when the process is asked to terminate."""

    requested = Signal(str)

    def __init__(
        self, signals: tuple[signal.Signals, ...] = (signal.SIGTERM,), parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._signals = signals
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous_handlers = {sig: signal.signal(sig, _noop) for sig in signals}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read)

    def _read(self) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        for number in data:
            if number in {int(sig) for sig in self._signals}:
                name = signal.Signals(number).name
                log.info("%s received: quitting", name)
                self.requested.emit(name)

    def close(self) -> None:
        """Give the signals and the wakeup socket back as they were."""
        self._notifier.setEnabled(False)
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


def _noop(_signum: int, _frame: object) -> None:
    """The Python-level handler only has to exist; the wakeup socket does the work."""


def install_termination_watcher(parent: QObject | None = None) -> TerminationWatcher | None:
    """A watcher for SIGTERM, or None where the platform has none to catch (Windows)."""
    if sys.platform.startswith("win"):
        return None
    return TerminationWatcher(parent=parent)
