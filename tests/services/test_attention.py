"""The calm-alert rules on their own: plain objects in, decisions out, time from an injected clock."""

from __future__ import annotations

import logging

import pytest

from bizcal_desktop.services.attention import GRACE_SECONDS, Alert, AlertKind, AttentionTracker
from bizcal_desktop.services.status import ConnectionProblem, FailedWrite, StatusSummary
from bizcal_desktop.sync.drain_report import FailureKind, SyncEvent
from bizcal_desktop.sync.importer import ConflictEvent, ConnectionImport, ImportReport
from bizcal_desktop.sync.token_guardian import DeactivationEvent

WORK, HOME = 1, 2
NAMES = {WORK: "Work", HOME: "Home"}


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, minutes: float) -> None:
        self.seconds += minutes * 60


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tracker(clock: Clock) -> AttentionTracker:
    return AttentionTracker(clock=clock)


def failure(mapping: int, connection: int = WORK, kind: FailureKind = FailureKind.TRANSIENT) -> SyncEvent:
    return SyncEvent(mapping + 100, mapping, connection, "create", "failure", f"booking {mapping} failed", kind,
                     NAMES[connection])


def success(mapping: int, connection: int = WORK) -> SyncEvent:
    return SyncEvent(mapping + 100, mapping, connection, "create", "success", "written", None, NAMES[connection])


def store(failed: list[int] | None = None, connection: int = WORK,
          problems: list[ConnectionProblem] | None = None) -> StatusSummary:
    """What the status service reads after a drain: these mappings failed, these connections need the user."""
    writes = tuple(FailedWrite(m, m + 100, connection, NAMES[connection]) for m in failed or [])
    return StatusSummary(pending_jobs=0, failed_mappings=len(writes), synced_mappings=0, connections=2,
                         problems=list(problems or []), last_success_at=None, last_log_id=0, failed_writes=writes)


def needs(connection: int, status: str = "needs_reconnect") -> ConnectionProblem:
    return ConnectionProblem(connection, NAMES[connection], "Alice", status, "refused")


def drain(tracker: AttentionTracker, events: list[SyncEvent], after: StatusSummary) -> Alert | None:
    """One drain as the tray sees it: its events, then the store read afterwards, then one look."""
    for event in events:
        tracker.sync_event(event)
    tracker.observe(after)
    return tracker.evaluate()


def lasting_work_failures(tracker: AttentionTracker, clock: Clock, n: int = 3) -> Alert:
    assert drain(tracker, [failure(m) for m in range(1, n + 1)], store(list(range(1, n + 1)))) is None
    clock.advance(31)
    alert = tracker.evaluate()
    assert alert is not None
    return alert


def test_a_burst_of_transient_failures_is_silent(tracker, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="bizcal_desktop.services.attention")
    assert drain(tracker, [failure(m) for m in range(1, 51)], store(list(range(1, 51)))) is None
    clock.advance(29)
    assert tracker.evaluate() is None
    assert not tracker.attention and tracker.status_lines() == []
    assert "no notification for 50 transient failure(s)" in caplog.text
    assert "told if still failing after 30 min" in caplog.text


def test_a_failure_lasting_more_than_30_minutes_is_told_exactly_once(tracker, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="bizcal_desktop.services.attention")
    assert drain(tracker, [failure(1), failure(2)], store([1, 2])) is None
    clock.advance(30)
    assert tracker.evaluate() is None  # 30 min is not more than 30 min
    clock.advance(1)
    alert = tracker.evaluate()
    assert alert == Alert(AlertKind.NOTIFY, "Bookings missing from a calendar",
                          "2 bookings could not be written to 'Work' for 31 min: see Sync Log", "sync_log")
    assert "notification shown" in caplog.text
    # The same problem goes on, grows, and is looked at again and again: no second message.
    for minutes in (1, 10, 60):
        clock.advance(minutes)
        assert drain(tracker, [failure(3)], store([1, 2, 3])) is None
    assert tracker.attention
    assert [line.text for line in tracker.status_lines()] == [
        "3 bookings could not be written to 'Work' for 102 min: see Sync Log"
    ]


