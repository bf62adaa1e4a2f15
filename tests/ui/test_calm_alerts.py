"""Calm alerts through the real app: engine → controller → attention rules → tray pop-up and status line.

The services are the real ones; each connection's provider is an in-memory calendar whose failures a
test chooses (transient, permanent, refused credential), and the attention rules get a fake clock,
so "30 minutes later" is one line. ``QSystemTrayIcon.showMessage`` is replaced by a recorder: what
it received is exactly what the desktop would have shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from bizcal_desktop.app import DesktopApp
from bizcal_desktop.errors import AuthError, PermanentError, TransientError
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.providers.memory import MemoryProvider
from bizcal_desktop.ui.tasks import running_tasks
from bizcal_desktop.ui.tray import TrayState
from tests.support.connections import seed_connection
from tests.ui.conftest import run_async

WARNING = QSystemTrayIcon.MessageIcon.Warning
INFORMATION = QSystemTrayIcon.MessageIcon.Information
WORK_LASTING = "3 bookings could not be written to 'Work' for 31 min: see Sync Log"
HOME_NEEDS_YOU = "Calendar 'Home' needs you: reconnect it in Calendar Integrations"


class Clock:
    def __init__(self) -> None:
        self.seconds = 5000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, minutes: float) -> None:
        self.seconds += minutes * 60


class MemoryCalendars:
    """Hands the engine one in-memory calendar per connection, the same one on every drain."""

    def __init__(self) -> None:
        self.by_id: dict[int, MemoryProvider] = {}

    def build(self, info: ConnectionInfo) -> MemoryProvider:
        return self[info.id]

    def __getitem__(self, connection_id: int) -> MemoryProvider:
        return self.by_id.setdefault(connection_id, MemoryProvider(calendar_id=f"memory-{connection_id}"))


@dataclass
class Harness:
    app: DesktopApp
    clock: Clock
    calendars: MemoryCalendars
    services: object
    qtbot: object
    #: (title, body, icon, msecs) of every showMessage: what the desktop would have popped up.
    popups: list[tuple] = field(default_factory=list)  # type: ignore[type-arg]

    def connect(self, staff_id: int, name: str, failure: BaseException | None = None) -> int:
        connection = seed_connection(self.services, staff=staff_id, provider="caldav", display_name=name,
                                     secret="unused", server_url="memory:", calendar_id=name,
                                     calendar_href=name, calendar_name=name).id
        if failure is not None:
            self.calendars[connection].fail_always("upsert", failure)
        return connection

    def start(self) -> None:
        """Start the app as it starts (its first drain runs at once); nothing else runs by itself."""
        self.app.start()
        self.settle()

    def drain(self) -> None:
        """What the drain timer does, then wait for the status read after it (where alerts are decided)."""
        run_async(self.qtbot, self.app.controller.sync_now())
        self.settle()

    def settle(self) -> None:
        self.qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: not self.app.controller.syncing and not running_tasks(), timeout=20000
        )

    def a_minute_later(self, minutes: float) -> None:
        """The attention timer's look, ``minutes`` after the last one."""
        self.clock.advance(minutes)
        self.app.controller.review_attention()

    @property
    def tooltip(self) -> str:
        return self.app.tray.icon.toolTip()

    @property
    def status_texts(self) -> list[str]:
        return [a.text() for a in self.app.tray.status_actions]


@pytest.fixture
def harness(qloop, qtbot, services, monkeypatch):  # type: ignore[no-untyped-def]
    calendars = MemoryCalendars()
    monkeypatch.setattr(services.providers, "build", calendars.build)
    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    clock = Clock()
    app = DesktopApp(services, clock=clock)
    h = Harness(app, clock, calendars, services, qtbot)
    app.tray.icon.showMessage = lambda *args: h.popups.append(args)  # type: ignore[method-assign]
    for timer in app.controller.scheduler.names:  # after the first drain, only the test drains
        app.controller.scheduler.set_interval(timer, 3600)
    yield h
    run_async(qtbot, app.controller.scheduler.stop(grace=10))
    app.windows.close_all()


def book(services, staff_id: int, service_id: int, *hours: int) -> None:  # type: ignore[no-untyped-def]
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    for hour in hours:
        services.bookings.add(staff_id, service_id, f"Customer {hour}", f"{day.isoformat()}T{hour:02d}:00")


