"""Periodic background work as plain asyncio tasks: outbox drain, availability import, token guardian.

Why plain asyncio (no QTimer): the desktop app runs them on its qasync loop, the CLI or a test can
run the very same timers on any asyncio loop. Each timer's work is an injected coroutine function,
so a capability that is not built (no importer yet, no token guardian) is simply not scheduled.

A timer runs its work once per ``interval`` or as soon as someone calls :meth:`Scheduler.kick`
(a booking just changed: drain now, not in five seconds). A timer never runs two calls at once;
kicks that arrive while a call runs fold into one follow-up call. Pausing stops the periodic
runs; an explicit kick (the user's *Sync now*) still runs, because the user asked for it.
*Holding* does the same without the user: while the network is gone or the machine has just woken
(:mod:`.connectivity` holds and releases), periodic runs wait and kicks still run.

Sleep is seen here, because only a timer notices it: a heartbeat ticks every ``heartbeat`` seconds,
and a tick that comes much later than due on a clock that counts suspended time
(:func:`sleep_aware_clock`, injected in tests) means the machine slept; ``wake_listeners`` are told
how long, once per wake.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bizcal_desktop.logging_setup import log_unexpected

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[Any]]
#: Called with (timer name) when a run starts.
StartedListener = Callable[[str], None]
#: Called with (timer name, result or None, exception or None) when a run ends.
FinishedListener = Callable[[str, Any, BaseException | None], None]

DRAIN = "drain"
IMPORT = "import"
GUARDIAN = "guardian"

#: Called with the seconds the machine slept, once per wake.
WokeListener = Callable[[float], None]
#: How often the heartbeat ticks, and how much later than due a tick must come to mean sleep.
HEARTBEAT_SECONDS = 10.0
SLEEP_THRESHOLD_SECONDS = 60.0


def sleep_aware_clock() -> float:
    """Seconds on a clock that keeps counting while the machine is suspended.

    ``time.monotonic`` stops during suspend on Linux and macOS, so no gap would show. Linux has
    ``CLOCK_BOOTTIME``; macOS's ``CLOCK_MONOTONIC`` (unlike Python's monotonic) includes sleep;
    elsewhere the wall clock does (a clock set by hand can then look like a short sleep: harmless).
    """
    if sys.platform.startswith("linux"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    if sys.platform == "darwin":
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    return time.time()


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

    def __init__(
        self,
        clock: Callable[[], float] = sleep_aware_clock,
        heartbeat: float = HEARTBEAT_SECONDS,
        sleep_threshold: float = SLEEP_THRESHOLD_SECONDS,
    ) -> None:
        self._timers: dict[str, _Timer] = {}
        self._paused = False
        self._holds: set[str] = set()
        self._stopping = False
        self._clock = clock
        self._heartbeat = heartbeat
        self._sleep_threshold = sleep_threshold
        self._heartbeat_task: asyncio.Task[None] | None = None
        self.started_listeners: list[StartedListener] = []
        self.finished_listeners: list[FinishedListener] = []
        self.wake_listeners: list[WokeListener] = []

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

    def set_heartbeat(self, seconds: float, sleep_threshold: float | None = None) -> None:
        """Change how often sleep is looked for (and how late a tick must be); from the next tick."""
        if seconds > 0:
            self._heartbeat = seconds
        if sleep_threshold is not None and sleep_threshold > 0:
            self._sleep_threshold = sleep_threshold

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
        if self._heartbeat_task is None or self._heartbeat_task.done():
            self._heartbeat_task = asyncio.ensure_future(self._watch_for_sleep(self._clock()))

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        for timer in self._timers.values():
            timer.wake.set()

    @property
    def held(self) -> bool:
        """Periodic runs wait for a reason of :meth:`hold` (offline, just woken)."""
        return bool(self._holds)

    def hold(self, reason: str) -> None:
        """Let periodic runs wait until :meth:`release` of ``reason``; kicks still run."""
        self._holds.add(reason)

    def release(self, reason: str) -> None:
        self._holds.discard(reason)

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
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
        tasks = [t.task for t in self._timers.values() if t.task is not None]
        tasks += [self._heartbeat_task] if self._heartbeat_task is not None else []
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for timer in self._timers.values():
            timer.task = None
        self._heartbeat_task = None

    # ----- sleep ------------------------------------------------------------------------------
    async def _watch_for_sleep(self, last: float) -> None:
        """Tick every ``heartbeat`` seconds; a tick far later than due means the machine slept."""
        while not self._stopping:
            await asyncio.sleep(self._heartbeat)
            now = self._clock()
            late = now - last - self._heartbeat
            last = now
            if late > self._sleep_threshold:
                log.info("scheduler: a %.0f s heartbeat came %.0f s late: the machine slept", self._heartbeat, late)
                for listener in list(self.wake_listeners):
                    try:
                        listener(late)
                    except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
                        log_unexpected(log, "scheduler wake listener failed", exc)

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
            if (self._paused or self._holds) and not forced:
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
        except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
            log_unexpected(log, f"timer {timer.name} failed", exc)
            error = exc
        timer.running = False
        timer.last_result, timer.last_error = result, error
        timer.done.set()
        self._emit_finished(timer.name, result, error)

    def _emit_started(self, name: str) -> None:
        for listener in list(self.started_listeners):
            try:
                listener(name)
            except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
                log_unexpected(log, "scheduler listener failed", exc)

    def _emit_finished(self, name: str, result: Any, error: BaseException | None) -> None:
        for listener in list(self.finished_listeners):
            try:
                listener(name, result, error)
            except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
                log_unexpected(log, "scheduler listener failed", exc)


def build_scheduler(
    drain: Work | None,
    import_all: Work | None = None,
    guardian: Work | None = None,
    drain_interval: float = 5.0,
    import_interval: float = 900.0,
    guardian_interval: float = 300.0,
    clock: Callable[[], float] = sleep_aware_clock,
) -> Scheduler:
    """The standard timers: drain every few seconds, import every 15 minutes, guardian every few minutes."""
    scheduler = Scheduler(clock=clock)
    scheduler.add(DRAIN, drain, drain_interval, initial_delay=0.0)
    scheduler.add(IMPORT, import_all, import_interval, initial_delay=30.0)
    scheduler.add(GUARDIAN, guardian, guardian_interval, initial_delay=10.0)
    return scheduler
