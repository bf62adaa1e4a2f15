"""The coalescing rules, without Qt."""

from bizcal_desktop.ui.coalescer import NotificationCoalescer, ProblemKind


def test_a_burst_of_fifty_failures_is_one_notice() -> None:
    c = NotificationCoalescer()
    for i in range(50):
        c.add(ProblemKind.SYNC_FAILED, f"booking:{i}", f"booking {i} failed")
    notice = c.flush()
    assert notice is not None
    assert notice.body == "50 bookings failed to sync"
    assert notice.count == 50
    assert notice.kinds == {ProblemKind.SYNC_FAILED}
    assert c.flush() is None


def test_one_failure_says_what_failed() -> None:
    c = NotificationCoalescer()
    c.add(ProblemKind.SYNC_FAILED, "booking:7", "Could not create the event of booking 7: refused")
    notice = c.flush()
    assert notice is not None and notice.body == "Could not create the event of booking 7: refused"
    assert notice.title == "Calendar sync failed"


def test_the_same_booking_failing_twice_counts_once() -> None:
    c = NotificationCoalescer()
    c.add(ProblemKind.SYNC_FAILED, "booking:1", "first")
    c.add(ProblemKind.SYNC_FAILED, "booking:1", "second")
    c.add(ProblemKind.SYNC_FAILED, "booking:2", "third")
    notice = c.flush()
    assert notice is not None and notice.body == "2 bookings failed to sync"


def test_mixed_problems_share_one_notice_with_a_line_each() -> None:
    c = NotificationCoalescer()
    c.add(ProblemKind.CONNECTION_DOWN, "connection:1", "iCloud of Alice is deactivated")
    c.add(ProblemKind.CONFLICT, "log:1", "a")
    c.add(ProblemKind.CONFLICT, "log:2", "b")
    notice = c.flush()
    assert notice is not None
    assert notice.title == "BizCal needs your attention"
    assert notice.body.splitlines() == ["iCloud of Alice is deactivated", "2 double bookings found"]
    assert notice.kinds == {ProblemKind.CONNECTION_DOWN, ProblemKind.CONFLICT}
