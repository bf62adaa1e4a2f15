"""How long the desktop app's event loop stalls during a 500-booking resync against real Radicale.

What is measured, and why this way
----------------------------------
* The app runs Qt and asyncio on ONE thread (qasync). Anything that blocks that thread freezes every
  window, so the figure that matters is the *longest gap* between two ticks of a 5 ms heartbeat
  (a QTimer on the same loop), not the resync's wall time.
* The resync goes through the app's real path: ``DesktopController.resync`` → ``RecoveryService.resync``
  (off the loop) → the scheduler's drain → ``SyncEngine`` → the CalDAV provider → a Radicale server
  started exactly like the test fixture's, with 500 bookings of one staff member.
* Two baselines beside it: the same heartbeat with the loop idle (what Qt and the OS alone cost on
  this machine), and the same resync enqueue plus one listing of the 500 bookings done the naive way,
  synchronously on the loop thread (what the UI would cost if it called the services directly).
  The ratios say how close the resync stays to idle, and how much the off-loop design saves.
* Beside the longest gap, the CPU time the loop's thread itself used during it: what the loop ran.
  The rest of the gap it waited - for the interpreter lock, held by the worker threads' database
  steps, or for a core on a loaded machine (the idle loop's gap shows the latter's size).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring

from tests.fixtures.radicale import RadicaleServer
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

BOOKINGS = 500
HEARTBEAT_MS = 5
IDLE_SECONDS = 1.0


class Heartbeat:
    """A QTimer ticking every few ms on the loop's thread; records the longest gap between ticks."""

    def __init__(self, interval_ms: int = HEARTBEAT_MS) -> None:
        from PySide6.QtCore import QTimer

        self.max_gap = 0.0
        #: CPU time the loop's thread itself used during the longest gap; the rest it waited (for the
        #: interpreter lock held by a worker thread, or for a core).
        self.max_gap_cpu = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if now - self._last > self.max_gap:
            self.max_gap, self.max_gap_cpu = now - self._last, cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu
        self.ticks += 1

    def start(self) -> None:
        self.max_gap = self.max_gap_cpu = 0.0
        self.ticks = 0
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        return self.max_gap


async def _measure(base: Path) -> list[tuple[str, float, str]]:
    from bizcal_desktop.config import Config
    from bizcal_desktop.runtime import tune_for_the_ui_thread
    from bizcal_desktop.ui.controller import DesktopController
    from bizcal_desktop.wiring import build_services

    server = RadicaleServer(base / "radicale")
    server.start()
    try:
        calendar_url = server.make_calendar("bench", "Bench")
        services = await asyncio.to_thread(build_services, Config.load(base / "data"))
        try:
            staff = services.directory.add_staff("Bench Staff", "Europe/Berlin")
            service = services.directory.add_service("Session", 30)
            first_day = (datetime.now(UTC) + timedelta(days=2)).date()
            for i in range(BOOKINGS):
                day = first_day + timedelta(days=i // 16)
                hour, half = divmod(i % 16, 2)
                services.bookings.add(
                    staff.id, service.id, f"Customer {i}", f"{day.isoformat()}T{9 + hour:02d}:{30 * half:02d}"
                )
            controller = DesktopController(services)
            tune_for_the_ui_thread()  # as the app does once it has started
            # Bookings made before any calendar was connected: the first drain only skips them.
            await services.engine.drain()
            seed_connection(
                services,
                staff=staff.id,
                provider="caldav",
                provider_type="generic",
                display_name="Bench Radicale",
                server_url=server.url,
                username=server.username,
                calendar_id=calendar_url,
                calendar_href=calendar_url,
                calendar_name="Bench",
                secret=server.password,
            )
            controller.scheduler.pause()
            controller.start()
            beat = Heartbeat()

            beat.start()
            await asyncio.sleep(IDLE_SECONDS)
            idle_gap = beat.stop()

            beat.start()
            started = time.perf_counter()
            report = await controller.resync(first_day)
            resync_seconds = time.perf_counter() - started
            resync_gap = beat.stop()
            resync_gap_cpu = beat.max_gap_cpu
            if report.synced != BOOKINGS or report.failed:
                raise RuntimeError(
                    f"resync wrote {report.synced} of {BOOKINGS} events, {report.failed} failed"
                )

            # Naive baseline: resync's database steps and a full listing, blocking the loop thread.
            beat.start()
            await asyncio.sleep(0.05)
            services.recovery._calendar_checks(first_day)  # the same DB work, on the loop on purpose
            services.recovery._queue_resync(first_day, [], "benchmark")
            services.bookings.list(staff.id)
            await asyncio.sleep(0.05)
            naive_gap = beat.stop()

            await controller.shutdown(grace=10)
        finally:
            services.close()
    finally:
        server.stop()
    return [
        ("loop stall: idle loop (longest heartbeat gap)", idle_gap, "s"),
        (f"loop stall: during {BOOKINGS}-booking resync", resync_gap, "s"),
        ("loop stall: of it, the loop thread's own CPU time (the rest it waited)", resync_gap_cpu, "s"),
        (f"resync wall time ({BOOKINGS} events to Radicale)", resync_seconds, "s"),
        ("loop stall: resync / idle", resync_gap / idle_gap, "x"),
        ("loop stall: same DB work on the loop (naive)", naive_gap, "s"),
        ("loop stall: naive / resync", naive_gap / resync_gap, "x"),
    ]


def run() -> list[tuple[str, float, str]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    previous_keyring = keyring.get_keyring()
    previous_switch_interval = sys.getswitchinterval()  # the app's tuning sets it; later benchmarks get it back
    keyring.set_keyring(MemoryKeyring())
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory(prefix="bizcal-bench-stall-") as tmp:
            return loop.run_until_complete(_measure(Path(tmp)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        keyring.set_keyring(previous_keyring)
        sys.setswitchinterval(previous_switch_interval)


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:55s} {value:10.4f} {unit}")
