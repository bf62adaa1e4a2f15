"""The Services tab of Staff & Services: what customers book, how long it takes, and whether it is
offered now.

Two ways to stop booking a service, because they mean different things to a practitioner: *not
offered* is a switch for a while (the winter treatment in summer) and keeps it in the list;
*archive* is for good and takes it out of the list. Either way its bookings are kept, and archiving
says how many are still to come before it happens. The list, its buttons and the asking are the
Staff tab's too (:mod:`.directory_tab`); this module says what is particular to services.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from bizcal_desktop.services.directory import ArchiveImpact, ServiceView
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.directory_dialogs import ServiceDialog
from bizcal_desktop.ui.directory_tab import DirectoryTab
from bizcal_desktop.ui.models.directory import services_model
from bizcal_desktop.ui.tasks import off_thread


class ServicesTab(DirectoryTab):
    def __init__(self, window: BaseWindow) -> None:
        super().__init__(window, services_model)
        layout = QVBoxLayout(self)
        layout.addLayout(self.list_column(), 1)
        self._selection_changed()

    async def refresh(self) -> None:
        rows = await off_thread(self.services.directory.list_services, self.show_archived.isChecked())
        self.show_rows(rows)

    # ----- what differs from the Staff tab -------------------------------------------------------
    def make_dialog(self, row: ServiceView | None) -> ServiceDialog:
        return ServiceDialog(self.window_.controller, row, parent=self)

    def saved(self, dialog: ServiceDialog) -> None:
        if dialog.result_service is not None:
            self.window_.show_message(self.tr("Saved the service {name}.").format(name=dialog.result_service.name))

    def archive_impact(self, row_id: int) -> ArchiveImpact:
        return self.services.directory.service_archive_impact(row_id)

    def archive_row(self, row_id: int) -> ServiceView:
        return self.services.directory.archive_service(row_id)

    def restore_row(self, row_id: int) -> ServiceView:
        return self.services.directory.restore_service(row_id)

    def restored_message(self, row: ServiceView) -> str:
        if row.offered:
            return self.tr("{name} can be booked again.").format(name=row.name)
        return self.tr("{name} is back in the list (not offered).").format(name=row.name)

    def archive_question(self, impact: ArchiveImpact) -> str:
        name, n = impact.name, impact.future_bookings
        if not n:
            return self.tr(
                "Archive {name}? It can no longer be booked and leaves the list; past bookings keep it. "
                "You can restore it later (Show archived)."
            ).format(name=name)
        bookings = self.tr("1 future booking") if n == 1 else self.tr("{n} future bookings").format(n=n)
        return self.tr(
            "{name} has {bookings}. Archiving keeps them (they can still be moved or cancelled); {name} can no "
            "longer be booked. To stop it only for a while, edit it and untick Offered instead. Archive {name}?"
        ).format(name=name, bookings=bookings)
