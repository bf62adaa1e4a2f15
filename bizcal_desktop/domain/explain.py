"""Why a given start is, or is not, offered — in sentences a business owner can act on.

:func:`explain` checks one instant against exactly the rules :func:`~bizcal_desktop.domain.slots.
generate_slots` applies (the property tests hold the two to agreement) but, instead of stopping at
the first failure, it collects *every* reason, each with a structured code and, for overlaps, the
blocker responsible. It costs O(m) for m blockers, which is fine for one instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bizcal_desktop.domain.local_time import local_interval_to_utc, resolve_wall_time, wall_clock
from bizcal_desktop.domain.rules import Blocker, SchedulingRules, ServiceSpec
from bizcal_desktop.domain.slots import padded_blocker, padded_candidate
from bizcal_desktop.domain.time_range import ensure_aware_utc
from bizcal_desktop.domain.working_hours import WEEKDAY_NAMES, Interval


class ReasonCode(StrEnum):
    """Structured cause of a refusal; stable strings so the UI and CLI ``--json`` can rely on them."""

    OUTSIDE_HOURS = "outside_hours"
    NOT_ALIGNED = "not_aligned"
    REPEATED_LOCAL_TIME = "repeated_local_time"
    TOO_SOON = "too_soon"
    BEYOND_WINDOW = "beyond_window"
    OVERLAPS_BOOKING = "overlaps_booking"
    OVERLAPS_BUSY = "overlaps_busy"


@dataclass(frozen=True)
class Reason:
    """One reason a start is not offered: a code, one human sentence, and the blocker if any."""

    code: ReasonCode
    message: str
    blocker: Blocker | None = None


@dataclass(frozen=True)
class Explanation:
    """The verdict for one instant: offered iff there is no reason against it."""

    at: datetime
    reasons: list[Reason] = field(default_factory=list)

    @property
    def offered(self) -> bool:
        return not self.reasons


def format_duration(value: timedelta) -> str:
    """``timedelta(minutes=90)`` -> ``"1 h 30 min"``; whole minutes, which is what people configure."""
    total_minutes = int(value.total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def _local(instant: datetime, tz: ZoneInfo) -> str:
    """``2026-03-29 03:00 CEST`` — the abbreviation disambiguates DST days."""
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _local_clock(instant: datetime, tz: ZoneInfo) -> str:
    return f"{instant.astimezone(tz):%H:%M}"


def _buffer_text(rules: SchedulingRules, service: ServiceSpec) -> str:
    parts = []
    if rules.buffer_before or rules.buffer_after:
        parts.append(
            f"{format_duration(rules.buffer_before)} before and {format_duration(rules.buffer_after)} "
            "after it (business buffers)"
        )
    if service.buffer_before or service.buffer_after:
        parts.append(
            f"{format_duration(service.buffer_before)} before and {format_duration(service.buffer_after)} "
            "after this appointment (service buffers)"
        )
    if not parts:
        return ""
    return " plus " + " and ".join(parts)


def explain(
    rules: SchedulingRules,
    service: ServiceSpec,
    blockers: Sequence[Blocker],
    now: datetime,
    at: datetime,
) -> Explanation:
    """Whether an appointment starting at ``at`` would be offered and, if not, every reason why.

    The rules are those documented on :func:`~bizcal_desktop.domain.slots.generate_slots`;
    ``explain(...).offered`` is true exactly when ``at`` is among the starts ``generate_slots``
    returns for a date range that includes ``at``'s local date.
    """
    now = ensure_aware_utc(now)
    at = ensure_aware_utc(at)
    reasons = [
        *_working_hours_reasons(rules, service, at),
        *_notice_and_window_reasons(rules, now, at),
        *_overlap_reasons(rules, service, blockers, at),
    ]
    return Explanation(at=at, reasons=reasons)


def _working_hours_reasons(rules: SchedulingRules, service: ServiceSpec, at: datetime) -> list[Reason]:
    """Outside working hours, then off the start grid or the repeated reading of a DST fold."""
    tz = rules.tz
    wall = wall_clock(at, tz)
    day = wall.date()
    # The working interval this start belongs to is the one whose wall-clock range holds its reading.
    interval = next(
        (iv for iv in rules.working_hours.intervals_on(day.weekday()) if iv[0] <= wall.time() < iv[1]),
        None,
    )
    reasons: list[Reason] = []
    end = at + service.duration
    if not _fits_interval(interval, day, at, end, tz):
        reasons.append(_outside_hours_reason(rules, day, at, end))
    if interval is not None:
        grid_reason = _grid_reason(rules, interval[0], wall, at)
        if grid_reason is not None:
            reasons.append(grid_reason)
    return reasons


def _fits_interval(interval: Interval | None, day: date, at: datetime, end: datetime, tz: ZoneInfo) -> bool:
    if interval is None:
        return False
    open_at, close_at = local_interval_to_utc(day, interval[0], interval[1], tz)
    return open_at <= at and end <= close_at


def _outside_hours_reason(rules: SchedulingRules, day: date, at: datetime, end: datetime) -> Reason:
    tz = rules.tz
    weekday = day.weekday()
    hours_text = rules.working_hours.describe_day(weekday)
    when = f"{WEEKDAY_NAMES[weekday]} {day.isoformat()}"
    if hours_text == "closed":
        message = f"{when} is closed, so nothing can be booked at {_local(at, tz)}."
    else:
        message = (
            f"{_local_clock(at, tz)}–{_local_clock(end, tz)} is outside working hours on {when} "
            f"({hours_text})."
        )
    return Reason(ReasonCode.OUTSIDE_HOURS, message)


def _grid_reason(rules: SchedulingRules, opens: time, wall: datetime, at: datetime) -> Reason | None:
    """A start off the step grid of its interval, or the second reading of a repeated local time."""
    tz = rules.tz
    day = wall.date()
    grid_origin = datetime.combine(day, opens)
    if (wall - grid_origin) % rules.step:
        return Reason(
            ReasonCode.NOT_ALIGNED,
            f"{wall:%H:%M:%S} is not on the {format_duration(rules.step)} grid that starts at "
            f"{opens:%H:%M}; starts are offered at {opens:%H:%M} and every "
            f"{format_duration(rules.step)} after.",
        )
    if resolve_wall_time(wall, tz) != at:
        return Reason(
            ReasonCode.REPEATED_LOCAL_TIME,
            f"The clocks go back on {day.isoformat()}, so {wall:%H:%M} happens twice; only the "
            f"first {wall:%H:%M} ({_local(resolve_wall_time(wall, tz) or at, tz)}) is offered.",
        )
    return None


def _notice_and_window_reasons(rules: SchedulingRules, now: datetime, at: datetime) -> list[Reason]:
    tz = rules.tz
    reasons: list[Reason] = []
    earliest = now + rules.min_notice
    if at < earliest:
        reasons.append(
            Reason(
                ReasonCode.TOO_SOON,
                f"{_local(at, tz)} is too soon: bookings need {format_duration(rules.min_notice)} notice, "
                f"so the earliest start is {_local(earliest, tz)}.",
            )
        )
    horizon = now + rules.booking_window
    if at >= horizon:
        reasons.append(
            Reason(
                ReasonCode.BEYOND_WINDOW,
                f"{_local(at, tz)} is beyond the booking window: customers can book at most "
                f"{rules.window_days} days ahead, so starts must be before {_local(horizon, tz)}.",
            )
        )
    return reasons


def _overlap_reasons(
    rules: SchedulingRules, service: ServiceSpec, blockers: Sequence[Blocker], at: datetime
) -> list[Reason]:
    """One reason per blocker whose padded range meets the padded candidate, in time order."""
    candidate = padded_candidate(service, at)
    clashes = []
    for blocker in blockers:
        padded = padded_blocker(rules, blocker)
        if padded.start < padded.end and padded.overlaps(candidate):
            clashes.append(blocker)
    clashes.sort(key=lambda b: (b.range.start, b.range.end, b.ref))
    buffers = _buffer_text(rules, service)
    return [_overlap_reason(blocker, rules.tz, buffers) for blocker in clashes]


def _overlap_reason(blocker: Blocker, tz: ZoneInfo, buffers: str) -> Reason:
    start_local, end_local = blocker.range.start.astimezone(tz), blocker.range.end.astimezone(tz)
    end_text = (
        _local_clock(end_local, tz) if end_local.date() == start_local.date() else _local(end_local, tz)
    )
    span = f"{_local(start_local, tz)}–{end_text}"
    code = ReasonCode.OVERLAPS_BOOKING if blocker.kind == "booking" else ReasonCode.OVERLAPS_BUSY
    return Reason(code, f"Overlaps {blocker.label} ({span}){buffers}.", blocker)
