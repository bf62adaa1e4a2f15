"""Process-wide tuning for a long-running GUI process.

Why: the app runs Qt and asyncio on one thread, so any pause of that thread freezes every window.
Measured with ``benchmarks/bench_loop_stall.py`` (500-booking resync against Radicale): the longest
stall was ~75 ms with Python's default garbage-collector settings, and ~20 ms — the same as with the
collector switched off — after freezing the start-up objects and collecting the youngest
generation less often. The full collections that walked every long-lived object (Qt wrappers,
SQLAlchemy metadata, imported modules) were the stalls; frozen objects are never walked again.
"""

from __future__ import annotations

import gc

#: Allocations between young-generation collections (CPython's default is 700).
YOUNG_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Call once after start-up, when the long-lived objects exist and before the loop runs."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, max(middle, 20), max(old, 100))
