"""Value types the slot generator works on: the business's rules, a service, and what blocks time.

They validate themselves on construction so that the algorithms in :mod:`~bizcal_desktop.domain.slots`
and :mod:`~bizcal_desktop.domain.explain` can trust them (positive durations, non-negative buffers,
a real IANA zone, UTC blockers) instead of re-checking at every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.domain.working_hours import WorkingHours

BlockerKind = Literal["booking", "busy"]
BLOCKER_KINDS: tuple[str, ...] = ("booking", "busy")


def _require_non_negative(name: str, value: timedelta) -> None:
    if not isinstance(value, timedelta):
        raise ValueError(f"{name} must be a timedelta, got {value!r}.")
    if value < timedelta(0):
        raise ValueError(f"{name} must not be negative, got {value}; use 0 for no {name.replace('_', ' ')}.")


def _require_positive(name: str, value: timedelta) -> None:
    if not isinstance(value, timedelta):
        raise ValueError(f"{name} must be a timedelta, got {value!r}.")
    if value <= timedelta(0):
        raise ValueError(f"{name} must be longer than zero, got {value}.")


def load_zone(name: str) -> ZoneInfo:
    """``ZoneInfo(name)``, with a ``ValueError`` that says what to write instead of a ``KeyError``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(
            f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'America/New_York'."
        ) from exc


@dataclass(frozen=True)
class SchedulingRules:
    """How a business (or one staff member) offers time to customers.

    ``buffer_before``/``buffer_after`` are the business buffer policy: they widen every existing
    booking and every busy block, so a customer cannot book right up against them. ``step`` is the
    spacing of offered starts in local wall time, counted from the start of each working interval.
    ``min_notice`` is how soon a booking may start; ``window_days`` how far ahead (in elapsed days
    from now) a booking may start.
    """

    zone: str
    working_hours: WorkingHours
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(0)
    window_days: int = 60

    def __post_init__(self) -> None:
        load_zone(self.zone)
        if not isinstance(self.working_hours, WorkingHours):
            raise ValueError(f"working_hours must be WorkingHours, got {type(self.working_hours).__name__}.")
        _require_non_negative("buffer_before", self.buffer_before)
        _require_non_negative("buffer_after", self.buffer_after)
        _require_positive("step", self.step)
        _require_non_negative("min_notice", self.min_notice)
        if (
            isinstance(self.window_days, bool)
            or not isinstance(self.window_days, int)
            or self.window_days < 0
        ):
            raise ValueError(f"window_days must be a whole number of days >= 0, got {self.window_days!r}.")

    @property
    def tz(self) -> ZoneInfo:
        """The zone as a :class:`ZoneInfo` (cached by :mod:`zoneinfo` itself)."""
        return ZoneInfo(self.zone)

    @property
    def booking_window(self) -> timedelta:
        return timedelta(days=self.window_days)


@dataclass(frozen=True)
class ServiceSpec:
    """What a customer books: how long it takes and the service's own preparation/clean-up time.

    The service buffers widen the *candidate* appointment, the business buffers (in
    :class:`SchedulingRules`) widen existing blockers; both apply at once.
    """

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        _require_positive("duration", self.duration)
        _require_non_negative("buffer_before", self.buffer_before)
        _require_non_negative("buffer_after", self.buffer_after)


@dataclass(frozen=True)
class Blocker:
    """A span of time that is taken: an existing booking or a busy block imported from a calendar.

    ``range`` is normalised to UTC on construction, so blockers read from any provider in any zone
    compare correctly. ``label`` is the human name used in explanations ("Booking 12 (Massage –
    Emma)", "Busy block from iCloud – Mark"); ``ref`` is the id of the row it came from. Cancelled
    bookings are simply not passed in, which is what reopens their time.
    """

    range: TimeRange
    kind: BlockerKind
    label: str
    ref: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.range, TimeRange):
            raise ValueError(f"Blocker range must be a TimeRange, got {type(self.range).__name__}.")
        if self.kind not in BLOCKER_KINDS:
            raise ValueError(f"Blocker kind must be 'booking' or 'busy', got {self.kind!r}.")
        object.__setattr__(self, "range", self.range.to_utc())
