"""Sleep and wake: the scheduler's heartbeat sees the gap, the connectivity watch catches up once.

The scheduler's clock (one that counts suspended time) is a fake the test jumps forward — that jump
*is* the sleep, as the heartbeat sees it. The timers' own periods are an hour, so every run counted
here was started by the catch-up (or the network's return), never by a period running out. Waits are
guarded (``within``), never measured.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bizcal_desktop.store.models import CalendarSyncLog
from bizcal_desktop.sync.connectivity import ConnectivityWatch, sync_log_note
from bizcal_desktop.sync.network import NetworkState, NetworkStatus
from bizcal_desktop.sync.scheduler import DRAIN, GUARDIAN, IMPORT, Scheduler, build_scheduler
from tests.sync.test_retry_later import within

HOUR = 3600.0


class SleepClock:
    """Seconds that count suspended time; every read is counted, so a test can wait for heartbeats."""

    def __init__(self) -> None:
        self.seconds = 1_000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds


class Machine:
    """A scheduler with the three standard timers counting their runs, and the watch over them."""

    def __init__(self, services, network: NetworkStatus, grace: float = HOUR) -> None:  # type: ignore[no-untyped-def]
        self.clock = SleepClock()
        self.runs: Counter[str] = Counter()
        self.scheduler: Scheduler = build_scheduler(
            drain=self._work(DRAIN), import_all=self._work(IMPORT), guardian=self._work(GUARDIAN),
            drain_interval=HOUR, import_interval=HOUR, guardian_interval=HOUR, clock=self.clock,
        )
        self.scheduler.set_heartbeat(0.001, sleep_threshold=60)
        self.network = network
        self.watch = ConnectivityWatch(self.scheduler, network, sync_log_note(services.db), lambda: 2,
                                       grace=grace, poll=0.001)
        self.alerts_online: list[bool] = []
        self.watch.online_for_alerts.add(self.alerts_online.append)
        self.slept: list[float] = []
        self.watch.woke_listeners.add(self.slept.append)
        self._services = services

    def _work(self, name: str) -> Callable[[], object]:
        async def run() -> None:
            self.runs[name] += 1

        return run

    async def start(self) -> None:
        self.watch.start()
        self.scheduler.start()
        if not self.network.offline:
            await within(lambda: self.runs[DRAIN] == 1)  # the drain timer's run at start
        self.runs.clear()

    async def heartbeats(self, n: int = 20) -> None:
        """Let ``n`` more heartbeats tick (each reads the clock once)."""
        target = self.clock.reads + n
        await within(lambda: self.clock.reads >= target)

    async def stop(self) -> None:
        await self.watch.stop()
        await self.scheduler.stop()

    def log(self) -> list[str]:
        with self._services.db.session() as s:
            query = select(CalendarSyncLog.message).where(CalendarSyncLog.actor == "network")
            return list(s.scalars(query.order_by(CalendarSyncLog.id)))


@pytest.fixture
async def online(services):  # type: ignore[no-untyped-def]
    machine = Machine(services, NetworkStatus(NetworkState.ONLINE))
    await machine.start()
    yield machine
    await machine.stop()


async def test_a_simulated_sleep_catches_up_exactly_once_of_each_kind(online: Machine) -> None:
    await online.heartbeats()
    assert online.runs == Counter() and online.slept == []  # awake: nothing but the heartbeat

    online.clock.sleep(2 * HOUR)
    await within(lambda: len(online.runs) == 3)
    await online.heartbeats()

    assert online.runs == Counter({DRAIN: 1, IMPORT: 1, GUARDIAN: 1})
    assert len(online.slept) == 1 and online.slept[0] == pytest.approx(2 * HOUR, abs=1)
    assert online.alerts_online == [False, True]  # quiet during the grace only
    await within(lambda: online.log() != [])
    assert online.log() == ["woke after 2 h: catching up (2 changes to sync, busy times, calendar access)"]


async def test_after_wake_the_network_is_waited_for_and_its_return_is_one_catch_up(services) -> None:  # type: ignore[no-untyped-def]
    machine = Machine(services, NetworkStatus(NetworkState.ONLINE))
    await machine.start()
    try:
        machine.network.report(NetworkState.OFFLINE, "the lid closed")
        machine.clock.sleep(8 * HOUR)
        await within(lambda: machine.slept != [])
        await machine.heartbeats()
        assert machine.runs == Counter()  # waiting for the network: no failures to be had

        machine.network.report(NetworkState.ONLINE, "reachability Online")
        await within(lambda: len(machine.runs) == 3)
        await machine.heartbeats()
        assert machine.runs == Counter({DRAIN: 1, IMPORT: 1, GUARDIAN: 1})  # no second drain for "back online"
        await within(lambda: len(machine.log()) == 2)
        assert machine.log() == ["offline: 2 changes waiting (manual: the lid closed)",
                                 "woke after 8 h: catching up (2 changes to sync, busy times, calendar access)"]
    finally:
        await machine.stop()


async def test_still_offline_when_the_grace_ends_catches_up_when_the_network_is_back(services) -> None:  # type: ignore[no-untyped-def]
    machine = Machine(services, NetworkStatus(NetworkState.OFFLINE), grace=0.01)
    await machine.start()
    try:
        machine.clock.sleep(3 * HOUR)
        await within(lambda: len(machine.log()) == 2)
        assert machine.runs == Counter()
        assert machine.log()[1] == ("woke after 3 h: still offline after 0.01 s; 2 changes waiting; catching up "
                                    "when the network is back")

        machine.network.report(NetworkState.ONLINE)
        await within(lambda: machine.runs[DRAIN] == 1 and machine.runs[IMPORT] == 1)
        await within(lambda: len(machine.log()) == 3)
        assert machine.log()[2] == "back online: draining 2 changes"
    finally:
        await machine.stop()
