"""A one-shot loopback HTTP listener that receives an OAuth redirect (RFC 8252 §7.3).

Why not ``InstalledAppFlow.run_local_server``: it binds ``localhost`` on port 8080 by default, answers
the *first* request whatever it is (a favicon probe ends the flow), shows its success page before the
``state`` is checked, and can only be stopped by its timeout. This listener binds the IP literal
127.0.0.1 on a free port, ignores requests to other paths, checks ``state`` before it answers, and can
be closed from another thread (when the asyncio task waiting for it is cancelled).
"""

from __future__ import annotations

import html
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>BizCal</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>"""

#: How often the waiting thread wakes up to notice ``close()`` or the deadline.
_POLL_SECONDS = 0.2


class LoopbackTimeout(Exception):
    """Nobody came back to the loopback address before the deadline."""


class LoopbackClosed(Exception):
    """The listener was closed while waiting (the connect was cancelled)."""


class LoopbackReceiver:
    """Listens on ``http://127.0.0.1:<free port>/`` for exactly one OAuth redirect."""

    def __init__(self, expected_state: str | None = None) -> None:
        self.expected_state = expected_state
        self.result: dict[str, str] | None = None
        self._closed = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                receiver._on_request(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("loopback: " + format, *args)

        self._server = HTTPServer(("127.0.0.1", 0), Handler)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def _on_request(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path != "/" or self.result is not None:
            self._answer(handler, 404, "Not found", "This address only receives the Google sign-in answer.")
            return
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.result = params
        if self.expected_state is not None and params.get("state") != self.expected_state:
            self._answer(handler, 400, "Sign-in not accepted",
                         "This answer does not belong to the sign-in BizCal started. "
                         "Close this tab and start Connect Google again in BizCal.")
        elif "error" in params:
            self._answer(handler, 200, "Google access was not granted",
                         "You can close this tab and return to BizCal.")
        else:
            self._answer(handler, 200, "BizCal is connected to Google",
                         "You can close this tab and return to BizCal.")

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
