"""What goes wrong on purpose in the in-memory calendar: injected failures, lost answers, the call record.

Why its own module: :mod:`.memory` is a calendar (events, ETags, cursors); what a test makes that
calendar do wrong, and the record of what was asked of it, is a separate job with its own small state.
The calendar holds one :class:`Faults` and asks it at the start of every provider call
(:meth:`Faults.enter`), so no provider method has failure logic of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Literal

from bizcal_desktop.errors import TransientError

#: The provider calls a failure can be injected into.
Operation = Literal["upsert", "delete", "fetch_busy", "list_own_events", "list_calendars", "test_connection",
                    "refresh_credentials"]
OPERATIONS: tuple[Operation, ...] = (
    "upsert", "delete", "fetch_busy", "list_own_events", "list_calendars", "test_connection", "refresh_credentials",
)


@dataclass(frozen=True)
class Call:
    """One provider call, as recorded in :attr:`Faults.calls`."""

    operation: Operation
    booking_public_id: str | None = None


@dataclass
class _Failure:
    operation: Operation
    error: BaseException
    remaining: int | None  #: None: every matching call fails
    booking_public_id: str | None


class Faults:
    """The failures waiting for the calendar's next calls, and every call made so far."""

    def __init__(self) -> None:
        #: Every call made through the provider face, in order (failed ones included).
        self.calls: list[Call] = []
        self._failures: deque[_Failure] = deque()
        self._lose_next_write = False

    def add(self, operation: Operation, error: BaseException, times: int | None,
            booking_public_id: str | None) -> None:
        """``times`` calls of ``operation`` (every one for None; only those about one booking, if
        named) raise ``error`` before doing anything."""
        if operation not in OPERATIONS:
            raise ValueError(f"Unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        self._failures.append(_Failure(operation, error, times, booking_public_id))

    def clear(self) -> None:
        """Forget every injected failure and a pending lost answer."""
        self._failures.clear()
        self._lose_next_write = False

    def lose_next_answer(self) -> None:
        """The next write happens, but its caller is told it timed out (see :meth:`answer_lost`)."""
        self._lose_next_write = True

    async def enter(self, operation: Operation, booking_public_id: str | None = None) -> None:
        """Record the call, yield to the loop once (as any I/O would), raise an injected failure."""
        self.calls.append(Call(operation, booking_public_id))
        await asyncio.sleep(0)
        for failure in self._failures:
            if failure.operation != operation:
                continue
            if failure.booking_public_id is not None and failure.booking_public_id != booking_public_id:
                continue
            if failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
            raise failure.error

    def answer_lost(self) -> None:
        """Called after a write took effect: raise the timeout its caller sees, once, if one was asked for."""
        if self._lose_next_write:
            self._lose_next_write = False
            raise TransientError("The calendar did not answer in time; it will be tried again.")
