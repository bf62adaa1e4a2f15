"""The first-run wizard: you, your services, your working hours, your calendar, and what happens next.

Save point: nothing is written while the person answers the first three pages. Leaving *Working
hours* forward writes the staff member, the services and the hours in one transaction
(:meth:`SetupService.save_basics`), because connecting a calendar needs a staff member to belong
to. So Cancel before that saves nothing; Cancel later keeps what was saved, and the tray offers
"Finish set-up…" until the *Done* page is reached (that marks the set-up finished). Going back and
changing an answer saves it again (updated, never duplicated).

Resuming: the wizard starts by reading :meth:`SetupService.status`. Saved answers are filled in and
the pages they answer are passed (Back still shows them), so after a cancel or a crash it opens at
the first question still open, or at *Connect your calendar*.

A failed save shows its sentence under the hours and keeps every answer on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget, QWizard

from bizcal_desktop.services.connections import ConnectionView
from bizcal_desktop.services.setup import ServiceDraft, SetupDraft, SetupStatus
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.setup_pages import HoursPage, MessagePage, ServicesPage, YouPage
from bizcal_desktop.ui.tasks import off_thread, spawn

YOU, SERVICES, HOURS, CONNECT, DONE = range(5)


def _key(draft: SetupDraft) -> tuple[object, ...]:
    """What makes two sets of answers the same (ids and row order do not)."""
    services = frozenset(
        (s.name.strip(), s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes)
        for s in draft.services
    )
    hours = tuple((k, tuple(v)) for k, v in sorted(draft.hours.items()) if v)
    return draft.name.strip(), draft.timezone, services, hours


class ConnectPage(MessagePage):
    """Connect a calendar for the staff member just saved, with the app's own dialogs; or later."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(
            self.tr("Connect your calendar"),
            self.tr("Bookings are written into this calendar, and its busy times (the dentist, a school "
                    "recital) are never offered to customers. You can also do this later."),
        )
        self._wizard = wizard
        self.caldav_button = QPushButton(self.tr("iCloud, Fastmail, Nextcloud or another CalDAV calendar…"))
        self.google_button = QPushButton(self.tr("Google Calendar…"))
        self.microsoft_button = QPushButton(self.tr("Microsoft 365 or Outlook.com…"))
        for button in (self.caldav_button, self.google_button, self.microsoft_button):
            self.layout_.addWidget(button)
        self.connected = QLabel()
        self.connected.setWordWrap(True)
        self.layout_.addWidget(self.connected)
        self.finish_layout()
        self.caldav_button.clicked.connect(self.open_caldav)
        self.google_button.clicked.connect(self.open_google)
        self.microsoft_button.clicked.connect(self.open_microsoft)
        self.connections: list[ConnectionView] = []
        self.dialog: QWidget | None = None

    def initializePage(self) -> None:
        self.refresh_task = spawn(self.refresh(), on_error=lambda exc: self.show_message(error_text(exc), True))

    async def refresh(self) -> None:
        staff_id = self._wizard.staff_id
        self.connections = await off_thread(self._wizard.services.connections.list, staff_id)
        names = ", ".join(f"“{c.calendar_name or c.display_name}” ({c.display_name})" for c in self.connections)
        self.connected.setText(self.tr("✓ Connected: {names}").format(names=names) if names else "")
        self.setButtonText(QWizard.WizardButton.NextButton,
                           self.tr("Next") if self.connections else self.tr("Later"))

    def _open(self, dialog: QWidget) -> QWidget:
        """Window-modal over the wizard (``open``, not ``exec``: the qasync loop keeps running)."""
        self.dialog = dialog
        dialog.accepted.connect(lambda: spawn(self.refresh()))  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        return dialog

    def open_caldav(self) -> QWidget:
        from bizcal_desktop.ui.caldav_wizard import CalDAVWizard

        return self._open(CalDAVWizard(self._wizard.controller, staff_id=self._wizard.staff_id, parent=self))

    def open_google(self) -> QWidget:
        from bizcal_desktop.ui.google_connect import GoogleConnectDialog

        return self._open(GoogleConnectDialog(self._wizard.controller, staff_id=self._wizard.staff_id, parent=self))

    def open_microsoft(self) -> QWidget:
        from bizcal_desktop.ui.microsoft_connect import MicrosoftConnectDialog

        return self._open(MicrosoftConnectDialog(self._wizard.controller, staff_id=self._wizard.staff_id,
                                                 parent=self))


