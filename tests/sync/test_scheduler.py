"""The asyncio timers: periodic runs, kicks, pause, no overlap, clean stop.

Plain asyncio, no Qt: the scheduler is Qt-free by design (the tray only connects signals to it), and
these tests run on pytest-asyncio's loop without qtbot or a QApplication.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from bizcal_desktop.sync.scheduler import DRAIN, IMPORT, Scheduler, build_scheduler


def test_the_scheduler_imports_no_qt() -> None:
    code = ("import sys, bizcal_desktop.sync.scheduler; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_an_explicit_run_ignores_the_pause() -> None:
    calls: list[str] = []
    ran = asyncio.Event()

    async def work() -> str:
        calls.append("run")
        ran.set()
        return "done"

    scheduler = Scheduler()
    scheduler.add(DRAIN, work, interval=3600, initial_delay=3600)
    scheduler.start()
    scheduler.pause()
    assert await scheduler.run_now(DRAIN) == "done"  # an explicit run ignores the pause
    assert calls == ["run"]
    scheduler.resume()
    await scheduler.stop()


async def test_resume_runs_the_timers_at_once() -> None:
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    scheduler = Scheduler()
    scheduler.add(DRAIN, work, interval=3600, initial_delay=3600)
    scheduler.start()
    scheduler.pause()
    scheduler.resume()  # catching up after a pause should not wait for the next hourly tick
    await asyncio.wait_for(ran.wait(), timeout=30)  # a guard against hanging for the hour, not a measurement
    assert not scheduler.paused
    await scheduler.stop()


async def test_missing_work_is_not_scheduled() -> None:
    async def drain() -> None:
        return None

    scheduler = build_scheduler(drain=drain, import_all=None, guardian=None)
    assert scheduler.names == [DRAIN]
    assert not scheduler.kick(IMPORT)
    await scheduler.stop()


async def test_runs_never_overlap_and_kicks_during_a_run_fold_into_one() -> None:
    active = 0
    peak = 0
    runs = 0
    release = asyncio.Event()

    async def work() -> None:
        nonlocal active, peak, runs
        active += 1
        runs += 1
        peak = max(peak, active)
        await release.wait()
        active -= 1

    scheduler = Scheduler()
    scheduler.add(DRAIN, work, interval=3600, initial_delay=0)
    scheduler.start()
    while not scheduler.is_running(DRAIN):
        await asyncio.sleep(0)
    for _ in range(5):
        scheduler.kick(DRAIN)
    release.set()
    await scheduler.run_now(DRAIN)
    assert peak == 1
    assert runs <= 3  # the first run, one folded follow-up for the kicks, run_now's own
    await scheduler.stop()


async def test_a_failing_run_is_reported_and_the_timer_keeps_going() -> None:
    seen: list[tuple[str, object]] = []

    async def work() -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler()
    scheduler.finished_listeners.append(lambda name, result, error: seen.append((name, error)))
    scheduler.add(DRAIN, work, interval=3600, initial_delay=3600)
    scheduler.start()
    with pytest.raises(RuntimeError):
        await scheduler.run_now(DRAIN)
    with pytest.raises(RuntimeError):
        await scheduler.run_now(DRAIN)
    assert [name for name, _ in seen] == [DRAIN, DRAIN]
    await scheduler.stop()


async def test_stop_lets_a_run_in_flight_finish_within_the_grace() -> None:
    finished = asyncio.Event()
    started = asyncio.Event()

    async def work() -> None:
        started.set()
        await asyncio.sleep(0.01)
        finished.set()

    scheduler = Scheduler()
    scheduler.add(DRAIN, work, interval=3600, initial_delay=0)
    scheduler.start()
    await started.wait()
    await scheduler.stop(grace=10)
    assert finished.is_set()
