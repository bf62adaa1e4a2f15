"""Half-open time ranges over aware datetimes.

Every instant in the domain is timezone-aware; ranges are ``[start, end)`` so that two back-to-back
appointments (10:00-11:00 and 11:00-12:00) do not overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def ensure_aware_utc(value: datetime) -> datetime:
    """Return ``value`` converted to UTC; refuse naive datetimes, which are always a bug here."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: every instant must carry a zone")
    return value.astimezone(UTC)


@dataclass(frozen=True, order=True)
class TimeRange:
    """A half-open interval ``[start, end)`` of aware datetimes, held in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs timezone-aware datetimes")
        # Held in UTC: Python compares and subtracts two datetimes of the SAME zone by wall clock,
        # ignoring which pass of a repeated (fall-back) hour each is in, which gets durations and
        # overlaps wrong on DST days. In UTC there is no repeated hour.
        object.__setattr__(self, "start", ensure_aware_utc(self.start))
        object.__setattr__(self, "end", ensure_aware_utc(self.end))
        if self.end < self.start:
            raise ValueError(f"TimeRange ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: TimeRange) -> bool:
        return self.start < other.end and other.start < self.end

    def padded(self, before: timedelta, after: timedelta) -> TimeRange:
        """The range widened by a buffer on each side (used for buffer policies)."""
        return TimeRange(self.start - before, self.end + after)

    def to_utc(self) -> TimeRange:
        return TimeRange(ensure_aware_utc(self.start), ensure_aware_utc(self.end))
