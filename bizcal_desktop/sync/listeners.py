"""Who is told when the engine, the importer or the token guardian has news.

Why a class of its own: all three tell the tray the same way, and the rule that matters is easy to
get wrong in three copies — a listener is someone else's code (a Qt slot, a test's list), so one
that fails is logged and the others are still told; the sync work that produced the news never
sees the failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from bizcal_desktop.logging_setup import log_unexpected

log = logging.getLogger(__name__)

E = TypeVar("E")


class Listeners(Generic[E]):
    """Callbacks taking one event; ``notify`` calls each in the order they were added."""

    def __init__(self, what: str) -> None:
        self._what = what  #: named in the log when a listener fails ("sync", "conflict", ...)
        self._callbacks: list[Callable[[E], None]] = []

    def add(self, callback: Callable[[E], None]) -> None:
        self._callbacks.append(callback)

    def remove(self, callback: Callable[[E], None]) -> None:
        """Forget ``callback``; one that was never added is ignored."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __contains__(self, callback: object) -> bool:
        return callback in self._callbacks

    def __len__(self) -> int:
        return len(self._callbacks)

    def notify(self, event: E) -> None:
        """Tell every listener; a failing one is logged and never stops the others."""
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception as exc:  # noqa: BLE001 - a listener must never break the work that told it
                log_unexpected(log, f"{self._what} listener failed", exc)
