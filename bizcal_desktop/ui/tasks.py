"""Running service calls from the Qt thread without ever blocking it.

Why: a window that calls ``services.bookings.list()`` directly freezes while SQLite waits for the
sync engine's write lock, and a network call would freeze it for seconds. Every such call goes
through :func:`off_thread` (awaited from a coroutine on the qasync loop) and every coroutine a
button starts goes through :func:`spawn`, which keeps a reference (asyncio only keeps weak ones)
and reports an exception instead of losing it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from bizcal_desktop.logging_setup import log_unexpected

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_running: set[asyncio.Future[Any]] = set()


async def off_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking service call in a worker thread and await its result on the loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def spawn(
    coro: Coroutine[Any, Any, T], on_error: Callable[[BaseException], None] | None = None
) -> asyncio.Future[T]:
    """Start ``coro`` on the running qasync loop; errors go to ``on_error`` (or the log)."""
    task = asyncio.ensure_future(coro)
    _running.add(task)

    def finished(t: asyncio.Future[T]) -> None:
        _running.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is None:
            return
        if on_error is not None:
            try:
                on_error(exc)
                return
            except Exception as handler_failure:  # noqa: BLE001 - logged, then the task's own error too
                log_unexpected(log, "error handler failed", handler_failure)
        log_unexpected(log, "background task failed", exc)

    task.add_done_callback(finished)
    return task


def running_tasks() -> set[asyncio.Future[Any]]:
    """Tasks started by :func:`spawn` that have not finished (quit waits briefly for them)."""
    return set(_running)
