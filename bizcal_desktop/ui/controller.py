"""The desktop app's one coordinator: services + scheduler + status, as signals the UI listens to.

Why one object: the tray, every window and the notifications need the same few verbs (sync now,
retry, resync, pause) and the same facts (syncing? anything wrong?). Keeping them here means a
window never starts a drain of its own behind the scheduler's back, and the tray's state is
computed in one place. Everything blocking runs in worker threads; this object lives on the Qt
thread and only awaits.

What sync reports goes to one :class:`AttentionTracker` (Qt-free: the calm-alert rules), which is
asked what to tell after each run's status is read and once a minute (problems age without news);
never in the middle of a drain, so a burst of failures is judged once, as a whole.

The network status (a monitor picked by the app, :mod:`.network_monitor`) and the machine's sleep
reach the timers through one Qt-free :class:`ConnectivityWatch`; this object only relays: the
engine is given the status, the tracker is told when failures stop (offline, a wake's grace) and
start aging again, and ``network_changed`` lets the tray say "Offline — N changes waiting".

On a team's PostgreSQL another device's changes arrive as they are committed
(:class:`~bizcal_desktop.sync.team_changes.TeamChangeWatch`, which also kicks the drain when this
device holds the calendar): each batch re-reads the status (the tray's tooltip) and emits
``data_changed`` (the Bookings window and the others refresh). SQLite has no watch; its timers do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bizcal_desktop.services.attention import Alert, AttentionTracker
from bizcal_desktop.services.status import StatusService, StatusSummary
from bizcal_desktop.sync.connectivity import ConnectivityWatch, sync_log_note
from bizcal_desktop.sync.drain_report import DrainReport, SyncEvent
from bizcal_desktop.sync.importer import ConflictEvent, ImportReport
from bizcal_desktop.sync.network import NetworkState, NetworkStatus, NullNetworkStatus
from bizcal_desktop.sync.scheduler import (
    DRAIN,
    GUARDIAN,
    IMPORT,
    Scheduler,
    build_scheduler,
    sleep_aware_clock,
)
from bizcal_desktop.sync.team_changes import TeamChanges, TeamChangeWatch, watch_team_changes
from bizcal_desktop.sync.token_guardian import DeactivationEvent
from bizcal_desktop.ui.tasks import off_thread, running_tasks, spawn
from bizcal_desktop.wiring import Services

log = logging.getLogger(__name__)

#: How long Quit waits for a drain in progress before it stops anyway (jobs stay queued).
QUIT_GRACE_SECONDS = 5.0
#: How often the attention state is looked at without news (a failure ages into a lasting one).
ATTENTION_LOOK_MS = 60_000


#: The timer that resumes disconnects' removals (``services/event_removal.py``), and how often (s).
REMOVAL = "removal"
REMOVAL_INTERVAL = 300.0

class DesktopController(QObject):
    """Owns the scheduler; turns sync activity into status, notifications and refresh signals."""

    status_changed = Signal(object)  #: StatusSummary
    syncing_changed = Signal(bool)
    paused_changed = Signal(bool)
    #: Bookings, mappings or the log changed (after a drain that did something, an import, a retry).
    data_changed = Signal()
    #: A message for the tray to show (an :class:`Alert`); each replaces the one before.
    alert = Signal(object)
    #: Resync progress: (done, total).
    resync_progress = Signal(int, int)
    #: The network went away or came back (a :class:`NetworkState`).
    network_changed = Signal(object)

    def __init__(
        self,
        services: Services,
        scheduler: Scheduler | None = None,
        parent: QObject | None = None,
        clock: Callable[[], float] | None = None,
        network: NetworkStatus | None = None,
        wake_clock: Callable[[], float] | None = None,
        team_changes: TeamChangeWatch | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.status_service = StatusService(services.db, services.config.device.id)
        self.scheduler = scheduler or build_scheduler(
            drain=services.engine.drain,
            import_all=services.importer.import_all,
            guardian=services.guardian.check_all,
            clock=wake_clock or sleep_aware_clock,
        )
        if scheduler is None:  # a disconnect's removal, interrupted (a crash, the network): resumed here
            self.scheduler.add(REMOVAL, services.connections.removals.resume_all, REMOVAL_INTERVAL,
                               initial_delay=5.0)
        self.status: StatusSummary | None = None
        #: The calm-alert rules; ``clock`` (seconds that count suspended time, so a sleep can be taken
        #: off) is injected by tests.
        self.attention = AttentionTracker(clock=clock or sleep_aware_clock, translate=self.tr)
        self.network = network or NullNetworkStatus()
        services.engine.network = self.network
        self.connectivity = ConnectivityWatch(
            self.scheduler, self.network, sync_log_note(services.db), services.engine.outbox_view.pending_count,
            bring_forward=services.engine.outbox_view.bring_forward,
        )
        #: Other devices' changes as they happen (a team's database only; None on SQLite).
        self.team_changes = team_changes or watch_team_changes(
            services.db, self.scheduler, services.config.device.id)
        self._attention_timer = QTimer(self)
        self._attention_timer.setInterval(ATTENTION_LOOK_MS)
        self._attention_timer.timeout.connect(self.review_attention)
        self._syncing = False
        self._resync_ids: set[int] | None = None
        self._resync_done: set[int] = set()
        self._started = False

    # ----- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Hook into the engine and the scheduler, start the timers (the loop must be running)."""
        if self._started:
            return
        self._started = True
        self.services.engine.listeners.add(self._on_sync_event)
        self.services.importer.listeners.add(self._on_conflict)
        self.services.guardian.listeners.add(self._on_deactivated)
        self.scheduler.started_listeners.append(self._on_run_started)
        self.scheduler.finished_listeners.append(self._on_run_finished)
        self.network.listeners.add(self._on_network)
        self.connectivity.online_for_alerts.add(self.set_online)
        self.connectivity.woke_listeners.add(self.attention.slept)
        self.connectivity.start()  # before the timers: offline at start holds them at once
        self.scheduler.start()
        if self.team_changes is not None:
            self.team_changes.listeners.add(self._on_team_changes)
            self.team_changes.start()
        self._attention_timer.start()
        spawn(self.refresh_status())
        spawn(self.apply_import_interval())

    async def shutdown(self, grace: float = QUIT_GRACE_SECONDS) -> None:
        """Let a drain in progress finish (up to ``grace`` s), stop the timers, close the database."""
        self._attention_timer.stop()
        await self.connectivity.stop()
        if self.team_changes is not None:
            await self.team_changes.stop()
            self.team_changes.listeners.remove(self._on_team_changes)
        await self.scheduler.stop(grace=grace)
        others = [t for t in running_tasks() if t is not asyncio.current_task()]
        if others:
            await asyncio.wait(others, timeout=1.0)
        self.services.engine.listeners.remove(self._on_sync_event)
        self.services.importer.listeners.remove(self._on_conflict)
        self.services.guardian.listeners.remove(self._on_deactivated)
        await off_thread(self.services.close)

    # ----- verbs -------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.scheduler.paused

    def set_paused(self, paused: bool) -> None:
        if paused == self.scheduler.paused:
            return
        if paused:
            self.scheduler.pause()
        else:
            self.scheduler.resume()
        self.paused_changed.emit(paused)
        if self.status is not None:
            self.status_changed.emit(self.status)

    def request_drain(self) -> None:
        """A booking changed: sync it now rather than at the next tick (unless paused)."""
        if not self.scheduler.paused:
            self.scheduler.kick(DRAIN)

    @property
    def offline(self) -> bool:
        """The network monitor knows the network is gone (unknown is not offline)."""
        return self.network.offline

    async def sync_now(self) -> DrainReport:
        """Drain the outbox now (also while paused, and changes waiting to be tried again later: the
        user asked) and return what it did."""
        await off_thread(self.services.engine.outbox_view.bring_forward)
        return await self._drain_now()

    async def _drain_now(self) -> DrainReport:
        report = await self.scheduler.run_now(DRAIN)
        return report if isinstance(report, DrainReport) else DrainReport()

    async def import_now(self) -> ImportReport | None:
        report = await self.scheduler.run_now(IMPORT)
        return report if isinstance(report, ImportReport) else None

    async def retry_mapping(self, mapping_id: int) -> DrainReport:
        """Re-enqueue exactly this mapping's booking, then drain (others waiting keep their time)."""
        await off_thread(self.services.recovery.retry_mapping, mapping_id)
        self.data_changed.emit()
        return await self._drain_now()

    async def resync(self, from_day: date, progress: Callable[[int, int], None] | None = None) -> DrainReport:
        """Queue every booking from ``from_day`` whose event is missing or stale, then drain them.

        Resync asks each calendar for our events (network) and does its database work in threads.
        """
        booking_ids = await self.services.recovery.resync(from_day)
        total = len(booking_ids)
        self._resync_ids, self._resync_done = set(booking_ids), set()
        relay = None
        if progress is not None:

            def relay(done: int, all_: int) -> None:
                progress(done, all_)

            self.resync_progress.connect(relay)
        try:
            self.resync_progress.emit(0, total)
            report = await self.sync_now() if total else DrainReport()
            self.resync_progress.emit(total, total)
            return report
        finally:
            self._resync_ids = None
            if relay is not None:
                self.resync_progress.disconnect(relay)

    async def refresh_status(self) -> StatusSummary:
        """Re-read the counts and problems; unless a run is under way, decide what to tell."""
        summary = await off_thread(self.status_service.summary)
        self.attention.observe(summary)
        self.status = summary
        if not self._syncing:
            self._decide()
        self.status_changed.emit(summary)
        return summary

    def review_attention(self) -> None:
        """The minute's look: failures age into lasting problems with no news (a run's end decides)."""
        if self._syncing:
            return
        self._decide()
        if self.status is not None:
            self.status_changed.emit(self.status)  # the durations in the status line moved on

    def set_online(self, online: bool) -> None:
        """Failures age (and are told) only while online and not waiting for the network after a wake."""
        self.attention.set_online(online)

    def _on_network(self, state: NetworkState) -> None:
        self.network_changed.emit(state)
        spawn(self.refresh_status())

    def _decide(self) -> None:
        alert: Alert | None = self.attention.evaluate()
        if alert is not None:
            self.alert.emit(alert)

    @property
    def syncing(self) -> bool:
        return self._syncing

    # ----- listeners ---------------------------------------------------------------------------
    def _on_sync_event(self, event: SyncEvent) -> None:
        self.attention.sync_event(event)
        if self._resync_ids is not None and event.booking_id in self._resync_ids:
            self._resync_done.add(event.booking_id)
            self.resync_progress.emit(len(self._resync_done), len(self._resync_ids))

    def _on_conflict(self, event: ConflictEvent) -> None:
        """The importer found a busy time over a booking (a double booking)."""
        self.attention.conflict(event)

    def _on_deactivated(self, event: DeactivationEvent) -> None:
        """The token guardian switched a connection off after repeated refresh failures."""
        self.attention.deactivated(event)

    def _on_team_changes(self, _changes: TeamChanges) -> None:
        """Another device (or this one's CLI) changed bookings or jobs: show it now."""
        spawn(self._after_run(did_something=True))

    def _on_run_started(self, name: str) -> None:
        if name in (DRAIN, IMPORT) and not self._syncing:
            self._syncing = True
            self.syncing_changed.emit(True)

    def _on_run_finished(self, name: str, result: Any, error: BaseException | None) -> None:
        self.attention.run_finished(name, error)
        if isinstance(result, ImportReport):
            self.attention.import_report(result)
        if name not in (DRAIN, IMPORT):
            if name == REMOVAL and result:
                self.data_changed.emit()  # Calendar Integrations shows the removal's progress
            spawn(self.refresh_status())
            return
        if not self.scheduler.is_running(DRAIN) and not self.scheduler.is_running(IMPORT):
            self._syncing = False
            self.syncing_changed.emit(False)
        did_something = name == IMPORT or (isinstance(result, DrainReport) and result.bookings > 0)
        spawn(self._after_run(did_something))

    async def _after_run(self, did_something: bool) -> None:
        await self.refresh_status()
        if did_something:
            self.data_changed.emit()

    async def apply_import_interval(self) -> None:
        """Use the Settings' import interval for the import timer (read off the Qt thread)."""
        business = await off_thread(self.services.settings.get)
        minutes = business.import_interval_minutes or 60
        self.scheduler.set_interval(IMPORT, float(minutes) * 60.0)


__all__ = ["GUARDIAN", "DesktopController"]
