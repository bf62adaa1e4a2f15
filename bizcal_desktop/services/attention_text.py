"""The words of the calm alerts: each line says what is wrong and where to fix it.

Why apart from :mod:`.attention`: the rules (when to tell) and the wording (what to say) change for
different reasons — a translator or a copy edit must not touch the timing logic. The texts go
through a ``translate`` callable (the Qt side passes its ``tr``), so this module stays Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

Translate = Callable[[str], str]

#: How many lines one notification shows; the tray's status lists them all.
MAX_NOTICE_LINES = 4


class TopicKind(StrEnum):
    NEEDS_USER = "needs_user"  #: a connection needs the user: reconnect, choose a calendar
    WRITE_FAILED = "write_failed"  #: bookings could not be written to a calendar
    READ_FAILED = "read_failed"  #: busy times could not be read from a calendar
    RUN_FAILED = "run_failed"  #: a background run (drain, import, guardian) failed as a whole
    DOUBLE_BOOKING = "double_booking"  #: news from the importer, not a state


#: The order of the lines: what only the user can fix first.
TOPIC_ORDER = (
    TopicKind.NEEDS_USER,
    TopicKind.WRITE_FAILED,
    TopicKind.READ_FAILED,
    TopicKind.RUN_FAILED,
    TopicKind.DOUBLE_BOOKING,
)


class AlertWords:
    """Builds titles, lines and bodies in the user's language."""

    def __init__(self, translate: Translate) -> None:
        self._tr = translate

    def title(self, kinds: set[TopicKind]) -> str:
        if len(kinds) != 1:
            return self._tr("BizCal needs your attention")
        return {
            TopicKind.NEEDS_USER: self._tr("A calendar connection needs you"),
            TopicKind.WRITE_FAILED: self._tr("Bookings missing from a calendar"),
            TopicKind.READ_FAILED: self._tr("Busy times are out of date"),
            TopicKind.RUN_FAILED: self._tr("Background sync keeps failing"),
            TopicKind.DOUBLE_BOOKING: self._tr("Double booking"),
        }[next(iter(kinds))]

    def body(self, lines: list[str]) -> str:
        shown = lines[:MAX_NOTICE_LINES]
        if len(lines) > MAX_NOTICE_LINES:
            shown.append(self._tr("…and {n} more: see the tray menu").format(n=len(lines) - MAX_NOTICE_LINES))
        return "\n".join(shown)

    def all_good_title(self) -> str:
        return self._tr("All good again")

    def all_good_body(self) -> str:
        return self._tr("The calendar problems are solved; BizCal is syncing normally.")

    def line(self, kind: TopicKind, name: str, detail: str, count: int, lasting: float | None) -> str:
        """One topic: ``name`` is the calendar (or run), ``lasting`` its age if past the grace time."""
        if kind is TopicKind.NEEDS_USER:
            return self._needs_user(name, detail)
        if kind is TopicKind.WRITE_FAILED:
            return self._write_failed(name, count, lasting)
        duration = self.duration(lasting or 0.0)
        if kind is TopicKind.READ_FAILED:
            return self._tr("Busy times from '{name}' could not be read for {duration}: see Sync Log").format(
                name=name, duration=duration
            )
        what = {
            "drain": self._tr("Syncing bookings"),
            "import": self._tr("Importing busy times"),
            "guardian": self._tr("Renewing calendar access"),
        }.get(name, name)
        return self._tr("{what} has failed for {duration}: {error}").format(
            what=what, duration=duration, error=_short(detail)
        )

    def news_lines(self, conflicts: list[str]) -> list[str]:
        if not conflicts:
            return []
        if len(conflicts) == 1:
            return [conflicts[0]]
        return [self._tr("{n} double bookings found: see Sync Log").format(n=len(conflicts))]

    def duration(self, seconds: float) -> str:
        minutes = int(seconds // 60)
        if minutes < 120:
            return self._tr("{n} min").format(n=minutes)
        if minutes < 48 * 60:
            return self._tr("{n} h").format(n=minutes // 60)
        return self._tr("{n} days").format(n=minutes // (24 * 60))

    def _needs_user(self, name: str, status: str) -> str:
        if status.startswith("deletions_held:"):  # the mass-deletion guard (sync/deletion_guard)
            return self._tr("BizCal is about to remove {n} events from '{name}': confirm in the Sync Log").format(
                n=status.split(":", 1)[1], name=name)
        if status == "deactivated":
            text = self._tr("Calendar '{name}' was switched off: reconnect it in Calendar Integrations")
        elif status == "calendar_missing":
            text = self._tr("Calendar '{name}' needs you: its calendar is gone; choose another in Calendar Integrations")
        elif status == "needs_reconnect":
            text = self._tr("Calendar '{name}' needs you: reconnect it in Calendar Integrations")
        else:
            text = self._tr("Calendar '{name}' needs you: see Calendar Integrations")
        return text.format(name=name)

    def _write_failed(self, name: str, count: int, lasting: float | None) -> str:
        if lasting is None:
            text = (
                self._tr("A booking could not be written to '{name}': see Sync Log")
                if count == 1
                else self._tr("{n} bookings could not be written to '{name}': see Sync Log")
            )
            return text.format(n=count, name=name)
        text = (
            self._tr("A booking could not be written to '{name}' for {duration}: see Sync Log")
            if count == 1
            else self._tr("{n} bookings could not be written to '{name}' for {duration}: see Sync Log")
        )
        return text.format(n=count, name=name, duration=self.duration(lasting))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
