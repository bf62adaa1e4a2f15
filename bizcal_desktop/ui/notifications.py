"""Tray pop-ups: shows the alerts the attention rules decided on, one message at a time.

Deciding lives in :mod:`bizcal_desktop.services.attention` (Qt-free, unit-tested with a fake clock):
when a problem is worth telling, that one ongoing problem is told once, and an updated summary or
"all good again" replaces the last message. This class only shows each alert with
``QSystemTrayIcon.showMessage``, which replaces the bubble on screen on most desktops, and
remembers it so a click on the bubble can open the window that fixes it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from bizcal_desktop.services.attention import Alert, AlertKind

log = logging.getLogger(__name__)

#: How long a warning stays up (the desktop may keep it longer); "all good" is brief.
WARNING_MS = 15000
ALL_GOOD_MS = 5000


class Notifier(QObject):
    """Shows each :class:`Alert` as the tray's one message."""

    #: Emitted with each alert shown (tests listen).
    notice_shown = Signal(object)
    #: Emitted with the last alert when the user clicks the pop-up.
    notice_clicked = Signal(object)

    def __init__(self, tray: QSystemTrayIcon | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray
        self.last_notice: Alert | None = None
        if tray is not None:
            tray.messageClicked.connect(self._clicked)

    def show(self, alert: Alert) -> None:
        self.last_notice = alert
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            if alert.kind is AlertKind.ALL_GOOD:
                self._tray.showMessage(alert.title, alert.body, QSystemTrayIcon.MessageIcon.Information, ALL_GOOD_MS)
            else:
                self._tray.showMessage(alert.title, alert.body, QSystemTrayIcon.MessageIcon.Warning, WARNING_MS)
        else:
            log.info("this desktop shows no tray messages; the tray's status line says it: %s", alert.title)
        self.notice_shown.emit(alert)

    def _clicked(self) -> None:
        if self.last_notice is not None:
            self.notice_clicked.emit(self.last_notice)
