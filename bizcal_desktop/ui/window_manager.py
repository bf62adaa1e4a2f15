"""Creates each window on first use and brings it to the front on later requests.

Windows are kept (hidden, not destroyed) when closed, so reopening is instant and keeps the
filters the user set; the app does not quit when the last window closes (it lives in the tray).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from bizcal_desktop.ui.controller import DesktopController


class WindowManager(QObject):
    def __init__(self, controller: DesktopController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.windows: dict[str, QWidget] = {}

    def _factory(self, name: str) -> Callable[[], QWidget]:
        c = self._controller
        if name == "bookings":
            from bizcal_desktop.ui.bookings_window import BookingsWindow

            return lambda: BookingsWindow(c)
        if name == "integrations":
            from bizcal_desktop.ui.integrations_window import IntegrationsWindow

            return lambda: IntegrationsWindow(c)
        if name == "sync_log":
            from bizcal_desktop.ui.sync_log_window import SyncLogWindow

            return lambda: SyncLogWindow(c)
        if name == "audit":
            from bizcal_desktop.ui.audit_window import AuditWindow

            return lambda: AuditWindow(c)
        if name == "resync":
            from bizcal_desktop.ui.resync_dialog import ResyncDialog

            return lambda: ResyncDialog(c)
        if name == "availability":
            from bizcal_desktop.ui.availability_window import AvailabilityWindow

            return lambda: AvailabilityWindow(c)
        if name == "staff_services":
            from bizcal_desktop.ui.staff_services_window import StaffServicesWindow

            return lambda: StaffServicesWindow(c)
        if name == "settings":
            from bizcal_desktop.ui.settings_window import SettingsWindow

            return lambda: SettingsWindow(c)
        if name == "about":
            from bizcal_desktop.ui.about_window import AboutWindow

            return lambda: AboutWindow(c)
        if name == "setup":
            from bizcal_desktop.ui.setup_wizard import SetupWizard

            return lambda: SetupWizard(c)
        raise KeyError(name)

    def open(self, name: str) -> QWidget:
        """Show window ``name`` (creating it the first time) and bring it to the front."""
        window = self.windows.get(name)
        if window is None:
            window = self._factory(name)()
            self.windows[name] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_sync_log_failures(self) -> QWidget:
        """The notification click: the Sync Log filtered to failures."""
        window = self.open("sync_log")
        window.show_failures()  # type: ignore[attr-defined]
        return window

    def show_main(self) -> QWidget:
        """What a second launch (or a tray click) brings forward."""
        return self.open("bookings")

    def close_all(self) -> None:
        for window in self.windows.values():
            window.close()
