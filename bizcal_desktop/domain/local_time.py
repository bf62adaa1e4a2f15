"""Local wall-clock time <-> UTC instants, with the DST rules the slot generator relies on.

Working hours and the slot grid live in local wall time, bookings and busy blocks in UTC. On the
two days a year when clocks change, wall time is not a one-to-one picture of elapsed time:

* **Skipped times** (spring forward, e.g. 02:00-02:59 in Europe/Berlin on 2026-03-29) never appear
  on the clock. :func:`resolve_wall_time` returns ``None`` for them, so no slot starts there, while
  :func:`first_instant_at_or_after` maps them to the moment the clock jumps past them — a shift
  that "starts at 02:30" starts when the clock first shows 02:30 or later, i.e. at 03:00.
* **Repeated times** (fall back, e.g. 01:00-01:59 in America/New_York on 2026-11-01) appear twice.
  Both functions take the *first* occurrence (``fold=0``): a person who starts at 01:30 starts the
  first time the clock reads 01:30, and customers never see the same wall-clock start offered twice.

Everything here is pure: it only asks :mod:`zoneinfo` for offsets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def wall_clock(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of ``instant`` in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def is_repeated_wall_time(instant: datetime, tz: ZoneInfo) -> bool:
    """True when the clock in ``tz`` reads the same at ``instant`` as at another instant.

    That is the repeated hour of a fall-back night (02:30 twice in Europe/Berlin on 2027-10-31): a
    wall time with a zone name (iCalendar's ``TZID``, Graph's ``timeZone``) cannot say which of the
    two is meant, and readers take the first. Writers must give such an instant in UTC instead.
    """
    local = instant.astimezone(tz)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def resolve_wall_time(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC instant at which the clock in ``tz`` first reads ``wall``, or ``None`` if it never does.

    ``wall`` is naive. A skipped reading gives ``None``; a repeated one gives its first occurrence.
    """
    if wall.tzinfo is not None:
        raise ValueError(f"resolve_wall_time needs a naive wall-clock time, got {wall!r}")
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if wall_clock(instant, tz) != wall.replace(fold=0):
        return None
    return instant


def first_instant_at_or_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first UTC instant at which the clock in ``tz`` reads ``wall`` or, if it skips it, later.

    This is how working-interval bounds become instants: for an existing reading it is
    :func:`resolve_wall_time`; for a skipped reading it is the transition instant itself (found by
    bisection over whole seconds, because zone transitions happen on whole seconds). Using the
    transition rather than :pep:`495`'s default (which would move 02:30 to 03:30) keeps the part of a
    working interval that does exist, e.g. "02:30-04:00" on a spring-forward night is 03:00-04:00.
    """
    exact = resolve_wall_time(wall, tz)
    if exact is not None:
        return exact
    # In a gap the two folds use the offsets from either side of the transition and so land on
    # either side of it; the clock reads before ``wall`` at ``low`` and after it at ``high``.
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    low = low.replace(microsecond=0)
    steps = int((high - low).total_seconds()) + 1
    lo, hi = 0, steps  # invariant: the clock reads before ``wall`` at lo, at/after it at hi
    if wall_clock(low, tz) >= wall:
        return low
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall_clock(low + timedelta(seconds=mid), tz) >= wall:
            hi = mid
        else:
            lo = mid
    return low + timedelta(seconds=hi)


def local_interval_to_utc(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC ``[start, end)`` of a local working interval on ``day`` (see module docstring)."""
    return (
        first_instant_at_or_after(datetime.combine(day, start), tz),
        first_instant_at_or_after(datetime.combine(day, end), tz),
    )


def local_midnight_utc(day: date, zone: str) -> datetime:
    """The UTC instant at which ``day`` starts in ``zone`` (the day's first wall-clock moment)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
