"""Turns bursts of problems into one message (no Qt here, so it is unit-tested on its own).

Why: a calendar that goes away makes every pending booking fail within seconds. Fifty pop-ups
teach people to ignore pop-ups (and some desktops queue them for minutes); one message that says
"50 bookings failed to sync" is read and acted on. Problems are collected while a burst lasts and
released as one :class:`Notice` by :meth:`NotificationCoalescer.flush`; the caller decides when a
burst is over (the end of a drain, or a short quiet window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class ProblemKind(StrEnum):
    SYNC_FAILED = "sync_failed"
    CONNECTION_DOWN = "connection_down"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Notice:
    """One message for the tray: a title, a body, and what clicking it should show."""

    title: str
    body: str
    #: The kinds it covers; clicking a notice with SYNC_FAILED opens the log filtered to failures.
    kinds: frozenset[ProblemKind]
    count: int


@dataclass
class _Bucket:
    keys: dict[str, str] = field(default_factory=dict)  # key -> detail; a repeated key counts once


Translate = Callable[[str], str]


class NotificationCoalescer:
    """Collect problems by kind (deduplicated by key) and release them as one notice."""

    def __init__(self, translate: Translate | None = None) -> None:
        self._tr: Translate = translate or (lambda text: text)
        self._buckets: dict[ProblemKind, _Bucket] = {}

    def add(self, kind: ProblemKind, key: str, detail: str) -> None:
        """Record a problem; the same ``key`` (a booking, a connection) counts once per burst."""
        self._buckets.setdefault(kind, _Bucket()).keys.setdefault(key, detail)

    @property
    def pending(self) -> int:
        return sum(len(b.keys) for b in self._buckets.values())

    def flush(self) -> Notice | None:
        """The one notice for everything collected since the last flush, or None if nothing was."""
        if not self._buckets:
            return None
        buckets, self._buckets = self._buckets, {}
        lines: list[str] = []
        kinds: set[ProblemKind] = set()
        total = 0
        for kind in (ProblemKind.SYNC_FAILED, ProblemKind.CONNECTION_DOWN, ProblemKind.CONFLICT):
            bucket = buckets.get(kind)
            if bucket is None or not bucket.keys:
                continue
            kinds.add(kind)
            total += len(bucket.keys)
            lines.append(self._line(kind, list(bucket.keys.values())))
        if not lines:
            return None
        if len(kinds) == 1:
            title = {
                ProblemKind.SYNC_FAILED: self._tr("Calendar sync failed"),
                ProblemKind.CONNECTION_DOWN: self._tr("Calendar connection needs attention"),
                ProblemKind.CONFLICT: self._tr("Double booking"),
            }[next(iter(kinds))]
        else:
            title = self._tr("BizCal needs your attention")
        return Notice(title=title, body="\n".join(lines), kinds=frozenset(kinds), count=total)

    def _line(self, kind: ProblemKind, details: list[str]) -> str:
        n = len(details)
        if n == 1:
            return details[0]
        if kind is ProblemKind.SYNC_FAILED:
            return self._tr("{n} bookings failed to sync").format(n=n)
        if kind is ProblemKind.CONNECTION_DOWN:
            return self._tr("{n} calendar connections need reconnecting").format(n=n)
        return self._tr("{n} double bookings found").format(n=n)
