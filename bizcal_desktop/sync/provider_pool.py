"""Providers built once per drain and shared by its jobs.

One HTTP client per connection for the whole drain keeps connections warm (TLS, auth) across the
bookings of a resync; building a provider reads its secret, which may wait on the keychain daemon, so
that happens in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging

from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo
from bizcal_desktop.providers.factory_protocol import ProviderSource

log = logging.getLogger(__name__)


class ProviderPool:
    """Providers built once per drain and shared by its jobs (one HTTP client per connection)."""

    def __init__(self, factory: ProviderSource) -> None:
        self._factory = factory
        self._providers: dict[int, CalendarProvider] = {}
        self._lock = asyncio.Lock()

    async def get(self, info: ConnectionInfo) -> CalendarProvider:
        async with self._lock:
            provider = self._providers.get(info.id)
            if provider is None:
                provider = await asyncio.to_thread(self._factory.build, info)
                self._providers[info.id] = provider
            return provider

    async def aclose(self) -> None:
        for provider in self._providers.values():
            try:
                await provider.aclose()
            except Exception:  # noqa: BLE001 - closing must not hide the drain's result
                log.debug("closing provider failed", exc_info=True)
        self._providers.clear()
