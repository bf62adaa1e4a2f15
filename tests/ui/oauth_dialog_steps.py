"""The two steps every Google and Microsoft connect-dialog test takes: sign in, then save.

Both dialogs share one base (``ui/oauth_connect.py``) and so one rhythm — nothing to save before the
account is known; a click waits for the calendars or for an error in red — so the tests drive them
with one pair of steps instead of a copy per provider.
"""

from __future__ import annotations

from bizcal_desktop.ui.oauth_connect import OAuthConnectDialog

#: The style the dialogs give their message line when something went wrong.
ERROR_STYLE = "color: #c62828"


def sign_in(qtbot, dialog: OAuthConnectDialog) -> None:  # type: ignore[no-untyped-def]
    """Press *Sign in with …* and wait until the calendars are offered (or an error shows)."""
    assert not dialog.save_button.isEnabled()  # nothing to save before the account is known
    dialog.start_button.click()
    qtbot.waitUntil(
        lambda: dialog.save_button.isEnabled() or ERROR_STYLE in dialog.message.styleSheet(), timeout=30000
    )
    assert dialog.pending is not None, dialog.message.text()


def save(qtbot, dialog: OAuthConnectDialog) -> None:  # type: ignore[no-untyped-def]
    """Press Save and wait until the connection is saved (or an error shows)."""
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved is not None or ERROR_STYLE in dialog.message.styleSheet(), timeout=30000)
    assert dialog.saved is not None, dialog.message.text()
