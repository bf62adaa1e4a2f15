"""Slot generation: which appointment starts a customer may be offered.

Pure interval arithmetic over the value types in :mod:`~bizcal_desktop.domain.rules`; the
local-time rules on DST days come from :mod:`~bizcal_desktop.domain.local_time`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

from bizcal_desktop.domain.local_time import local_interval_to_utc, resolve_wall_time
from bizcal_desktop.domain.rules import Blocker, SchedulingRules, ServiceSpec
from bizcal_desktop.domain.time_range import TimeRange, ensure_aware_utc


def padded_blocker(rules: SchedulingRules, blocker: Blocker) -> TimeRange:
    """A blocker widened by the business buffer policy: ``[start - buffer_before, end + buffer_after)``."""
    return blocker.range.padded(rules.buffer_before, rules.buffer_after)


def padded_candidate(service: ServiceSpec, start: datetime) -> TimeRange:
    """A candidate appointment widened by the service's own buffers."""
    return TimeRange(start - service.buffer_before, start + service.duration + service.buffer_after)


class BusyTimeline:
    """Padded blockers merged once into sorted disjoint UTC intervals, queried by bisection.

    Building costs O(m log m) for m blockers; each query costs O(log m). Empty ranges cover no
    instant and are dropped, so a zero-length blocker with no buffers blocks nothing. Internally the
    ranges are plain ``(start, end)`` tuples: sorting 10,000 tuples of datetimes is several times
    faster than sorting dataclasses, and this is the hot path of every availability query.
    """

    def __init__(self, ranges: Iterable[TimeRange]) -> None:
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._merge((ensure_aware_utc(r.start), ensure_aware_utc(r.end)) for r in ranges)

    @classmethod
    def from_blockers(cls, rules: SchedulingRules, blockers: Iterable[Blocker]) -> BusyTimeline:
        """The blockers padded by the business buffers (``Blocker`` ranges are UTC already)."""
        before, after = rules.buffer_before, rules.buffer_after
        timeline = cls(())
        timeline._merge((b.range.start - before, b.range.end + after) for b in blockers)
        return timeline

    def _merge(self, pairs: Iterable[tuple[datetime, datetime]]) -> None:
        starts, ends = self._starts, self._ends
        for start, end in sorted(pairs):
            if start >= end:
                continue
            if ends and start <= ends[-1]:
                # Overlapping or touching: [a, b) and [b, c) cover the same instants as [a, c).
                if end > ends[-1]:
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)

    def __len__(self) -> int:
        return len(self._starts)

    def overlaps(self, span: TimeRange) -> bool:
        """Whether the non-empty ``span`` shares an instant with any merged busy interval."""
        return self.overlaps_between(ensure_aware_utc(span.start), ensure_aware_utc(span.end))

    def overlaps_between(self, start: datetime, end: datetime) -> bool:
        """:meth:`overlaps` for a UTC ``[start, end)`` given as two instants (no object to build)."""
        index = bisect_right(self._ends, start)  # first interval that ends after ``start``
        return index < len(self._starts) and self._starts[index] < end


def iter_in_hours_starts(
    rules: SchedulingRules,
    duration: timedelta,
    start_date: date,
    days: int,
    *,
    not_before: datetime | None = None,
    before: datetime | None = None,
) -> Iterator[datetime]:
    """Yield, in increasing order, every UTC start on the step grid whose appointment fits working hours.

    For each local date ``start_date + i`` (``0 <= i < days``) and each working interval
    ``[ws, we)`` of that weekday, the wall-clock grid is ``ws, ws + step, ...`` (while ``< we``).
    A grid reading that the clock skips is dropped; a repeated one is taken once, at its first
    occurrence (see :mod:`~bizcal_desktop.domain.local_time`). The start ``s`` is kept iff
    ``[s, s + duration)`` in *elapsed* time lies inside the interval's UTC span. ``not_before`` and
    ``before`` only let the caller skip days that cannot matter; they do not filter single starts.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}.")
    tz = rules.tz
    step = rules.step
    # Local days are at most ~26 h plus the largest offset jump; a two-day margin is plenty.
    margin = timedelta(days=2)
    for offset in range(days):
        day = start_date + timedelta(days=offset)
        intervals = rules.working_hours.intervals_on(day.weekday())
        if not intervals:
            continue
        if not_before is not None or before is not None:
            midnight = datetime.combine(day, datetime.min.time()).replace(tzinfo=tz)
            if before is not None and midnight - margin >= before:
                break
            if not_before is not None and midnight + margin < not_before:
                continue
        for start_time, end_time in intervals:
            open_at, close_at = local_interval_to_utc(day, start_time, end_time, tz)
            latest_start = close_at - duration
            wall = datetime.combine(day, start_time)
            wall_end = datetime.combine(day, end_time)
            while wall < wall_end:
                start = resolve_wall_time(wall, tz)
                if start is not None:
                    if start > latest_start:
                        break
                    if start >= open_at:
                        yield start
                wall += step


def generate_slots(
    rules: SchedulingRules,
    service: ServiceSpec,
    blockers: Sequence[Blocker],
    now: datetime,
    start_date: date,
    days: int,
) -> list[TimeRange]:
    """The appointments ``[s, s + service.duration)`` a customer may book, sorted, in UTC.

    Candidates: for each local date ``start_date, ..., start_date + days - 1`` in ``rules.zone``,
    starts on the wall-clock grid ``ws + k * rules.step`` (``k >= 0``) of each working interval
    ``[ws, we)`` of that weekday. A candidate start ``s`` is offered iff all hold:

    1. **Working hours**: ``[s, s + duration)`` lies inside the UTC span of that working interval,
       measured in elapsed time (so a slot is always ``duration`` long, even across a DST change).
       The span runs from the first instant the clock reads ``ws`` to the first instant it reads
       ``we`` (a skipped reading means the transition instant).
    2. **DST**: a grid reading the clock skips (spring forward) is never a start; a reading the
       clock shows twice (fall back) is offered once, at its first occurrence (``fold=0``), so
       customers never see the same local start twice.
    3. **Notice and window**: ``now + rules.min_notice <= s < now + rules.window_days days``.
    4. **Free**: the candidate padded by the service's buffers,
       ``[s - service.buffer_before, s + duration + service.buffer_after)``, shares no instant with
       any blocker padded by the business buffers,
       ``[b.start - rules.buffer_before, b.end + rules.buffer_after)``. Ranges are half-open, so a
       padded candidate may end exactly where a padded blocker starts; an empty padded blocker
       covers no instant and blocks nothing.

    Cost: O(m log m) to sort and merge the m padded blockers once, then O(log m) per candidate.
    """
    now = ensure_aware_utc(now)
    earliest = now + rules.min_notice
    horizon = now + rules.booking_window
    busy = BusyTimeline.from_blockers(rules, blockers)
    duration = service.duration
    reach_before = service.buffer_before
    reach_after = duration + service.buffer_after
    slots: list[TimeRange] = []
    for start in iter_in_hours_starts(
        rules, service.duration, start_date, days, not_before=earliest, before=horizon
    ):
        if start < earliest or start >= horizon:
            continue
        if busy.overlaps_between(start - reach_before, start + reach_after):
            continue
        slots.append(TimeRange(start, start + duration))
    slots.sort()  # already in order; sorting keeps the promise even for exotic zone histories
    return slots
