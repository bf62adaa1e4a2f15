"""What the Availability picture shows for one staff member and service, day by day (no Qt).

Loaded in a worker thread through the availability and settings services, so the picture, the
slot picker and ``bizcal slots`` all come from the same rules: working hours, bookings, busy
blocks per calendar, buffers (the business policy around every blocker), and the free slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bizcal_desktop.domain.local_time import local_interval_to_utc, local_midnight_utc
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.wiring import Services


@dataclass(frozen=True)
class Block:
    range: TimeRange
    label: str
    #: "booking" | "busy"; busy blocks carry their calendar's index for a colour of its own.
    kind: str
    calendar: int = 0


@dataclass
class TimelineDay:
    day: date
    start: datetime  #: local midnight (UTC)
    end: datetime  #: next local midnight (UTC)
    open: list[TimeRange] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    buffers: list[TimeRange] = field(default_factory=list)
    slots: list[TimeRange] = field(default_factory=list)


@dataclass
class Timeline:
    staff_id: int
    service_id: int
    zone: str
    days: list[TimelineDay]
    calendars: list[str]  #: index -> connection name (busy block colours, the legend)
    slot_minutes: int


def load_timeline(services: Services, staff_id: int, service_id: int, start_day: date, days: int) -> Timeline:
    """Everything the picture needs for ``days`` days from ``start_day`` (runs in a worker thread)."""
    staff = services.directory.find_staff(staff_id)
    service = services.directory.find_service(service_id)
    business = services.settings.get()
    hours = services.settings.hours_for(staff.id)
    tz = ZoneInfo(staff.timezone)
    before = timedelta(minutes=business.buffer_before_minutes)
    after = timedelta(minutes=business.buffer_after_minutes)
    start = local_midnight_utc(start_day, staff.timezone)
    end = local_midnight_utc(start_day + timedelta(days=days), staff.timezone)
    bookings = services.bookings.list(staff.id, start, end)
    busy = services.availability.busy_blocks(staff.id, start, end)
    slots = services.availability.slots(staff.id, service.id, start_day, days)
    calendars: list[str] = []
    for b in busy:
        if b.connection_name not in calendars:
            calendars.append(b.connection_name)
    result: list[TimelineDay] = []
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        d = TimelineDay(
            day,
            local_midnight_utc(day, staff.timezone),
            local_midnight_utc(day + timedelta(days=1), staff.timezone),
        )
        for open_start, open_end in hours.intervals_on(day.weekday()):
            a, z = local_interval_to_utc(day, open_start, open_end if open_end != time(0) else time.max, tz)
            if z > a:
                d.open.append(TimeRange(a, z))
        for b in bookings:
            r = TimeRange(b.start, b.end)
            if r.start < d.end and r.end > d.start:
                d.blocks.append(Block(r, f"{b.service_name} – {b.customer_name}", "booking"))
                d.buffers.append(r.padded(before, after))
        for blk in busy:
            r = TimeRange(blk.start, blk.end)
            if r.start < d.end and r.end > d.start:
                label = f"Busy – {blk.title}" if blk.title else f"Busy ({blk.connection_name})"
                d.blocks.append(Block(r, label, "busy", calendars.index(blk.connection_name)))
                d.buffers.append(r.padded(before, after))
        d.slots = [s for s in slots if d.start <= s.start < d.end]
        result.append(d)
    return Timeline(staff.id, service.id, staff.timezone, result, calendars, service.duration_minutes)
