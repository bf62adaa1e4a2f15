"""Process-wide tuning: for the long-running GUI process, and for one short ``bizcal`` command.

Why, for the GUI: the app runs Qt and asyncio on one thread, so any pause of that thread freezes
every window. Measured with ``benchmarks/bench_loop_stall.py`` (500-booking resync against Radicale):

* The garbage collector: the longest stall was ~75 ms with Python's default settings, and ~20 ms —
  the same as with the collector switched off — after freezing the start-up objects and collecting
  the youngest generation less often. The full collections that walked every long-lived object (Qt
  wrappers, SQLAlchemy metadata, imported modules) were the stalls; frozen objects are never walked again.
  "Less often" has a price: a young collection walks every object allocated since the last one, and
  at 50,000 allocations that walk was itself the longest stall (20-34 ms of the loop thread's own CPU,
  seen with ``gc.callbacks``). At 10,000 the longest stall fell from a median of 32 ms (23-43 ms) to
  17 ms (14-39 ms) in interleaved runs, the loop's own CPU in it to 0-10 ms; 5,000 was no better,
  20,000 in between (28-40 ms).
* The interpreter lock: the database steps of a sync run in worker threads, and a worker busy in
  SQLAlchemy keeps the lock for Python's switch interval (5 ms) before the Qt thread may have it;
  with several workers the Qt thread can wait several intervals in a row. A 1 ms interval cut the
  longest stall of the resync from 34-52 ms to 27-46 ms in interleaved runs (its wall time did not
  grow); the rest was the machine's own scheduling (the idle loop's longest gap, 7-11 ms there).

Why, for a ``bizcal`` command: loading SQLAlchemy, the models and the CLI makes some 60,000 objects
the collector tracks, most of them living until the process ends (classes, functions, their cycles),
and the collector walked them several times while they were made (its full collections fire as the
old generation grows by a quarter) and again at exit, where the interpreter collects before and while
tearing its modules down. Measured with ``benchmarks/bench_cli_startup.py``, that was a quarter of
``bizcal staff list``'s wall time (the ORM floor alone spent 60-110 ms after its last line).
So a command loads its modules with the collector paused and then freezes what was loaded (frozen
objects are never walked again; the few hundred made garbage while paused stay until exit), and
freezes everything once more when it is done, after the database was closed and before the
interpreter's exit collections. What must happen at exit does not wait for the collector: the
services close the database first, and the log handlers are flushed and closed by ``atexit``.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young-generation collections (CPython's default is 700).
YOUNG_THRESHOLD = 10_000
#: Seconds a thread may hold the interpreter lock while another waits for it (CPython's default is 0.005).
SWITCH_INTERVAL = 0.001


def tune_for_the_ui_thread() -> None:
    """Call once after start-up, when the long-lived objects exist and before the loop runs."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, max(middle, 20), max(old, 100))
    sys.setswitchinterval(SWITCH_INTERVAL)


@contextmanager
def loading_a_command() -> Iterator[None]:
    """Import a command's modules with the collector paused; they are frozen when the block ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def command_done() -> None:
    """Call when a command has closed its database: the interpreter's exit collections walk nothing."""
    gc.freeze()