def test_a_second_problem_replaces_the_notice_with_a_summary(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    alerts = [lasting_work_failures(tracker, clock)]
    clock.advance(5)
    # Home's password is refused while Work still fails: one updated summary, not a second problem's pop-up.
    alerts.append(drain(tracker, [failure(9, HOME, FailureKind.NEEDS_USER)],
                        store([1, 2, 3], problems=[needs(HOME)])))
    replacement = alerts[-1]
    assert replacement is not None and replacement.kind is AlertKind.NOTIFY
    assert replacement.title == "BizCal needs your attention"
    assert replacement.body.splitlines() == [
        "Calendar 'Home' needs you: reconnect it in Calendar Integrations",
        "3 bookings could not be written to 'Work' for 36 min: see Sync Log",
    ]
    assert replacement.opens == "integrations"
    for _ in range(3):
        clock.advance(10)
        alerts.append(tracker.evaluate())
    assert [a for a in alerts if a is not None] == alerts[:2]


def test_recovery_clears_attention_and_says_all_good_once(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    lasting_work_failures(tracker, clock)
    assert tracker.attention
    alert = drain(tracker, [success(1), success(2), success(3)], store([]))
    assert alert is not None and alert.kind is AlertKind.ALL_GOOD
    assert alert.title == "All good again"
    assert not tracker.attention and tracker.status_lines() == []
    clock.advance(60)
    assert tracker.evaluate() is None


def test_the_store_is_the_truth_a_retry_elsewhere_clears_it_too(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    lasting_work_failures(tracker, clock)
    tracker.observe(store([]))  # a CLI retry fixed them: this process saw no event
    alert = tracker.evaluate()
    assert alert is not None and alert.kind is AlertKind.ALL_GOOD


def test_a_problem_solved_before_it_lasted_is_never_mentioned(tracker, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="bizcal_desktop.services.attention")
    assert drain(tracker, [failure(1)], store([1])) is None
    clock.advance(20)
    assert drain(tracker, [success(1)], store([])) is None
    clock.advance(60)
    assert tracker.evaluate() is None
    assert "cleared before they lasted: nothing was shown" in caplog.text


def test_a_connection_that_needs_reconnect_is_told_at_once(tracker) -> None:  # type: ignore[no-untyped-def]
    alert = drain(tracker, [failure(4, HOME, FailureKind.NEEDS_USER)], store([4], HOME, [needs(HOME)]))
    # Its failed write waits on the same fix: one line, not two.
    assert alert == Alert(AlertKind.NOTIFY, "A calendar connection needs you",
                          "Calendar 'Home' needs you: reconnect it in Calendar Integrations", "integrations")
    assert tracker.attention
    assert tracker.evaluate() is None


def test_a_connection_switched_off_by_the_guardian_is_told_at_once(tracker) -> None:  # type: ignore[no-untyped-def]
    tracker.deactivated(DeactivationEvent(HOME, "Home", "Alice", "switched off"))
    alert = tracker.evaluate()
    assert alert is not None
    assert alert.body == "Calendar 'Home' was switched off: reconnect it in Calendar Integrations"


def test_a_permanent_error_is_told_at_once(tracker) -> None:  # type: ignore[no-untyped-def]
    alert = drain(tracker, [failure(7, WORK, FailureKind.PERMANENT)], store([7]))
    assert alert is not None and alert.kind is AlertKind.NOTIFY
    assert alert.body == "A booking could not be written to 'Work': see Sync Log"
    assert drain(tracker, [], store([7])) is None


def test_offline_time_does_not_count(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    assert drain(tracker, [failure(1)], store([1])) is None
    clock.advance(10)
    tracker.set_online(False)
    clock.advance(120)  # the laptop was closed over lunch
    tracker.set_online(True)
    assert tracker.evaluate() is None
    clock.advance(20)  # 30 min online
    assert tracker.evaluate() is None
    clock.advance(2)
    alert = tracker.evaluate()
    assert alert is not None and "for 32 min" in alert.body


def test_a_busy_time_import_must_fail_in_attempts_spanning_30_minutes(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    def imported(ok: bool) -> None:
        tracker.import_report(ImportReport([ConnectionImport(WORK, "Work", ok=ok, message="timed out")]))

    imported(False)
    clock.advance(45)  # one failed read, nothing tried since: the next import may well work
    assert tracker.evaluate() is None
    imported(False)
    alert = tracker.evaluate()
    assert alert is not None and alert.body == "Busy times from 'Work' could not be read for 45 min: see Sync Log"
    imported(True)
    alert = tracker.evaluate()
    assert alert is not None and alert.kind is AlertKind.ALL_GOOD


def test_a_run_that_keeps_crashing_is_told_when_it_lasts(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    tracker.run_finished("drain", OSError("The disk is full: free some space"))
    clock.advance(31)
    tracker.run_finished("drain", OSError("The disk is full: free some space"))
    alert = tracker.evaluate()
    assert alert is not None
    assert alert.body == "Syncing bookings has failed for 31 min: The disk is full: free some space"


def test_a_double_booking_is_news_that_never_holds_attention(tracker, clock) -> None:  # type: ignore[no-untyped-def]
    tracker.conflict(ConflictEvent(5, WORK, "Alice", "Double-booked: booking 5 overlaps a busy time in Work"))
    alert = tracker.evaluate()
    assert alert is not None and alert.title == "Double booking"
    assert alert.body == "Double-booked: booking 5 overlaps a busy time in Work"
    assert not tracker.attention
    clock.advance(60)
    assert tracker.evaluate() is None  # no "all good": only the user can solve a double booking


def test_the_grace_time_is_30_minutes() -> None:
    assert GRACE_SECONDS == 30 * 60
