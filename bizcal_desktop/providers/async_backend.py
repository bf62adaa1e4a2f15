"""How httpx does its network I/O under our asyncio loop: on asyncio's own streams, loaded off the UI thread.

Why not httpx's default: under asyncio, httpcore reaches the network through anyio, and anyio puts
every read and every write in a cancel scope of its own (``fail_after``), with its timer and its
bookkeeping. That costs about a third of a request's client CPU: 500 ``PUT``s to a local server took
0.95 ms of CPU each through the default and 0.6 ms through :class:`AsyncioNetworkBackend`
(``benchmarks/bench_push.py`` shows what it does to a push). That CPU competes with a CPU-bound
calendar server for the machine's two cores, and it runs on the app's one Qt + asyncio thread.

How: httpcore takes a *network backend* (its documented extension point: connect, read, write,
start TLS), and :class:`AsyncioNetworkBackend` is one built on ``asyncio.open_connection``, with
``asyncio.timeout`` around a read or write only when a timeout is set. It raises httpcore's own
errors (``ConnectError``, ``ReadTimeout``, ...), so httpx turns them into its errors exactly as
before, their cause (a certificate failure, say) chained. :func:`async_client` builds every provider's
``httpx.AsyncClient`` with it.

* httpx has no parameter for the backend: :class:`AsyncioTransport` is httpx's own transport whose
  connection pool (``_pool``, which httpx reads in ``handle_async_request``) is built again, the way
  httpx builds it, with this backend. Should an httpx release rename that attribute,
  ``tests/providers/test_async_backend.py`` fails rather than the speed quietly going.
* Proxies from the environment keep httpx's own transports (``trust_env``): a proxied request takes
  httpx's default path, unchanged.
* An idle kept-alive connection the server has closed is seen as ended (``is_readable``), so the
  pool opens a new one instead of writing into the closed one.
* httpcore's pool still takes anyio's locks, which load sniffio, anyio and anyio's asyncio backend
  (about 25 modules and 20 ms) at the first request. That request would run on the UI thread and
  freeze every window that long (the longest stall of a 500-booking resync,
  ``benchmarks/bench_loop_stall.py``), so importing this module - a provider's HTTP module does, in
  the worker thread that builds providers (``sync/provider_pool.py``) - loads them there instead.
"""

from __future__ import annotations

import asyncio
import importlib
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

#: httpx's own default for a client's connections (``httpx.Limits()`` alone sets none).
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
#: httpcore's names for a connection's details -> asyncio's (``is_readable`` is answered by the stream).
_EXTRA_INFO = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}
#: What httpcore imports at its first asynchronous request on asyncio, in that order.
BACKEND_MODULES = ("sniffio", "anyio", "anyio._backends._asyncio")


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as httpcore reads and writes it, on asyncio's streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            if timeout is None:
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "the server did not answer in time") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            if timeout is None:
                await self._writer.drain()
                return
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "the server did not take the request in time") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout(str(exc) or "the secure connection was not made in time") from exc
        except OSError as exc:  # ssl.SSLError (a certificate refused, say) is an OSError
            self._writer.close()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle connection: has the server closed it meanwhile?
            return (self._reader.at_eof() or self._reader.exception() is not None
                    or self._writer.is_closing())
        name = _EXTRA_INFO.get(info)
        return self._writer.get_extra_info(name) if name else None


class AsyncioNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens httpcore's connections with ``asyncio.open_connection`` (TCP_NODELAY is asyncio's default).

    TCP only: a Unix socket is asked for only through httpx's ``uds=``, which :class:`AsyncioTransport`
    does not take, so httpcore's own "not implemented" stands for it.
    """

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or f"{host} did not answer in time") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            writer.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for direct connections, its connection pool on :class:`AsyncioNetworkBackend`."""

    def __init__(self, verify: ssl.SSLContext | bool = True, limits: httpx.Limits | None = None) -> None:
        # httpx's own __init__ only builds the pool (loading the CA bundle again): it is built here instead.
        limits = limits or LIMITS
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioNetworkBackend(),
        )


def async_client(*, verify: ssl.SSLContext | bool = True, **options: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose direct connections use :class:`AsyncioTransport`; ``options`` as httpx's."""
    return httpx.AsyncClient(transport=AsyncioTransport(verify), verify=verify, **options)


def load_async_backend() -> None:
    for name in BACKEND_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return


load_async_backend()
