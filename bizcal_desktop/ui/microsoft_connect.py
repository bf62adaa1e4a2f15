"""Connect Microsoft: sign-in in the browser (MSAL, loopback redirect), choose the calendars, test and save.

The dialog shows the sign-in address when no browser could be started, and Cancel stops waiting.
MSAL's own listener cannot be interrupted from outside; after a cancel it closes by itself when its
timeout ends, holding nothing but a loopback port until then.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.oauth_connect import OAuthConnectDialog


class MicrosoftConnectDialog(OAuthConnectDialog):
    def __init__(
        self, controller: DesktopController, staff_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(controller, staff_id, parent, begin=controller.services.connections.begin_microsoft)
        self.setWindowTitle(self.tr("Connect a Microsoft 365 calendar"))
        self.intro.setText(
            self.tr(
                "Your browser opens Microsoft's sign-in page. Sign in with the staff member's work or "
                "personal Microsoft account and accept the calendar permission, then come back here to "
                "choose the calendar bookings are written into (the default Outlook calendar unless you "
                "pick another) and which other calendars count as busy."
            )
        )
        self.start_button.setText(self.tr("Sign in with Microsoft"))

    def url_text(self, url: str) -> str:
        return self.tr('No browser could be started; open <a href="{url}">this sign-in page</a>.').format(url=url)
