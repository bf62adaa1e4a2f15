"""A one-shot loopback HTTP listener that receives an OAuth redirect (RFC 8252 §7.3).

Why not ``InstalledAppFlow.run_local_server``: it binds ``localhost`` on port 8080 by default, answers
the *first* request whatever it is (a favicon probe ends the flow), shows its success page before the
``state`` is checked, and can only be stopped by its timeout. This listener binds the IP literal
127.0.0.1 on a free port and can be closed from another thread (when the asyncio task waiting for it
is cancelled). Only the real answer ends the wait; everything else is refused and the wait goes on:

* other paths get a 404 (favicon probes);
* a redirect whose ``state`` is not ours gets a 400 — a stray or forged request must not abort the
  sign-in the user is in the middle of;
* a ``Host`` other than ``127.0.0.1:PORT`` / ``localhost:PORT`` gets a 400: a web page that rebinds
  its own DNS name to 127.0.0.1 can reach the port, but cannot forge the Host its browser sends.

Each connection is served on its own daemon thread with a socket timeout, so a browser's speculative
pre-connect that never sends a request holds neither the real redirect, nor the deadline, nor Cancel.
"""

from __future__ import annotations

import html
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>BizCal</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>"""

#: How often the waiting thread wakes up to notice ``close()`` or the deadline.
_POLL_SECONDS = 0.2
#: How long one connection may take to send its request (an idle pre-connect is dropped after this).
SOCKET_TIMEOUT_SECONDS = 10.0


class LoopbackTimeout(Exception):
    """Nobody came back to the loopback address before the deadline."""


class LoopbackClosed(Exception):
    """The listener was closed while waiting (the connect was cancelled)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an idle connection's thread must never keep the process alive
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that hangs up early is not news: log it instead of printing a traceback."""
        log.debug("loopback: a connection from %s failed (%s)", client_address, sys.exc_info()[1])


class LoopbackReceiver:
    """Listens on ``http://127.0.0.1:<free port>/`` for exactly one OAuth redirect."""

    def __init__(self, expected_state: str | None = None) -> None:
        self.expected_state = expected_state
        self.result: dict[str, str] | None = None
        self._closed = threading.Event()
        self._claim = threading.Lock()
        self._claimed = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = SOCKET_TIMEOUT_SECONDS

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                receiver._on_request(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("loopback: " + format, *args)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._port: int = self._server.server_address[1]

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    def _host_is_ours(self, handler: BaseHTTPRequestHandler) -> bool:
        host = (handler.headers.get("Host") or "").strip().lower()
        return host in {f"127.0.0.1:{self._port}", f"localhost:{self._port}"}

    def _on_request(self, handler: BaseHTTPRequestHandler) -> None:
        if not self._host_is_ours(handler):
            log.info("loopback: refused a request for another host")
            self._answer(handler, 400, "Bad request", "This address only receives the Google sign-in answer.")
            return
        parts = urlsplit(handler.path)
        if parts.path != "/":
            self._answer(handler, 404, "Not found", "This address only receives the Google sign-in answer.")
            return
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if self.expected_state is not None and params.get("state") != self.expected_state:
            log.info("loopback: refused an answer that does not belong to this sign-in")
            self._answer(handler, 400, "Sign-in not accepted",
                         "This answer does not belong to the sign-in BizCal started. "
                         "Close this tab and finish the sign-in in the tab BizCal opened.")
            return
        with self._claim:  # two valid answers at once: the first one wins
            first = not self._claimed
            self._claimed = True
        if not first:
            self._answer(handler, 404, "Not found", "This sign-in answer was already received.")
            return
        try:
            if "error" in params:
                self._answer(handler, 200, "Google access was not granted",
                             "You can close this tab and return to BizCal.")
            else:
                self._answer(handler, 200, "BizCal is connected to Google",
                             "You can close this tab and return to BizCal.")
        finally:  # published after the page is written, whether or not the browser still listens
            self.result = params

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    def wait(self, timeout: float) -> dict[str, str]:
        """Block until the redirect arrives; return its query parameters.

        Raises :class:`LoopbackTimeout` after ``timeout`` seconds and :class:`LoopbackClosed` when
        :meth:`close` was called meanwhile.
        """
        deadline = time.monotonic() + timeout
        try:
            while self.result is None:
                if self._closed.is_set():
                    raise LoopbackClosed("the sign-in was cancelled")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LoopbackTimeout("no answer from the browser")
                # Accepts at most one connection and hands it to its own thread: never blocks on it.
                self._server.timeout = min(_POLL_SECONDS, remaining)
                self._server.handle_request()
            return self.result
        finally:
            self._server.server_close()

    def close(self) -> None:
        """Stop waiting (from any thread); the socket is closed by the waiting thread."""
        self._closed.set()

    def dispose(self) -> None:
        """Release the socket when :meth:`wait` was never called (closing twice is harmless)."""
        self._closed.set()
        self._server.server_close()
