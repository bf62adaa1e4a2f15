"""Availability: the picture holds the day's hours, bookings, busy blocks, buffers and free slots;
hovering explains a blocked time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint

from bizcal_desktop.ui.availability_window import AvailabilityWindow
from bizcal_desktop.ui.controller import DesktopController
from tests.ui.conftest import run_async


def next_monday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=3)
    return day + timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def window(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
    service = services.directory.add_service("Haircut", 60)
    services.settings.update(buffer_after_minutes=15)
    day = next_monday()
    services.bookings.add(staff.id, service.id, "Carla Customer", f"{day.isoformat()}T10:00")
    w = AvailabilityWindow(DesktopController(services))
    qtbot.addWidget(w)
    w.day_button.setChecked(True)
    w.set_day(day)
    w.resize(1000, 400)
    w.show()
    qtbot.waitUntil(lambda: w.timeline is not None and w.timeline.days[0].day == day and not w.refreshing)
    return w


def test_picture_holds_hours_bookings_buffers_and_free_slots(window: AvailabilityWindow) -> None:
    [day] = window.timeline.days
    tz = ZoneInfo("Europe/Berlin")
    assert [(f"{r.start.astimezone(tz):%H:%M}", f"{r.end.astimezone(tz):%H:%M}") for r in day.open] == [
        ("09:00", "17:00")
    ]
    [booking] = [b for b in day.blocks if b.kind == "booking"]
    assert booking.label == "Haircut – Carla Customer"
    [buffer] = day.buffers
    assert buffer.end - booking.range.end == timedelta(minutes=15)
    starts = {f"{s.start.astimezone(tz):%H:%M}" for s in day.slots}
    assert "09:00" in starts and "10:00" not in starts and "11:00" not in starts
    assert window.picture.grab().width() > 0


def test_hovering_a_booked_time_says_why(window: AvailabilityWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    [day] = window.timeline.days
    [booking] = [b for b in day.blocks if b.kind == "booking"]
    x = int(window.picture._x(day, booking.range.start + timedelta(minutes=20), ZoneInfo("Europe/Berlin")))
    at = window.picture.instant_at(QPoint(x, 24 + 20))
    assert at is not None
    text = run_async(qtbot, window.explain(at))
    assert "booking" in text.lower()
    assert window.explanation.text() == text
