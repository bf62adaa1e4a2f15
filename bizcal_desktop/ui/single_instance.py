"""One BizCal per user and data folder: a second launch asks the first to show itself, then exits.

Why a local socket: it works the same on Windows (named pipe), macOS and Linux (Unix socket), it
disappears with the process, and a stale one left by a crash is detected (nobody answers) and
replaced. The name is derived from the data folder, so two data folders (a test profile) may run
side by side.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

SHOW_COMMAND = b"show\n"
_CONNECT_TIMEOUT_MS = 500


def server_name(data_dir: Path) -> str:
    """A short, stable, per-user socket name for a data folder (long paths break Unix sockets)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(f"{user}\0{Path(data_dir).expanduser().resolve()}".encode()).hexdigest()
    return f"bizcal-desktop-{digest[:16]}"


def notify_running_instance(name: str) -> bool:
    """Tell a running instance to show its window; False if none answers."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(_CONNECT_TIMEOUT_MS):
        return False
    socket.write(SHOW_COMMAND)
    socket.flush()
    socket.waitForBytesWritten(_CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class SingleInstanceServer(QObject):
    """Listens for later launches; emits ``activation_requested`` when one asks to be shown."""

    activation_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._sockets: set[QLocalSocket] = set()

    def listen(self) -> bool:
        """Start listening; removes a stale socket a crashed instance left behind."""
        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        ok = self._server.listen(self.name)
        if not ok:
            log.warning("single-instance server could not listen: %s", self._server.errorString())
        return ok

    def close(self) -> None:
        for socket in list(self._sockets):
            socket.abort()
        self._sockets.clear()
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._sockets.add(socket)
            socket.readyRead.connect(self._ready_read)
            socket.disconnected.connect(self._disconnected)
            if socket.bytesAvailable():
                self._read(socket)

    def _ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)
            self._sockets.discard(socket)
            socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        data = bytes(socket.readAll().data())
        if SHOW_COMMAND.strip() in data:
            self.activation_requested.emit()


def claim_single_instance(data_dir: Path) -> SingleInstanceServer | None:
    """The listening server if we are the first instance; None after waking up the running one."""
    name = server_name(data_dir)
    if notify_running_instance(name):
        return None
    server = SingleInstanceServer(name)
    server.listen()
    return server
