"""The import cursor every provider hands back: one token per calendar, bound to its window.

Why a cursor is more than the server's token
--------------------------------------------
An incremental read (CalDAV ``sync-collection``, Google ``syncToken``, Graph ``deltaLink``) tells
which *events* changed since the token, not which *instances* entered a time window. The import
window starts at today's local midnight and slides forward every day, so an unchanged weekly series
gains an instance at the far end of the window each week, and an untouched event three months out
slides into the window one day: neither is a change any server reports. So a cursor remembers the
window it was made for and the calendars it covers, and it is used only for the very same window
and calendars; the first import of a new day is a full read, the later ones are incremental.

Why one module
--------------
The three providers used to encode their cursors three ways, and only one of them checked the
window. Here the shape, the version and the fit rule live once; a provider only decides what its
tokens are (a sync-token, a syncToken, a deltaLink) and for which calendars.

The stored form is a small JSON object, readable in the database when debugging and versioned
(``"v"``) so a later format can tell old cursors apart: ``{"v": 1, "window_start": ...,
"window_end": ..., "tokens": {calendar: token}}``; a cursor over exactly one calendar is written
flat as ``"calendar"`` and ``"token"``, the form CalDAV cursors have always had, so cursors stored
by earlier versions stay usable. Anything that does not parse, or does not fit, simply means "do a
full read" - never an error.

A provider may carry a little state of its own beside the tokens (``"state"``, a JSON object; only
written when there is some): Microsoft keeps what each recurring series' master said, because
Graph's delta leaves it off the occurrences. The state versions itself and is the provider's to
read; earlier cursors simply have none. Unlike the tokens it is not bound to the window, so a
provider may read it (:meth:`WindowCursor.decode`) even when the cursor does not fit.

Why a refused cursor never leaves a provider
--------------------------------------------
A server may refuse a token (expired, server reset, restored backup). The provider that sent it is
the one that knows how to start over, so it raises :class:`CursorRefused` inside its incremental
read and :func:`incremental_or_full` turns that into a full read of the same window, returned with
``full=True``. Callers of ``fetch_busy`` never see the refusal; it is logged as a warning because
it means the server lost our place (a full read costs more, and a recurring one is worth noticing).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bizcal_desktop.domain.time_range import TimeRange

if TYPE_CHECKING:
    from bizcal_desktop.providers.base import BusyChanges

log = logging.getLogger(__name__)

CURSOR_VERSION = 1


class CursorRefused(Exception):
    """The server refused a cursor's token; the provider reads the window in full instead.

    Raised and caught inside a provider's ``fetch_busy``; never reaches a caller. The message says
    why (for the log).
    """


@dataclass(frozen=True)
class WindowCursor:
    """Incremental-read tokens (calendar -> token) and the UTC window they describe."""

    window: TimeRange
    tokens: Mapping[str, str]
    #: The provider's own small state (JSON-serialisable), carried unchanged; empty for most.
    state: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        window = self.window.to_utc()
        data: dict[str, Any] = {
            "v": CURSOR_VERSION,
            "window_start": window.start.isoformat(),
            "window_end": window.end.isoformat(),
        }
        if len(self.tokens) == 1:
            ((data["calendar"], data["token"]),) = self.tokens.items()
        else:
            data["tokens"] = dict(self.tokens)
        if self.state:
            data["state"] = dict(self.state)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def decode(cls, text: str | None) -> WindowCursor | None:
        """The cursor stored in ``text``; None when there is none or it cannot be read.

        Unreadable is not an error: it only costs one full read, which replaces the cursor.
        """
        if not text:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
                return None
            tokens = _tokens_of(data)
            start = datetime.fromisoformat(data["window_start"])
            end = datetime.fromisoformat(data["window_end"])
            window = TimeRange(start, end).to_utc()
            state = data.get("state")
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not tokens:
            return None
        return cls(window=window, tokens=tokens, state=state if isinstance(state, dict) else {})

    def fits(self, window: TimeRange, calendars: Iterable[str]) -> bool:
        """True when an incremental read from here sees everything a full read of ``window`` would."""
        return self.window == window.to_utc() and set(self.tokens) == set(calendars)


def _tokens_of(data: dict[str, Any]) -> dict[str, str] | None:
    """The calendar -> token map of a decoded cursor, flat or nested; None if any token is empty."""
    if "tokens" in data:
        raw = data["tokens"]
        pairs = list(raw.items()) if isinstance(raw, dict) else []
    else:
        pairs = [(data["calendar"], data["token"])]
    if not pairs or not all(isinstance(c, str) and isinstance(t, str) and t for c, t in pairs):
        return None
    return dict(pairs)


def usable_cursor(text: str | None, window: TimeRange, calendars: Iterable[str], service: str) -> WindowCursor | None:
    """The stored cursor when it fits ``window`` and ``calendars``; None (a full read) otherwise."""
    cursor = WindowCursor.decode(text)
    if text and cursor is None:
        log.info("%s: the stored import cursor cannot be read; reading the whole window", service)
        return None
    if cursor is not None and not cursor.fits(window, calendars):
        log.info("%s: the stored import cursor was made for another window or other calendars; "
                 "reading the whole window", service)
        return None
    return cursor


async def incremental_or_full(
    incremental: Callable[[], Awaitable[BusyChanges]] | None,
    full: Callable[[], Awaitable[BusyChanges]],
    service: str,
) -> BusyChanges:
    """Run ``incremental`` when there is one; when the server refuses its token, run ``full``."""
    if incremental is not None:
        try:
            return await incremental()
        except CursorRefused as refusal:
            log.warning("%s refused the stored sync token (%s); reading the whole window again", service, refusal)
    return await full()


__all__ = ["CURSOR_VERSION", "CursorRefused", "WindowCursor", "incremental_or_full", "usable_cursor"]
