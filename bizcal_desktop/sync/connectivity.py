"""Offline and sleep, for the background timers: wait while the network is gone, catch up once after wake.

Why a module of its own: the scheduler knows timers, the network status knows the network, and the
rules that join them are the product's — users of sync tools suffer exactly here (a burst of failure
pop-ups after opening the lid; a day offline that ends in a list of failed bookings):

* **Offline:** the periodic timers are *held* (kicks still run; the engine itself claims nothing
  while offline), and the sync log says so once: "offline: 3 changes waiting".
* **Back online:** drain and import at once — "back online: draining 3 changes". Changes that
  were waiting to be tried again later are tried now too: what failed them was likely the network
  that has just come back.
* **Woken from sleep** (the scheduler's heartbeat came late): hold the timers and wait for the
  network, a short bounded grace (``grace`` seconds, looking again every ``poll``), then catch up —
  one drain (of every waiting change), one import, one token check — and log "woke after 2 h:
  catching up". Still offline
  after the grace: nothing is run; the return of the network drains and imports.

Listeners carry the rest to the tray: ``online_for_alerts`` is False while offline or in a wake's
grace (the calm alerts then age nothing and tell nothing), and ``woke_listeners`` get the seconds
slept (so a failure from before the lid closed does not look hours old). Qt-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import Outcome, SyncAction
from bizcal_desktop.sync.listeners import Listeners
from bizcal_desktop.sync.network import NetworkState, NetworkStatus
from bizcal_desktop.sync.scheduler import DRAIN, GUARDIAN, IMPORT, Scheduler

log = logging.getLogger(__name__)

OFFLINE_HOLD = "offline"
WAKE_HOLD = "wake"
#: How long after a wake the network is waited for, and how often it is looked at meanwhile.
WAKE_GRACE_SECONDS = 30.0
WAKE_POLL_SECONDS = 2.0

#: Writes one sync-log row: (message, outcome). Blocking; called in a worker thread.
Note = Callable[[str, str], None]
#: How many changes wait in the outbox. Blocking; called in a worker thread.
Pending = Callable[[], int]
#: Makes every change waiting to be tried again later due now. Blocking; called in a worker thread.
BringForward = Callable[[], int]


def sync_log_note(db: Database) -> Note:
    """A :data:`Note` writing to the sync log as actor "network"."""

    def note(message: str, outcome: str) -> None:
        with db.session() as s:
            sync_log.record(s, actor="network", action=SyncAction.NETWORK, outcome=outcome, message=message)

    return note


def duration_text(seconds: float) -> str:
    """45 s, 12 min, 2 h, 3 days: rounded, as a person would say it."""
    minutes = round(seconds / 60)
    if minutes < 2:
        return f"{round(seconds)} s"
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{round(minutes / 60)} h"
    return f"{round(minutes / (24 * 60))} days"


def changes(n: int) -> str:
    return f"{n} change{'s' if n != 1 else ''}"


class ConnectivityWatch:
    """Joins the network status and the scheduler's wake-ups to the timers; see the module docstring."""

    def __init__(
        self,
        scheduler: Scheduler,
        network: NetworkStatus,
        note: Note,
        pending: Pending,
        grace: float = WAKE_GRACE_SECONDS,
        poll: float = WAKE_POLL_SECONDS,
        bring_forward: BringForward | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.network = network
        self._note = note
        self._pending = pending
        self._bring_forward = bring_forward
        #: Seconds waited for the network after a wake before catching up anyway (or giving up).
        self.grace = grace
        self._poll = poll
        self._was_offline = False
        self._catching_up = False
        self._online = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        #: True when failures are worth aging and telling: not offline, not in a wake's grace.
        self.online_for_alerts: Listeners[bool] = Listeners("online for alerts")
        #: The seconds the machine slept, once per wake.
        self.woke_listeners: Listeners[float] = Listeners("woke")

    # ----- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Listen to the network and the scheduler, start the monitor (the loop must be running)."""
        self.network.listeners.add(self._network_changed)
        self.scheduler.wake_listeners.append(self._woke)
        self.network.start()
        if self.network.offline:
            self._network_changed(NetworkState.OFFLINE)

    async def stop(self) -> None:
        self.network.listeners.remove(self._network_changed)
        if self._woke in self.scheduler.wake_listeners:
            self.scheduler.wake_listeners.remove(self._woke)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.network.stop()

    @property
    def quiet(self) -> bool:
        """Offline, or waiting for the network after a wake: nothing is worth telling now."""
        return self.network.offline or self._catching_up

    @property
    def catching_up(self) -> bool:
        return self._catching_up

    # ----- the network ------------------------------------------------------------------------------
    def _network_changed(self, state: NetworkState) -> None:
        if state is NetworkState.OFFLINE:
            self._online.clear()
            self.scheduler.hold(OFFLINE_HOLD)
            if not self._was_offline:
                self._spawn(self._log_offline())
        else:
            self._online.set()
            self.scheduler.release(OFFLINE_HOLD)
            if self._was_offline and not self._catching_up:
                self._spawn(self._back_online())
        self._was_offline = state is NetworkState.OFFLINE
        self.online_for_alerts.notify(not self.quiet)

    async def _back_online(self) -> None:
        await self._make_waiting_due()
        self.scheduler.kick(DRAIN)
        self.scheduler.kick(IMPORT)
        await self._log(lambda n: f"back online: draining {changes(n)}", Outcome.SUCCESS)

    async def _make_waiting_due(self) -> None:
        if self._bring_forward is not None:
            try:
                await asyncio.to_thread(self._bring_forward)
            except Exception as exc:  # noqa: BLE001 - they still come due by themselves
                log_unexpected(log, "could not make the changes waiting to be tried again due now", exc)

    async def _log_offline(self) -> None:
        reason = f" ({self.network.name}: {self.network.reason})" if self.network.reason else ""
        await self._log(lambda n: f"offline: {changes(n)} waiting{reason}", Outcome.SKIPPED)

    # ----- sleep ------------------------------------------------------------------------------------
    def _woke(self, slept: float) -> None:
        if self._catching_up:
            return  # the catch-up under way covers this wake too
        self._catching_up = True
        self.scheduler.hold(WAKE_HOLD)
        self.woke_listeners.notify(slept)
        self.online_for_alerts.notify(False)
        self._spawn(self._catch_up(slept))

    async def _catch_up(self, slept: float) -> None:
        """Wait for the network (bounded), then one drain, one import, one token check."""
        try:
            state = await self._wait_for_network()
            woke = f"woke after {duration_text(slept)}"
            if state is NetworkState.OFFLINE:
                await self._log(lambda n: f"{woke}: still offline after {self.grace:g} s; {changes(n)} waiting; "
                                "catching up when the network is back", Outcome.SKIPPED)
                return
            await self._make_waiting_due()
            for name in (DRAIN, IMPORT, GUARDIAN):
                self.scheduler.kick(name)
            await self._log(lambda n: f"{woke}: catching up ({changes(n)} to sync, busy times, calendar access)",
                            Outcome.SUCCESS)
        finally:
            self._catching_up = False
            self.scheduler.release(WAKE_HOLD)
            self.online_for_alerts.notify(not self.quiet)

    async def _wait_for_network(self) -> NetworkState:
        """Look at the network until it is online, at most ``grace`` seconds; the state at the end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace
        while True:
            state = await self.network.recheck()
            remaining = deadline - loop.time()
            if state is NetworkState.ONLINE or remaining <= 0:
                return state
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._online.wait(), timeout=min(self._poll, remaining))

    # ----- inside -----------------------------------------------------------------------------------
    async def _log(self, message: Callable[[int], str], outcome: str) -> None:
        try:
            pending = await asyncio.to_thread(self._pending)
            text = message(pending)
            log.info("%s", text)
            await asyncio.to_thread(self._note, text, outcome)
        except Exception as exc:  # noqa: BLE001 - a log row that cannot be written must not stop the catch-up
            log_unexpected(log, "could not write the network note to the sync log", exc)

    def _spawn(self, work: object) -> None:
        task = asyncio.ensure_future(work)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
