"""Two waits for a failure that may pass by itself: seconds inside one drain, then minutes to hours.

Why two: a hiccup (a dropped connection, one 503) is usually gone in seconds, so a job first retries
a few times within the drain, with exponential backoff and full jitter. A failure that outlasts those
quick attempts (a server down for an hour, a day on a train) is not worth holding a worker for, and
not a reason to give up either: the job is *deferred* and the drain tries it again later — after a
few minutes, then longer each time, up to a cap of hours — until it succeeds or the user acts.
"""

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
    #: The first wait of a deferred job (seconds); doubled per deferral up to ``later_cap``.
    later_base: float = 120.0
    later_cap: float = 2 * 3600.0

    def delay(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt number ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        jittered = (rng or random).uniform(0, ceiling)
        if retry_after is not None:
            return max(retry_after, jittered)
        return jittered

    def gives_up(self, attempt: int, retry_after: float | None = None) -> bool:
        """True when no further attempt should be made inside this job (it is deferred instead)."""
        if attempt >= self.max_attempts:
            return True
        # A server asking for a longer pause than we are willing to wait inside a drain: defer the
        # job until then instead of holding a worker for minutes.
        return retry_after is not None and retry_after > self.cap

    def later(self, deferral: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds until a deferred job is tried again, for its ``deferral``-th wait (counts from 1).

        2, 4, 8, 16, 32, 64 minutes, then every 2 hours (by default), each shortened by up to a fifth
        at random so that many deferred jobs do not come due in the same second; never before the
        server's Retry-After.
        """
        ceiling = min(self.later_cap, self.later_base * (2 ** (max(1, deferral) - 1)))
        wait = ceiling * (rng or random).uniform(0.8, 1.0)
        return max(retry_after, wait) if retry_after is not None else wait
