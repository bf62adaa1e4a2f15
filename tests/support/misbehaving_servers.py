"""Servers that misbehave the way real ones do, for the connect tests: silent, or failing a few times.

Why these and not a mock of the HTTP library: the bugs they catch live in the library and in how we
bound it (a request the library sends twice, a TLS handshake that ignores the timeout), so the
client must talk real TCP to something. Each server counts what reached it, so a test asserts on
attempts rather than on durations.
"""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@dataclass
class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte (nor reads one)."""

    port: int
    accepted: int = 0


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    server = SilentServer(port=listener.getsockname()[1])
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # kept open: the client sees a live connection that never answers
            server.accepted += 1

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


@dataclass
class FlakyProxy:
    """Forwards to ``target`` after answering the first ``failures`` requests with ``status``."""

    target: str
    failures: int
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    failed: int = 0  #: requests answered with the injected status
    forwarded: int = 0  #: requests passed on to the target
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_failure(self) -> bool:
        with self.lock:
            if self.failures < 0 or self.failed < self.failures:  # failures < 0: fail every request
                self.failed += 1
                return True
            self.forwarded += 1
            return False


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    proxy: FlakyProxy

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.proxy.take_failure():
            self._send(self.proxy.status, dict(self.proxy.headers), b"try later")
            return
        target = urlsplit(self.proxy.target)
        upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            kept = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}}
            self._send(answer.status, kept, payload)
        finally:
            upstream.close()

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PROPFIND = do_OPTIONS = do_PUT = do_DELETE = do_REPORT = do_MKCALENDAR = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@contextmanager
def flaky_proxy(target: str, failures: int, status: int = 503,
                headers: dict[str, str] | None = None) -> Iterator[FlakyProxy]:
    """A proxy on 127.0.0.1 in front of ``target``; ``failures=-1`` fails every request."""
    proxy = FlakyProxy(target=target, failures=failures, status=status, headers=headers or {})
    handler = type("Handler", (_ProxyHandler,), {"proxy": proxy})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
