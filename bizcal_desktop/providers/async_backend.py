"""Loads httpx's asynchronous network backend where a provider is built, not at its first request.

Why: httpcore finds its backend at the first request a process makes — sniffio, anyio and anyio's
asyncio backend, about 25 modules and 20 ms — and that request runs on the app's one Qt + asyncio
thread, so the first sync after start froze every window that long: it was the longest stall of a
500-booking resync (``benchmarks/bench_loop_stall.py``). Providers are built in a worker thread
(``sync/provider_pool.py``), and a provider's HTTP module imports this one, so the backend is loaded
there instead. anyio keeps its asyncio backend in a private module: should that name change, nothing
fails; the pause at the first request simply comes back.
"""

from __future__ import annotations

import importlib

#: What httpcore imports at its first asynchronous request on asyncio, in that order.
BACKEND_MODULES = ("sniffio", "anyio", "anyio._backends._asyncio")


def load_async_backend() -> None:
    for name in BACKEND_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return


load_async_backend()
