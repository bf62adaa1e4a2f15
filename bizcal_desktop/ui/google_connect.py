"""Connect Google: consent in the browser (loopback redirect), choose the calendars, then test and save.

The dialog shows the consent address too, for the times the browser does not open by itself,
and Cancel stops waiting (the loopback listener is closed by the cancelled task).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.oauth_connect import OAuthConnectDialog


class GoogleConnectDialog(OAuthConnectDialog):
    def __init__(
        self, controller: DesktopController, staff_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(controller, staff_id, parent, begin=controller.services.connections.begin_google)
        self.setWindowTitle(self.tr("Connect a Google calendar"))
        self.intro.setText(
            self.tr(
                "Your browser opens Google's sign-in page. Allow BizCal to manage the calendar, then come "
                "back here to choose the calendar bookings are written into (the primary one unless you "
                "pick another) and which other calendars count as busy."
            )
        )
        self.start_button.setText(self.tr("Sign in with Google"))
