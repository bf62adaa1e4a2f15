"""Staff & Services: everything ``bizcal staff`` and ``bizcal service`` set up, without a terminal.

Two tabs, because a practitioner thinks of them apart — who works (names, time zones, their own
working hours, archiving) and what is sold (durations, buffers, offered or not). Each tab asks the
directory service and shows the answer; the rules (unique names, what archiving keeps) live there,
so this window and the CLI can never disagree. The business's default hours stay in Settings.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.services_tab import ServicesTab
from bizcal_desktop.ui.staff_tab import StaffTab


class StaffServicesWindow(BaseWindow):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("BizCal — Staff & Services"), "staff", parent)
        self.resize(980, 520)
        self.tabs = QTabWidget()
        self.staff_tab = StaffTab(self)
        self.services_tab = ServicesTab(self)
        self.tabs.addTab(self.staff_tab, self.tr("Staff"))
        self.tabs.addTab(self.services_tab, self.tr("Services"))
        self.layout_.addWidget(self.tabs, 1)
        self.finish_layout()
        controller.data_changed.connect(self._data_changed)

    async def refresh(self) -> None:
        await self.staff_tab.refresh()
        await self.services_tab.refresh()
        self.show_empty_hint(
            not self.staff_tab.model.rows(), self.tr("No staff members yet: Add… the people bookings are made with.")
        )
