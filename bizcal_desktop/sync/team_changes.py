"""Acting on a team's changes as they happen: drain at once what this device writes, tell the UI.

Why it is shaped so: the store hears the database (:class:`~bizcal_desktop.store.notifications.ChangeFeed`);
what to *do* about it is sync's business, next to the timers it speeds up. A job for a calendar this
device holds (handed to it, or queued for a staff member whose connection it holds) kicks the
scheduler's drain instead of waiting for the next tick; every change is passed on to ``listeners``
(the tray's controller refreshes the status and the open windows). Nothing else happens here: the
drain is the scheduler's, with its rules (one run at a time, kicks folded), so a notification can
never start a second drain beside a running one.

Bursts are coalesced: a resync elsewhere, or another device finishing 500 jobs, announces each one.
Changes heard are gathered for ``settle`` seconds, handled as one batch (one ownership query, at most
one kick, one message to the listeners), and the next batch waits at least ``cooldown`` more, so a
window refreshes a few times a second at most however fast the changes come.

While the user paused syncing, or the timers are held (offline, just woken), nothing is kicked; the
listeners are still told. After the feed reconnects (a lost connection, a wake) changes may have been
missed, so the watch acts as if it had heard of work for it: one drain, one refresh. A wake also
restarts the feed, since a connection from before a sleep may be dead without saying so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.notifications import Change, ChangeFeed, ChangeKind, feed_for, written_here
from bizcal_desktop.sync.listeners import Listeners
from bizcal_desktop.sync.scheduler import DRAIN, Scheduler

log = logging.getLogger(__name__)

#: How long changes are gathered after the first one, and the least time between two batches.
SETTLE_SECONDS = 0.01
COOLDOWN_SECONDS = 0.25


@dataclass(frozen=True)
class TeamChanges:
    """One batch of changes, as the listeners are told it."""

    booking_ids: frozenset[int]
    #: This device was asked to drain (it holds a calendar one of the changes must be written to).
    drained: bool
    #: The feed reconnected: changes may have been missed, so anything may have changed.
    caught_up: bool = False


class TeamChangeWatch:
    """Runs the feed and the reaction as two tasks on the running loop; :meth:`start`, :meth:`stop`."""

    def __init__(
        self, feed: ChangeFeed, scheduler: Scheduler, db: Database, device: str | None,
        settle: float = SETTLE_SECONDS, cooldown: float = COOLDOWN_SECONDS,
    ) -> None:
        self.feed = feed
        self._scheduler = scheduler
        self._db = db
        self._device = device
        self._settle = settle
        self._cooldown = cooldown
        self.listeners: Listeners[TeamChanges] = Listeners("team change")
        self._heard: list[Change] = []
        self._caught_up = False
        self._restarted = False
        self._news: asyncio.Event | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self._react_task: asyncio.Task[None] | None = None
        #: Batches handled since start (tests wait on it rather than on time).
        self.batches = 0

    def start(self) -> None:
        """Start listening (idempotent); the loop must be running."""
        if self._react_task is not None and not self._react_task.done():
            return
        self._news = asyncio.Event()
        self._start_feed()
        self._react_task = asyncio.ensure_future(self._react())
        if self._woke not in self._scheduler.wake_listeners:
            self._scheduler.wake_listeners.append(self._woke)

    async def stop(self) -> None:
        if self._woke in self._scheduler.wake_listeners:
            self._scheduler.wake_listeners.remove(self._woke)
        tasks = [t for t in (self._feed_task, self._react_task) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._feed_task = self._react_task = None

    def _start_feed(self) -> None:
        self._feed_task = asyncio.ensure_future(self.feed.run(self._on_change, self._on_connected))

    def _woke(self, _slept: float) -> None:
        """After a sleep the connection may be dead without knowing it: open a fresh one."""
        if self._feed_task is not None:
            self._feed_task.cancel()
            log.debug("woken: reopening the live-update connection")
            self._restarted = True
            self._start_feed()

    # ----- what the feed hears (called on the loop, must not block) -----------------------------
    def _on_change(self, change: Change) -> None:
        self._heard.append(change)
        if self._news is not None:
            self._news.set()

    def _on_connected(self, resumed: bool) -> None:
        if resumed or self._restarted:
            self._caught_up, self._restarted = True, False
            if self._news is not None:
                self._news.set()

    # ----- the reaction ---------------------------------------------------------------------------
    async def _react(self) -> None:
        assert self._news is not None
        while True:
            await self._news.wait()
            await asyncio.sleep(self._settle)
            self._news.clear()
            heard, self._heard = self._heard, []
            caught_up, self._caught_up = self._caught_up, False
            try:
                await self._handle(heard, caught_up)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end live updates
                log_unexpected(log, "handling the team's changes failed", exc)
            await asyncio.sleep(self._cooldown)

    async def _handle(self, heard: list[Change], caught_up: bool) -> None:
        to_do = caught_up or await asyncio.to_thread(self._work_for_me, heard)
        drained = False
        if to_do and not (self._scheduler.paused or self._scheduler.held):
            drained = self._scheduler.kick(DRAIN)
        self.batches += 1
        self.listeners.notify(TeamChanges(frozenset(c.booking_id for c in heard), drained, caught_up))

    def _work_for_me(self, heard: list[Change]) -> bool:
        """Whether one of the jobs heard is this device's to write (handed here, or its calendar)."""
        jobs = [c for c in heard if c.kind is ChangeKind.JOB]
        if any(c.device is not None and c.device == self._device for c in jobs):
            return True
        unaddressed = {c.booking_id for c in jobs if c.device is None}
        if not unaddressed:
            return False
        with self._db.session() as s:
            return bool(written_here(s, unaddressed, self._device))


def watch_team_changes(db: Database, scheduler: Scheduler, device: str | None) -> TeamChangeWatch | None:
    """The watch for a team's database; None on SQLite, which keeps its timers alone."""
    feed = feed_for(db)
    return TeamChangeWatch(feed, scheduler, db, device) if feed is not None else None
