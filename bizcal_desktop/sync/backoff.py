"""Exponential backoff with full jitter, honouring a server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    """Delays for retrying transient failures.

    Full jitter (a random delay between 0 and the exponential cap) spreads retries of many jobs so
    they do not hit a recovering server in lock-step; a server's Retry-After is a floor we respect.
    """

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 5

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt number ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        jittered = (rng or random).uniform(0, ceiling)
        if retry_after is not None:
            return max(retry_after, jittered)
        return jittered

    def gives_up(self, attempt: int, retry_after: float | None = None) -> bool:
        """True when no further attempt should be made inside this job."""
        if attempt >= self.max_attempts:
            return True
        # A server asking for a longer pause than we are willing to wait: fail now and let the user
        # (or the next scheduled resync) retry, instead of holding a worker for minutes.
        return retry_after is not None and retry_after > self.cap
