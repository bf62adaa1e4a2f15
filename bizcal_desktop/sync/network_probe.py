"""The fallback network monitor: can the configured calendar servers be reached? A TCP connect says.

Why a probe: where Qt's ``QNetworkInformation`` has no backend (or is switched off), the app still
needs to tell "no network" from "a failing server". A TCP connect to each connection's server (the
CalDAV host, Google's and Microsoft's API hosts) with a short timeout is cheap — no request, no
credentials, no TLS — and answers the question that matters here: *our* servers, not the internet
in general. Any one answering is online; none answering is offline; no connection at all is unknown.

The connects run in worker threads (``asyncio.to_thread``: name resolution and ``connect`` block), so
the Qt/asyncio loop never waits. The probe runs every ``interval`` seconds (more often while offline,
to notice the return soon), and on demand when a write just failed (:meth:`recheck`), at most once
per ``min_gap`` seconds however many writes fail at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from sqlalchemy import select

from bizcal_desktop.config import Config
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.store.connections import in_use
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import CalendarConnection
from bizcal_desktop.sync.network import NetworkState, NetworkStatus

log = logging.getLogger(__name__)

Address = tuple[str, int]
#: Returns the (host, port) pairs to probe; called in a worker thread (it may read the database).
Targets = Callable[[], Sequence[Address]]


def address_of(url: str | None) -> Address | None:
    """(host, port) of an http(s) URL, the scheme's port when none is written; None if unreadable."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname, port or (80 if parts.scheme == "http" else 443)


def configured_servers(db: Database, config: Config) -> Targets:
    """The servers of every connection in use: CalDAV's own URL, Google's and Microsoft's API hosts."""

    def targets() -> list[Address]:
        with db.session() as s:
            rows = s.execute(select(CalendarConnection.provider, CalendarConnection.server_url).where(in_use()))
            found: list[Address] = []
            for provider, server_url in rows:
                url = {"google": config.google.api_base, "microsoft": config.microsoft.graph_base}.get(
                    provider, server_url
                )
                address = address_of(url)
                if address is not None and address not in found:
                    found.append(address)
            return found

    return targets


def reachable(address: Address, timeout: float) -> bool:
    """Whether a TCP connection to ``address`` opens within ``timeout`` seconds (blocking)."""
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


class ProbeNetworkStatus(NetworkStatus):
    """Online while any configured server accepts a TCP connection; see the module docstring."""

    name = "probe"

    def __init__(
        self,
        targets: Targets,
        interval: float = 60.0,
        offline_interval: float = 15.0,
        timeout: float = 3.0,
        min_gap: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._targets = targets
        self._interval = interval
        self._offline_interval = offline_interval
        self._timeout = timeout
        self._min_gap = min_gap
        self._clock = clock
        self._last_probe: float | None = None
        self._probing: asyncio.Future[NetworkState] | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()  #: the state changed: the watch's next wait follows it

    def report(self, state: NetworkState, reason: str = "") -> None:
        if state is not self.state:
            self._changed.set()
        super().report(state, reason)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def recheck(self) -> NetworkState:
        """Probe now, unless a probe runs (its answer is shared) or ended less than ``min_gap`` ago."""
        if self._probing is not None:
            return await asyncio.shield(self._probing)
        if self._last_probe is not None and self._clock() - self._last_probe < self._min_gap:
            return self.state
        self._probing = asyncio.ensure_future(self._probe())
        try:
            return await asyncio.shield(self._probing)
        finally:
            self._probing = None

    async def _watch(self) -> None:
        while True:
            await self.recheck()
            self._changed.clear()
            # A write that found the network gone switches to the short wait at once.
            with contextlib.suppress(TimeoutError):
                wait = self._offline_interval if self.offline else self._interval
                await asyncio.wait_for(self._changed.wait(), timeout=wait)

    async def _probe(self) -> NetworkState:
        try:
            addresses = list(await asyncio.to_thread(self._targets))
        except Exception as exc:  # noqa: BLE001 - a database hiccup says nothing about the network
            log_unexpected(log, "network probe: could not read the servers to probe", exc)
            return self.state
        if not addresses:
            self.report(NetworkState.UNKNOWN, "no calendar connected: nothing to probe")
        else:
            answers = await asyncio.gather(
                *(asyncio.to_thread(reachable, address, self._timeout) for address in addresses)
            )
            names = ", ".join(f"{host}:{port}" for host, port in addresses)
            if any(answers):
                self.report(NetworkState.ONLINE, f"{sum(answers)} of {len(addresses)} server(s) answer")
            else:
                self.report(NetworkState.OFFLINE, f"none of {names} answered within {self._timeout:g} s")
        self._last_probe = self._clock()
        return self.state
