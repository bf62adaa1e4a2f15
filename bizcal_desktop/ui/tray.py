"""The tray icon: state at a glance (idle / syncing / attention), a status line, and the app's menu.

Attention wins over idle and stays until resolved, because the worst thing a sync tool can do is
say "ok" while it is broken; but a short outage is not attention (see
:mod:`bizcal_desktop.services.attention`: a problem must last, or need the user). The status line —
the tooltip, and the first lines of the menu — says what is wrong and what to do; a line that
needs the user opens the window where it is fixed. Offline is a state of its own, said first:
"Offline — 3 changes waiting" (nothing is failing: the changes wait and go out once the network is
back). On a team's shared database, changes whose calendar another computer holds are said apart,
calmly: "3 changes wait for Sarah's laptop" (they are written from there).
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from bizcal_desktop.services.attention import StatusLine
from bizcal_desktop.services.status import StatusSummary
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.formatting import local_time_text
from bizcal_desktop.ui.tasks import spawn


class TrayState(StrEnum):
    IDLE = "idle"
    SYNCING = "syncing"
    ATTENTION = "attention"
    OFFLINE = "offline"


class Tray(QObject):
    """Builds the menu; every action calls the controller or asks for a window."""

    #: A window was asked for: "resync", "bookings", "availability", "integrations", "sync_log",
    #: "settings", "setup". The window manager listens.
    open_requested = Signal(str)
    quit_requested = Signal()

    def __init__(self, controller: DesktopController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.state = TrayState.IDLE
        self._setup_needed = False
        self.actions: dict[str, QAction] = {}
        #: The status line's entries at the top of the menu (rebuilt on every update).
        self.status_actions: list[QAction] = []
        self._status_end = self.menu.addSeparator()
        self._build_menu()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        controller.status_changed.connect(self._update)
        controller.syncing_changed.connect(self._syncing_changed)
        controller.paused_changed.connect(self._paused_changed)
        controller.network_changed.connect(lambda _state: self._update(self._controller.status))
        self._update(None)

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    # ----- menu --------------------------------------------------------------------------------
    def _add(self, key: str, text: str, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        self.actions[key] = action
        return action

    def _build_menu(self) -> None:
        c = self._controller
        setup = self._add("setup", self.tr("Finish set-up…"), lambda: self.open_requested.emit("setup"))
        setup.setVisible(False)
        self._add("sync_now", self.tr("Sync now"), lambda: spawn(c.sync_now()))
        self._add("resync", self.tr("Resync…"), lambda: self.open_requested.emit("resync"))
        self._add("import_now", self.tr("Import availability now"), lambda: spawn(c.import_now()))
        self.menu.addSeparator()
        self._add("bookings", self.tr("Bookings…"), lambda: self.open_requested.emit("bookings"))
        self._add("availability", self.tr("Availability…"), lambda: self.open_requested.emit("availability"))
        self._add(
            "integrations",
            self.tr("Calendar Integrations…"),
            lambda: self.open_requested.emit("integrations"),
        )
        self._add("sync_log", self.tr("Sync Log…"), lambda: self.open_requested.emit("sync_log"))
        self._add("audit", self.tr("Audit…"), lambda: self.open_requested.emit("audit"))
        self._add(
            "staff_services", self.tr("Staff && Services…"), lambda: self.open_requested.emit("staff_services")
        )
        self.menu.addSeparator()
        pause = self._add("pause", self.tr("Pause syncing"), lambda checked: c.set_paused(bool(checked)))
        pause.setCheckable(True)
        pause.setChecked(c.paused)
        self._add("settings", self.tr("Settings…"), lambda: self.open_requested.emit("settings"))
        self.menu.addSeparator()
        self._add("about", self.tr("About BizCal Desktop…"), lambda: self.open_requested.emit("about"))
        self._add("quit", self.tr("Quit"), self.quit_requested.emit)

    def show_setup_needed(self, needed: bool) -> None:
        """Offer the set-up wizard until it was finished (or the folder is set up otherwise)."""
        self.actions["setup"].setVisible(needed)
        self._setup_needed = needed
        self._update(self._controller.status)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit("bookings")

    def _syncing_changed(self, _busy: bool) -> None:
        self._update(self._controller.status)

    def _paused_changed(self, paused: bool) -> None:
        self.actions["pause"].setChecked(paused)
        self._update(self._controller.status)

    # ----- state ---------------------------------------------------------------------------------
    def _update(self, summary: StatusSummary | None) -> None:
        attention = self._controller.attention
        if self._controller.syncing:
            state = TrayState.SYNCING
        elif attention.attention:
            state = TrayState.ATTENTION
        elif self._controller.offline:
            state = TrayState.OFFLINE
        else:
            state = TrayState.IDLE
        if state != self.state or self.icon.icon().isNull():
            self.state = state
            self.icon.setIcon(resources.icon(f"tray-{state}"))
        status = self.status_lines(summary)
        self._show_status(status)
        self.icon.setToolTip(self.tooltip(summary, status))

    def status_lines(self, summary: StatusSummary | None) -> list[StatusLine]:
        """What is wrong and what to do; when nothing is, one calm line of what is going on."""
        lines = self._controller.attention.status_lines()
        if self._setup_needed:
            lines.insert(0, StatusLine(self.tr("Set-up not finished: finish it from this menu"), "setup"))
        if self._controller.offline:
            lines.insert(0, StatusLine(self._offline_line(summary), ""))
        if lines:
            if self._controller.paused:
                lines.append(StatusLine(self.tr("Syncing is paused"), ""))
            return lines + self._paused_lines(summary) + self._elsewhere_lines(summary)
        return [StatusLine(self._calm_line(summary), ""), *self._paused_lines(summary),
                *self._elsewhere_lines(summary)]

    def _offline_line(self, summary: StatusSummary | None) -> str:
        waiting = summary.pending_jobs if summary is not None else 0
        if waiting == 1:
            return self.tr("Offline — 1 change waiting")
        if waiting:
            return self.tr("Offline — {n} changes waiting").format(n=waiting)
        return self.tr("Offline — nothing waiting to sync")

    def _calm_line(self, summary: StatusSummary | None) -> str:
        if self._controller.paused:
            return self.tr("Syncing is paused")
        if self._controller.syncing:
            waiting = summary.pending_jobs if summary is not None else 0
            if waiting > 1:
                return self.tr("Syncing {n} changes…").format(n=waiting)
            return self.tr("Syncing…")
        if summary is None:
            return self.tr("Starting…")
        if summary.connections == 0:
            return self.tr("No calendar connected yet")
        if summary.failed_mappings == 1:
            return self.tr("A booking is not written yet; you will be told if it lasts")
        if summary.failed_mappings:
            return self.tr("{n} bookings not written yet; you will be told if it lasts").format(
                n=summary.failed_mappings
            )
        if summary.pending_jobs:
            return self.tr("{n} changes waiting to sync").format(n=summary.pending_jobs)
        up_to_date = (self.tr("This computer's calendars are up to date") if summary.waiting_elsewhere
                      else self.tr("All calendars up to date"))  # the rest is another computer's to write
        if summary.last_success_at is not None:
            return self.tr("{state} · last sync {when}").format(
                state=up_to_date, when=local_time_text(summary.last_success_at))
        return up_to_date

    def _show_status(self, lines: list[StatusLine]) -> None:
        for action in self.status_actions:
            self.menu.removeAction(action)
            action.deleteLater()
        self.status_actions = []
        for line in lines:
            action = QAction(line.text, self.menu)
            if line.opens:
                action.setIcon(resources.icon("status-failed"))
                action.triggered.connect(lambda _checked=False, name=line.opens: self.open_requested.emit(name))
            else:
                action.setEnabled(False)
            self.menu.insertAction(self._status_end, action)
            self.status_actions.append(action)

    def tooltip(self, summary: StatusSummary | None, status: list[StatusLine] | None = None) -> str:
        lines = [self.tr("BizCal Desktop")]
        lines += [line.text for line in (status if status is not None else self.status_lines(summary))]
        if summary is None:
            return "\n".join(lines)
        if summary.last_success_at is not None:
            lines.append(self.tr("Last sync: {when}").format(when=local_time_text(summary.last_success_at)))
        else:
            lines.append(self.tr("Not synced yet"))
        lines.append(
            self.tr("{synced} synced · {pending} waiting · {failed} failed").format(
                synced=summary.synced_mappings, pending=summary.pending_jobs, failed=summary.failed_mappings
            )
        )
        return "\n".join(lines)

    def _paused_lines(self, summary: StatusSummary | None) -> list[StatusLine]:
        """One calm line per connection the user paused: its bookings wait, by choice."""
        names = summary.paused if summary is not None else ()
        return [StatusLine(self.tr("{name}: Paused (bookings wait; resume in Calendar Integrations)")
                           .format(name=name), "") for name in names]

    def _elsewhere_lines(self, summary: StatusSummary | None) -> list[StatusLine]:
        """One calm line per other computer that holds calendars changes wait for."""
        waiting = summary.waiting_elsewhere if summary is not None else ()
        return [StatusLine((self.tr("1 change waits for {device}") if w.changes == 1 else
                            self.tr("{n} changes wait for {device}")).format(n=w.changes, device=w.name), "")
                for w in waiting]