def told_about_lasting_work_failures(h: Harness, sample) -> int:  # type: ignore[no-untyped-def]
    staff, service, _booking = sample
    work = h.connect(staff.id, "Work", TransientError("The calendar server did not answer"))
    book(h.services, staff.id, service.id, 9, 13)
    h.start()
    assert h.popups == []
    h.a_minute_later(31)
    assert h.popups == [("Bookings missing from a calendar", WORK_LASTING, WARNING, 15000)]
    return work


def test_a_burst_of_transient_failures_raises_no_notification(harness, sample, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="bizcal_desktop.services.attention")
    staff, service, _booking = sample
    harness.connect(staff.id, "Work", TransientError("The calendar server did not answer"))
    book(harness.services, staff.id, service.id, 9, 11, 13, 15)
    harness.start()
    harness.a_minute_later(29)
    harness.drain()
    assert harness.app.controller.status.failed_mappings == 5
    assert harness.popups == []
    assert harness.app.tray.state == TrayState.IDLE
    assert harness.status_texts == ["5 bookings not written yet; you will be told if it lasts"]
    assert "no notification for 5 transient failure(s)" in caplog.text


def test_a_failure_lasting_more_than_30_minutes_raises_exactly_one(harness, sample) -> None:  # type: ignore[no-untyped-def]
    told_about_lasting_work_failures(harness, sample)
    assert harness.app.tray.state == TrayState.ATTENTION
    assert WORK_LASTING in harness.tooltip
    assert harness.status_texts == [WORK_LASTING]
    for minutes in (1, 5, 30):
        harness.a_minute_later(minutes)
        harness.drain()
    assert len(harness.popups) == 1
    assert harness.status_texts == ["3 bookings could not be written to 'Work' for 67 min: see Sync Log"]


def test_a_second_problem_replaces_the_notification_with_a_summary(harness, sample) -> None:  # type: ignore[no-untyped-def]
    told_about_lasting_work_failures(harness, sample)
    bob = harness.services.directory.add_staff("Bob Example", "Europe/Berlin")
    harness.connect(bob.id, "Home", AuthError("The password was refused"))
    book(harness.services, bob.id, sample[1].id, 10)
    harness.drain()
    summary = ("BizCal needs your attention", f"{HOME_NEEDS_YOU}\n{WORK_LASTING}", WARNING, 15000)
    assert harness.popups[1:] == [summary]
    harness.drain()
    harness.a_minute_later(10)
    assert len(harness.popups) == 2  # the first and its one replacement
    assert harness.status_texts == [HOME_NEEDS_YOU, WORK_LASTING.replace("31 min", "41 min")]


def test_recovery_clears_the_attention_and_the_tooltip(harness, sample) -> None:  # type: ignore[no-untyped-def]
    work = told_about_lasting_work_failures(harness, sample)
    harness.calendars[work].clear_failures()
    harness.services.recovery.retry_failed()
    harness.drain()
    assert harness.app.controller.status.failed_mappings == 0
    assert harness.app.tray.state == TrayState.IDLE
    assert "could not be written" not in harness.tooltip
    assert "All calendars up to date" in harness.tooltip
    assert [t.split(" · ")[0] for t in harness.status_texts] == ["All calendars up to date"]
    assert harness.popups[1:] == [
        ("All good again", "The calendar problems are solved; BizCal is syncing normally.", INFORMATION, 5000)
    ]
    harness.a_minute_later(60)
    assert len(harness.popups) == 2


def test_a_connection_that_needs_reconnect_is_told_at_once(harness, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    staff, _service, _booking = sample
    harness.connect(staff.id, "Home", AuthError("The password was refused"))
    harness.start()
    assert harness.popups == [("A calendar connection needs you", HOME_NEEDS_YOU, WARNING, 15000)]
    assert harness.app.tray.state == TrayState.ATTENTION
    harness.drain()
    harness.a_minute_later(45)
    assert len(harness.popups) == 1
    # The status line's entry opens where it is fixed.
    harness.app.tray.status_actions[0].trigger()
    window = harness.app.windows.windows["integrations"]
    assert window.isVisible()
    qtbot.waitUntil(lambda: not getattr(window, "refreshing", False))


def test_a_permanent_error_is_told_at_once(harness, sample) -> None:  # type: ignore[no-untyped-def]
    staff, _service, _booking = sample
    harness.connect(staff.id, "Work", PermanentError("The calendar refused the event"))
    harness.start()
    assert harness.popups == [
        ("Bookings missing from a calendar", "A booking could not be written to 'Work': see Sync Log", WARNING, 15000)
    ]
    harness.drain()
    harness.a_minute_later(45)
    assert len(harness.popups) == 1
