"""Offline and wake through the real app: network status → engine and timers → tray line and pop-ups.

The harness is the calm alerts' one (real services, in-memory calendars whose failures a test
chooses, ``showMessage`` recorded); the network status is a plain :class:`NetworkStatus` the test
sets as a monitor would, and for the wake the scheduler's clock is the same fake clock the alerts
use, so jumping it forward is the sleep both of them see.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.errors import TransientError
from bizcal_desktop.sync.network import NetworkState, NetworkStatus
from bizcal_desktop.ui.tray import TrayState
from tests.ui.conftest import run_async
from tests.ui.test_calm_alerts import Clock, Harness, MemoryCalendars, book

DOWN = TransientError("The calendar server did not answer")


def make_harness(services, qtbot, monkeypatch, network: NetworkStatus, wake: bool = False) -> Harness:  # type: ignore[no-untyped-def]
    calendars = MemoryCalendars()
    monkeypatch.setattr(services.providers, "build", calendars.build)
    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    clock = Clock()
    app = DesktopApp(services, clock=clock, network=network, wake_clock=clock if wake else None)
    h = Harness(app, clock, calendars, services, qtbot)
    app.tray.icon.showMessage = lambda *args: h.popups.append(args)  # type: ignore[method-assign]
    for timer in app.controller.scheduler.names:  # after the first drain, only the test drains
        app.controller.scheduler.set_interval(timer, 3600)
    if wake:
        app.controller.scheduler.set_heartbeat(0.001, sleep_threshold=60)
        app.controller.connectivity.grace = 3600  # the test says when the network is back
    return h


@pytest.fixture
def offline(qloop, qtbot, services, monkeypatch):  # type: ignore[no-untyped-def]
    h = make_harness(services, qtbot, monkeypatch, NetworkStatus(NetworkState.OFFLINE))
    yield h
    run_async(qtbot, h.app.controller.shutdown(grace=10))
    h.app.windows.close_all()


@pytest.fixture
def waking(qloop, qtbot, services, monkeypatch):  # type: ignore[no-untyped-def]
    h = make_harness(services, qtbot, monkeypatch, NetworkStatus(NetworkState.ONLINE), wake=True)
    yield h
    run_async(qtbot, h.app.controller.shutdown(grace=10))
    h.app.windows.close_all()


def test_offline_the_tray_says_what_waits_and_the_return_drains_at_once(offline, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = offline
    staff, service, _booking = sample
    work = h.connect(staff.id, "Work")
    book(h.services, staff.id, service.id, 9, 13)
    h.start()

    qtbot.waitUntil(lambda: h.app.controller.status is not None)
    assert h.status_texts == ["Offline — 3 changes waiting"]
    assert "Offline — 3 changes waiting" in h.tooltip
    assert h.app.tray.state == TrayState.OFFLINE
    h.drain()  # the user's Sync now while offline: nothing is tried, nothing fails
    assert h.calendars[work].calls == []
    assert h.app.controller.status.failed_mappings == 0 and h.popups == []

    h.app.controller.network.report(NetworkState.ONLINE, "reachability Online")
    qtbot.waitUntil(lambda: len(h.calendars[work].own_events()) == 3, timeout=20000)
    qtbot.waitUntil(lambda: [t.split(" · ")[0] for t in h.status_texts] == ["All calendars up to date"], timeout=20000)
    assert h.app.tray.state == TrayState.IDLE and h.popups == []


def test_a_burst_of_failures_during_the_wake_grace_raises_no_notification(waking, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = waking
    staff, service, _booking = sample
    work = h.connect(staff.id, "Work", DOWN)
    book(h.services, staff.id, service.id, 9, 13)
    h.start()
    assert h.app.controller.status.failed_mappings == 3 and h.popups == []  # transient: silent

    # The lid closes for two hours; on waking the system cannot tell yet whether the network is back.
    h.app.controller.network.report(NetworkState.UNKNOWN, "reachability Local")
    h.clock.advance(120)
    qtbot.waitUntil(lambda: h.app.controller.connectivity.catching_up, timeout=20000)

    book(h.services, staff.id, service.id, 15, 17)
    h.drain()  # a burst: the old failures (two hours "old") and the new ones fail again
    h.app.controller.review_attention()
    assert h.app.controller.status.failed_mappings == 5
    assert h.popups == []
    assert h.app.tray.state != TrayState.ATTENTION

    h.calendars[work].clear_failures()
    h.app.controller.network.report(NetworkState.ONLINE, "reachability Online")
    qtbot.waitUntil(lambda: len(h.calendars[work].own_events()) == 5, timeout=20000)
    qtbot.waitUntil(lambda: not h.app.controller.connectivity.catching_up, timeout=20000)
    h.settle()
    h.app.controller.review_attention()
    assert h.popups == []  # never told, so no "all good" either
    assert [t.split(" · ")[0] for t in h.status_texts] == ["All calendars up to date"]