class DonePage(MessagePage):
    """What happens next; reaching it marks the set-up finished."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(self.tr("You are set up"), self.tr("Here is what happens next."))
        self._wizard = wizard
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(self.text)
        self.finish_layout()

    def initializePage(self) -> None:
        self.finish_task = spawn(self.finish(), on_error=lambda exc: self.show_message(error_text(exc), True))

    async def finish(self) -> None:
        services = self._wizard.services
        await off_thread(services.setup.mark_finished)
        business = await off_thread(services.settings.get)
        self._wizard.controller.data_changed.emit()
        self.text.setText(self.summary(self._wizard.connect_page.connections, business.import_interval_minutes))

    def summary(self, connections: list[ConnectionView], minutes: int) -> str:
        if connections:
            calendar = connections[0].calendar_name or connections[0].display_name
            first = self.tr(
                "<p><b>Bookings appear in your calendar “{calendar}”</b> within seconds of being made; moving "
                "or cancelling a booking changes the event too. If the calendar cannot be reached, BizCal "
                "keeps trying and tells you only if it lasts.</p>"
                "<p><b>Busy times are imported</b> from it every {minutes} minutes: customers are offered "
                "only times that are free in your calendar and within your working hours.</p>"
            ).format(calendar=calendar, minutes=minutes)
        else:
            first = self.tr(
                "<p><b>No calendar is connected yet.</b> Bookings are kept in BizCal; connect a calendar "
                "any time in <i>Calendar Integrations…</i> and they are written into it.</p>"
            )
        return first + self.tr(
            "<p><b>BizCal lives in the tray</b>: the small calendar icon at the top right of the screen "
            "(macOS, most Linux desktops) or at the bottom right beside the clock (Windows; click ^ if "
            "it is hidden). Its menu opens Bookings, Availability, Calendar Integrations and Settings, "
            "and tells you when something needs you. Closing a window keeps BizCal running; Quit is in "
            "the same menu.</p>"
        )


class SetupWizard(QWizard):
    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = controller.services
        self.setWindowTitle(self.tr("Set up BizCal"))
        self.setWindowIcon(resources.icon("app"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setMinimumSize(640, 460)
        self.you_page, self.services_page, self.hours_page = YouPage(), ServicesPage(), HoursPage()
        self.connect_page, self.done_page = ConnectPage(self), DonePage(self)
        for page_id, page in enumerate((self.you_page, self.services_page, self.hours_page,
                                        self.connect_page, self.done_page)):
            self.setPage(page_id, page)
        self.staff_id: int | None = None
        self.saving = False
        self.save_task = None
        self._saved: tuple[object, ...] | None = None
        self.load_task = None

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Every time it is opened (not when un-minimised), start from what is saved."""
        super().showEvent(event)
        if not event.spontaneous() and not self.saving:
            self.load_task = spawn(self.load(), on_error=lambda exc: self.you_page.show_message(error_text(exc), True))

    async def load(self) -> SetupStatus:
        status = await off_thread(self.services.setup.status)
        self.restart()
        draft = status.draft()
        if status.services and draft is None:  # services made elsewhere (the CLI): shown, not made twice
            self.services_page.set_services([ServiceDraft(s.name, s.duration_minutes, s.buffer_before_minutes,
                                                          s.buffer_after_minutes, s.id) for s in status.services])
        if draft is not None:
            self.staff_id = draft.staff_id
            self.you_page.name.setText(draft.name)
            self.you_page.zone.set_zone(draft.timezone)
            self.hours_page.set_hours(draft.hours)
            if draft.services:
                self.services_page.set_services(list(draft.services))
            self._saved = _key(draft) if status.basics_saved else None
        self._resume(status)
        return status

    def _resume(self, status: SetupStatus) -> None:
        """Pass the pages already answered (their validation runs as if Next was clicked)."""
        if status.staff is None:
            return
        self.next()
        if status.basics_saved:
            self.next()
            self.next()
            self.connect_page.show_message(self.tr("Welcome back: your answers from last time are kept "
                                                   "(Back shows them)."))

    def draft(self) -> SetupDraft:
        return SetupDraft(
            name=self.you_page.name.text().strip(),
            timezone=self.you_page.zone.zone(),
            services=self.services_page.drafts(),
            hours=self.hours_page.hours(),
            staff_id=self.staff_id,
        )

    # ----- the save point ------------------------------------------------------------------------
    def save_basics(self) -> bool:
        """Called by the hours page: True when the answers on screen are saved, else start saving."""
        draft = self.draft()
        if self._saved == _key(draft):
            return True
        if not self.saving:
            self.saving = True
            self._enable_buttons(False)
            self.hours_page.show_message(self.tr("Saving…"))
            self.save_task = spawn(self._save(draft), on_error=self._save_failed)
        return False

    async def _save(self, draft: SetupDraft) -> None:
        status = await off_thread(self.services.setup.save_basics, draft)
        self.staff_id = status.staff.id if status.staff else None
        if self.staff_id is not None and await off_thread(self.services.person.needs_asking):
            # On a new team database the wizard just asked "You": that answers "Who uses this computer?"
            # too, so the first computer is not asked again at its next start (Settings changes it).
            await off_thread(self.services.person.choose, self.staff_id)
        self.saving = False
        self._enable_buttons(True)
        self.services_page.mark_saved(status.services)
        self._saved = _key(draft)
        self.hours_page.show_message("")
        self.controller.data_changed.emit()
        if self.isVisible() and self.currentId() == HOURS:
            self.next()

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._enable_buttons(True)
        self.hours_page.show_message(error_text(exc), error=True)

    def _enable_buttons(self, on: bool) -> None:
        for button in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton):
            self.button(button).setEnabled(on)
