"""A business's weekly working hours, as local wall-clock intervals per weekday.

Working hours are written in *local wall time* ("09:00-17:00") on purpose: a salon opens at nine
whatever the UTC offset is that week. Turning them into instants is the job of
:mod:`bizcal_desktop.domain.local_time`; this module only holds, validates and (de)serialises them.

The stored form is a small JSON-friendly dict, e.g.::

    {"mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-17:00"], "sun": []}

A day that is missing or has an empty list is closed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of the stored dict, index = ``date.weekday()`` (0 = Monday)."""

WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

Interval = tuple[time, time]
"""A local ``[start, end)`` wall-clock interval within one day."""

_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def _format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def format_interval(interval: Interval) -> str:
    """``(09:00, 17:00)`` -> ``"09:00-17:00"``, the stored and displayed form."""
    return f"{_format_time(interval[0])}-{_format_time(interval[1])}"


def _parse_clock(hour: str, minute: str, text: str, day: str) -> time:
    h, m = int(hour), int(minute)
    if h == 24 and m == 0:
        raise ValueError(
            f"Working hours for {day!r} use 24:00 in {text!r}; end the day at 23:59 instead, "
            "because an interval must end on the same day it starts."
        )
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"Working hours for {day!r} contain an impossible time in {text!r}; use HH:MM.")
    return time(h, m)


def _parse_interval(text: object, day: str) -> Interval:
    if not isinstance(text, str):
        raise ValueError(f"Working hours for {day!r} must be strings like '09:00-17:00', not {text!r}.")
    match = _INTERVAL_RE.match(text)
    if match is None:
        raise ValueError(f"Working hours for {day!r} have {text!r}; write intervals as 'HH:MM-HH:MM'.")
    start = _parse_clock(match.group(1), match.group(2), text, day)
    end = _parse_clock(match.group(3), match.group(4), text, day)
    return start, end


def _normalise_day(intervals: Sequence[Interval], day: str) -> tuple[Interval, ...]:
    """Validate one day's intervals, sort them and merge the ones that touch.

    Overlapping intervals are refused (they are almost always a typo such as 09:00-13:00 next to
    12:00-17:00) while touching ones (09:00-12:00, 12:00-17:00) are merged, because a slot that
    crosses the seam is plainly inside working hours and must not be refused for it.
    """
    cleaned: list[Interval] = []
    for interval in intervals:
        if len(interval) != 2:
            raise ValueError(f"Working hours for {day!r} need (start, end) pairs, got {interval!r}.")
        start, end = interval
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"Working hours for {day!r} need datetime.time values, got {interval!r}.")
        for value in (start, end):
            if value.tzinfo is not None:
                raise ValueError(
                    f"Working hours for {day!r} must be local wall-clock times without a zone; "
                    "the zone belongs to the scheduling rules."
                )
            if value.second or value.microsecond:
                raise ValueError(f"Working hours for {day!r} must be whole minutes, got {value!r}.")
        if not start < end:
            raise ValueError(
                f"Working hours for {day!r} have {format_interval(interval)}, which ends before it starts; "
                "split an overnight shift into two days."
            )
        cleaned.append((start, end))
    cleaned.sort()
    merged: list[Interval] = []
    for start, end in cleaned:
        if merged and start < merged[-1][1]:
            raise ValueError(
                f"Working hours for {day!r} overlap: {format_interval(merged[-1])} and "
                f"{format_interval((start, end))}; merge them into one interval."
            )
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class WorkingHours:
    """Seven days (index 0 = Monday) of sorted, disjoint local ``[start, end)`` intervals.

    Construct it directly with ``datetime.time`` pairs or with :meth:`from_dict` from the stored
    form; either way the intervals are validated and normalised, so two equal schedules compare
    equal.
    """

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"Working hours need exactly 7 days (Monday first), got {len(self.days)}.")
        normalised = tuple(
            _normalise_day(intervals, WEEKDAY_KEYS[index]) for index, intervals in enumerate(self.days)
        )
        object.__setattr__(self, "days", normalised)

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[str]]) -> WorkingHours:
        """Build from ``{"mon": ["09:00-12:00", ...], ...}``; missing days are closed."""
        if not isinstance(data, Mapping):
            raise ValueError(
                f"Working hours must be a mapping of weekday to intervals, not {type(data).__name__}."
            )
        days: list[list[Interval]] = [[] for _ in WEEKDAY_KEYS]
        for raw_key, raw_intervals in data.items():
            key = str(raw_key).strip().lower()
            if key not in WEEKDAY_KEYS:
                raise ValueError(
                    f"Unknown weekday {raw_key!r} in working hours; use one of {', '.join(WEEKDAY_KEYS)}."
                )
            if isinstance(raw_intervals, str) or not isinstance(raw_intervals, Sequence):
                raise ValueError(
                    f"Working hours for {key!r} must be a list such as ['09:00-17:00'], "
                    f"not {raw_intervals!r}."
                )
            days[WEEKDAY_KEYS.index(key)].extend(_parse_interval(text, key) for text in raw_intervals)
        return cls(tuple(tuple(day) for day in days))

    def to_dict(self) -> dict[str, list[str]]:
        """The stored form, every weekday present (closed days as ``[]``) so the JSON is self-explaining."""
        return {
            key: [format_interval(interval) for interval in self.days[index]]
            for index, key in enumerate(WEEKDAY_KEYS)
        }

    def intervals_on(self, weekday: int) -> tuple[Interval, ...]:
        """The intervals of ``weekday`` (0 = Monday), sorted and disjoint."""
        return self.days[weekday]

    def describe_day(self, weekday: int) -> str:
        """Human text for one day's hours, e.g. ``"09:00–12:00, 13:00–17:00"`` or ``"closed"``."""
        intervals = self.days[weekday]
        if not intervals:
            return "closed"
        return ", ".join(f"{_format_time(s)}–{_format_time(e)}" for s, e in intervals)
