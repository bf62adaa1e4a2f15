"""One calendar's own privacy level: a small dialog Calendar Integrations opens for a connection.

Why a dialog and not a combo in the window: changing the level rewrites every future event in that
calendar, so it is a deliberate step with OK, and the dialog says so before the person confirms.
Like :mod:`.confirm`, it is opened with ``open()`` and answers through a callback, never a nested
event loop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.ui.privacy_choice import privacy_combo, select


class ConnectionPrivacyDialog(QDialog):
    """Choose what one calendar's events show; ``on_choose`` gets a level or ``"default"``."""

    def __init__(
        self, parent: QWidget, connection: ConnectionView, business_level: str, on_choose: Callable[[str], None]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Event privacy — {name}").format(name=connection.display_name))
        self._on_choose = on_choose
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("What the events of bookings in {name} ({staff}) show:").format(
            name=connection.display_name, staff=connection.staff_name))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.choice = privacy_combo(business_level)
        select(self.choice, connection.event_privacy)
        layout.addWidget(self.choice)
        note = QLabel(self.tr("Future events in this calendar are rewritten in the background; past ones "
                              "keep what they say. Customers are never invited or added as attendees."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.accepted.connect(lambda: self._on_choose(str(self.choice.currentData())))
