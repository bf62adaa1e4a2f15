"""Patience while connecting a calendar: a passing hiccup is tried again at once, and waiting has an end.

Why the connect flow retries on its own instead of leaving it to the sync engine: a person is waiting
at the wizard or the terminal, and once *Test Connection* has failed nothing will try it again later.
So a transient failure (network error, timeout, 429, 5xx) gets a few quick attempts with a short
backoff - a ``Retry-After`` is honoured up to a cap, a longer one is reported rather than waited for -
and all attempts together end at one deadline, twice the configured request timeout, so a server that
accepts the connection and never answers costs seconds, not minutes. The sentence at the end says
what happened and what the user can do; it never promises a retry that will not happen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bizcal_desktop.errors import TransientError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionCheck
from bizcal_desktop.redaction import redact

T = TypeVar("T")


@dataclass(frozen=True)
class ConnectRetryPolicy:
    """How patient connecting is: attempts, pauses between them, and the overall deadline."""

    attempts: int = 3
    first_pause: float = 0.5  #: seconds before the second attempt; doubled before each further one
    longest_pause: float = 5.0  #: a server asking for a longer pause is not waited for
    deadline_factor: float = 2.0  #: all attempts end after this many request timeouts

    def pause(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (counted from 1)."""
        backoff = min(self.longest_pause, self.first_pause * 2 ** (attempt - 1))
        return max(backoff, retry_after or 0.0)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    timeout: float,
    service: str,
    policy: ConnectRetryPolicy = ConnectRetryPolicy(),
) -> T:
    """``attempt()``'s result, trying again after a :class:`TransientError` while attempts and time last.

    ``timeout`` is the configured per-request timeout; the deadline is ``policy.deadline_factor``
    times it. ``service`` names who did not answer ("The calendar server dav.example.com", "Google").
    Raises the last :class:`TransientError` with a sentence that says how often it was tried; any
    other error at once, as it came.
    """
    deadline = policy.deadline_factor * timeout
    loop = asyncio.get_running_loop()
    ends = loop.time() + deadline
    tries = 0
    last: TransientError | None = None
    try:
        async with asyncio.timeout(deadline):
            while True:
                tries += 1
                try:
                    return await attempt()
                except TransientError as exc:
                    last = exc
                pause = policy.pause(tries, last.retry_after)
                if last.retry_after is not None and last.retry_after > policy.longest_pause:
                    raise _asked_to_wait(last) from None
                if tries >= policy.attempts or loop.time() + pause >= ends:
                    raise _gave_up(last, tries) from None
                await asyncio.sleep(pause)
    except TimeoutError:
        if last is None:
            raise TransientError(
                f"{service} did not answer within {_seconds(deadline)}; check the address and your "
                "network connection, then try again.", retry_after=None,
            ) from None
        raise _gave_up(last, tries) from None


async def test_with_retries(provider: CalendarProvider, *, timeout: float, service: str) -> ConnectionCheck:
    """The provider's *Test Connection*, a transient failure tried again, all within the deadline."""

    async def attempt() -> ConnectionCheck:
        check = await provider.test_connection()
        if isinstance(check.error, TransientError):
            raise check.error
        return check

    try:
        return await with_retries(attempt, timeout=timeout, service=service)
    except TransientError as exc:
        return ConnectionCheck(ok=False, message=redact(str(exc)), error=exc)


def _gave_up(last: TransientError, tries: int) -> TransientError:
    advice = "try again in a moment." if tries > 1 else "try again."
    return TransientError(f"{_sentence(str(last))} BizCal tried {_times(tries)}; {advice}",
                          retry_after=last.retry_after)


def _asked_to_wait(last: TransientError) -> TransientError:
    wait = last.retry_after or 0.0
    return TransientError(f"{_sentence(str(last))} The server asked BizCal to wait {_seconds(wait)}; "
                          "try again after that.", retry_after=wait)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _times(tries: int) -> str:
    return {1: "once", 2: "twice"}.get(tries, f"{tries} times")


def _seconds(value: float) -> str:
    return "1 second" if value == 1 else f"{value:g} seconds"
