"""Periodic background work as plain asyncio tasks: outbox drain, availability import, token guardian.

Why plain asyncio (no QTimer): the desktop app runs them on its qasync loop, the CLI or a test can
run the very same timers on any asyncio loop. Each timer's work is an injected coroutine function,
so a capability that is not built (no importer yet, no token guardian) is simply not scheduled.

A timer runs its work once per ``interval`` or as soon as someone calls :meth:`Scheduler.kick`
(a booking just changed: drain now, not in five seconds). A timer never runs two calls at once;
kicks that arrive while a call runs fold into one follow-up call. Pausing stops the periodic
runs; an explicit kick (the user's *Sync now*) still runs, because the user asked for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[Any]]
#: Called with (timer name) when a run starts.
StartedListener = Callable[[str], None]
#: Called with (timer name, result or None, exception or None) when a run ends.
FinishedListener = Callable[[str, Any, BaseException | None], None]

DRAIN = "drain"
IMPORT = "import"
GUARDIAN = "guardian"


@dataclass
class _Timer:
    name: str
    work: Work
    interval: float
    initial_delay: float
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    forced: bool = False
    task: asyncio.Task[None] | None = None
    running: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    last_result: Any = None
    last_error: BaseException | None = None


class Scheduler:
    """Owns the periodic tasks; start once the loop runs, stop before the loop ends."""

    def __init__(self) -> None:
        self._timers: dict[str, _Timer] = {}
        self._paused = False
        self._stopping = False
        self.started_listeners: list[StartedListener] = []
        self.finished_listeners: list[FinishedListener] = []

    # ----- configuration ------------------------------------------------------------------------
    def add(self, name: str, work: Work | None, interval: float, initial_delay: float = 0.0) -> bool:
        """Schedule ``work`` every ``interval`` seconds; ``None`` work is skipped (returns False)."""
        if work is None:
            log.info("timer %s not scheduled: nothing provides it in this build", name)
            return False
        if interval <= 0:
            raise ValueError("A timer interval must be positive.")
        self._timers[name] = _Timer(name, work, interval, initial_delay)
        return True

    def set_interval(self, name: str, interval: float) -> None:
        """Change a timer's period (Settings' import interval); takes effect at its next wait."""
        timer = self._timers.get(name)
        if timer is not None and interval > 0:
            timer.interval = interval  # no wake-up: changing a setting must not trigger a run

    @property
    def names(self) -> list[str]:
        return list(self._timers)

    # ----- running ------------------------------------------------------------------------------
    def start(self) -> None:
        """Create the timer tasks on the running loop (idempotent)."""
        self._stopping = False
        for timer in self._timers.values():
            if timer.task is None or timer.task.done():
                timer.task = asyncio.ensure_future(self._loop(timer))

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        for timer in self._timers.values():
            timer.wake.set()

    def kick(self, name: str) -> bool:
        """Run ``name`` as soon as possible, even while paused; False if no such timer."""
        timer = self._timers.get(name)
        if timer is None:
            return False
        timer.forced = True
        timer.wake.set()
        return True

    def is_running(self, name: str | None = None) -> bool:
        """Whether a timer's work (or any timer's, for ``None``) is running right now."""
        if name is None:
            return any(t.running for t in self._timers.values())
        timer = self._timers.get(name)
        return bool(timer and timer.running)

    async def run_now(self, name: str) -> Any:
        """Kick ``name``, wait for a run that started after this call, and return its result.

        The run's exception, if any, is raised here too (the caller asked for this run).
        """
        timer = self._timers.get(name)
        if timer is None:
            raise KeyError(name)
        if timer.task is None or timer.task.done():
            # Not started (a one-shot CLI use, or after stop): run it here, same listeners.
            await self._run(timer)
        else:
            await self._wait_for_fresh_run(timer)
        if timer.last_error is not None:
            raise timer.last_error
        return timer.last_result

    async def _wait_for_fresh_run(self, timer: _Timer) -> None:
        # A run already in progress may have read the outbox before our change: wait for the next.
        if timer.running:
            await timer.done.wait()
        timer.done.clear()
        self.kick(timer.name)
        await timer.done.wait()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop every timer; a run in progress gets ``grace`` seconds to finish, then is cancelled."""
        # The flag, not only cancel(): Python 3.11's wait_for can swallow a cancellation that
        # arrives just as its inner wait completes.
        self._stopping = True
        waits = [asyncio.ensure_future(t.done.wait()) for t in self._timers.values() if t.running]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=grace)
            for waiter in pending:
                waiter.cancel()
        for timer in self._timers.values():
            if timer.task is not None and not timer.task.done():
                timer.task.cancel()
        tasks = [t.task for t in self._timers.values() if t.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for timer in self._timers.values():
            timer.task = None

    # ----- one timer --------------------------------------------------------------------------
    async def _loop(self, timer: _Timer) -> None:
        delay = timer.initial_delay
        while not self._stopping:
            if delay > 0:  # a zero initial delay means "run once right at start"
                try:
                    await asyncio.wait_for(timer.wake.wait(), timeout=delay)
                except TimeoutError:
                    pass
            if self._stopping:
                return
            timer.wake.clear()
            delay = timer.interval
            forced, timer.forced = timer.forced, False
            if self._paused and not forced:
                continue
            await self._run(timer)

    async def _run(self, timer: _Timer) -> None:
        timer.running = True
        timer.done.clear()
        self._emit_started(timer.name)
        result: Any = None
        error: BaseException | None = None
        try:
            result = await timer.work()
        except asyncio.CancelledError:
            timer.running = False
            timer.done.set()
            raise
        except Exception as exc:
            log.exception("timer %s failed", timer.name)
            error = exc
        timer.running = False
        timer.last_result, timer.last_error = result, error
        timer.done.set()
        self._emit_finished(timer.name, result, error)

    def _emit_started(self, name: str) -> None:
        for listener in list(self.started_listeners):
            try:
                listener(name)
            except Exception:
                log.exception("scheduler listener failed")

    def _emit_finished(self, name: str, result: Any, error: BaseException | None) -> None:
        for listener in list(self.finished_listeners):
            try:
                listener(name, result, error)
            except Exception:
                log.exception("scheduler listener failed")


def build_scheduler(
    drain: Work | None,
    import_all: Work | None = None,
    guardian: Work | None = None,
    drain_interval: float = 5.0,
    import_interval: float = 900.0,
    guardian_interval: float = 300.0,
) -> Scheduler:
    """The standard timers: drain every few seconds, import every 15 minutes, guardian every few minutes."""
    scheduler = Scheduler()
    scheduler.add(DRAIN, drain, drain_interval, initial_delay=0.0)
    scheduler.add(IMPORT, import_all, import_interval, initial_delay=30.0)
    scheduler.add(GUARDIAN, guardian, guardian_interval, initial_delay=10.0)
    return scheduler
