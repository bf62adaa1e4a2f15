"""The providers' HTTP clients run on asyncio's own streams, and behave as httpx's default did.

Why real sockets: what can go wrong lives between httpx, httpcore and the loop - a kept-alive
connection the server closed while it was idle, a read that never ends, a certificate refused - so
each test talks TCP (or TLS) to a small server on 127.0.0.1 that counts the connections it accepted.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from bizcal_desktop.providers.async_backend import AsyncioStream, async_client
from tests.fakes.microsoft.tls import TlsFiles
from tests.support.misbehaving_servers import silent_server


@dataclass
class _Counting:
    """A keep-alive HTTP/1.1 server: answers every request 200; ``close_after_answer`` ends the connection."""

    port: int = 0
    connections: int = 0
    close_after_answer: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_after_answer:  # as a server whose keep-alive timeout ran out does
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()
        self.closed.set()


@asynccontextmanager
async def _serving(server: _Counting, tls: ssl.SSLContext | None = None) -> AsyncIterator[_Counting]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


async def test_requests_share_one_connection_on_asyncio_streams() -> None:
    async with _serving(_Counting()) as server, async_client(timeout=5) as client:
        first = await client.put(f"http://127.0.0.1:{server.port}/a.ics", content=b"x" * 5000)
        second = await client.get(f"http://127.0.0.1:{server.port}/b.ics")
    assert (first.status_code, second.status_code, first.text) == (200, 200, "ok")
    assert isinstance(first.extensions["network_stream"], AsyncioStream)  # not httpx's default (anyio)
    assert server.connections == 1  # kept alive


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async with _serving(_Counting(close_after_answer=True)) as server, async_client(timeout=5) as client:
        first = await client.get(f"http://127.0.0.1:{server.port}/a.ics")
        await server.closed.wait()
        await asyncio.sleep(0.1)  # the FIN reaches the client's loop (a wait, not a timed assertion)
        second = await client.get(f"http://127.0.0.1:{server.port}/b.ics")
    assert (first.status_code, second.status_code) == (200, 200)
    assert server.connections == 2


async def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    with silent_server() as server:
        async with async_client(timeout=0.3) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{server.port}/")
    assert server.accepted == 1


async def test_a_closed_port_is_a_connect_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    async with async_client(timeout=2) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


def _server_tls(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context


async def test_tls_with_the_trusted_certificate_and_a_refused_one(ms_tls: TlsFiles) -> None:
    trusted = ssl.create_default_context(cafile=str(ms_tls.cert))
    async with _serving(_Counting(), tls=_server_tls(ms_tls)) as server:
        async with async_client(timeout=5, verify=trusted) as client:
            answer = await client.get(f"https://127.0.0.1:{server.port}/")
        assert answer.status_code == 200
        assert answer.extensions["network_stream"].get_extra_info("ssl_object") is not None
        async with async_client(timeout=5) as client:  # the system's CAs do not know this certificate
            with pytest.raises(httpx.ConnectError) as refused:
                await client.get(f"https://127.0.0.1:{server.port}/")
    causes = []
    error: BaseException | None = refused.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes)
