"""The OAuth loopback listeners against real sockets: only the real answer ends the wait.

Google's listener (ours) and MSAL's receiver (built by us): a stray answer with a wrong ``state`` or a
foreign ``Host`` (DNS rebinding) gets a 400 and the wait goes on; an idle connection (a browser's
pre-connect that never sends a request) holds neither the real answer, nor the deadline, nor Cancel;
MSAL's receiver binds 127.0.0.1 even where MSAL believes it runs in a container.

No assertion is about time: the waits run on daemon threads, and ``join``'s generous limit only keeps
a regression from hanging the suite.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest

from bizcal_desktop.providers.google.loopback import LoopbackClosed, LoopbackReceiver, LoopbackTimeout
from bizcal_desktop.providers.microsoft import oauth as ms_oauth

HANG_GUARD_SECONDS = 60


class Waiting:
    """Runs a blocking wait on a daemon thread (a hung one must not keep pytest from exiting)."""

    def __init__(self, wait: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.value = wait()
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                self.error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def outcome(self) -> Any:
        self._thread.join(HANG_GUARD_SECONDS)
        assert not self._thread.is_alive(), "the wait hung"
        if self.error is not None:
            raise self.error
        return self.value


def request(port: int, path: str, host: str | None = None, method: str = "GET",
            form: dict[str, str] | None = None) -> int:
    """One request to the listener with the given Host header; its status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_GUARD_SECONDS)
    headers = {"Host": f"127.0.0.1:{port}" if host is None else host}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def idle_connection(port: int) -> Iterator[socket.socket]:
    """A TCP connection that never sends a byte, like a browser's speculative pre-connect."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD_SECONDS)
    try:
        yield sock
    finally:
        sock.close()


def _port(receiver: LoopbackReceiver) -> int:
    return int(receiver.redirect_uri.rsplit(":", 1)[1].strip("/"))


# --- Google: our loopback listener ---------------------------------------------------------------


def test_a_wrong_state_gets_400_and_the_real_answer_still_completes() -> None:
    receiver = LoopbackReceiver(expected_state="ours")
    waiting = Waiting(lambda: receiver.wait(HANG_GUARD_SECONDS))
    port = _port(receiver)

    assert request(port, "/?state=forged&code=attacker-code") == 400
    assert request(port, "/?code=no-state-at-all") == 400
    assert request(port, "/favicon.ico") == 404
    assert request(port, "/?state=ours&code=4/0real") == 200
    assert waiting.outcome() == {"state": "ours", "code": "4/0real"}


def test_a_foreign_host_gets_400_and_the_wait_goes_on() -> None:
    receiver = LoopbackReceiver(expected_state="ours")
    waiting = Waiting(lambda: receiver.wait(HANG_GUARD_SECONDS))
    port = _port(receiver)

    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1", ""):
        assert request(port, "/?state=ours&code=4/0rebound", host=host) == 400, host
    assert request(port, "/?state=ours&code=4/0real", host=f"LOCALHOST:{port}") == 200
    assert waiting.outcome()["code"] == "4/0real"


def test_an_idle_connection_does_not_hold_the_real_answer() -> None:
    receiver = LoopbackReceiver(expected_state="ours")
    waiting = Waiting(lambda: receiver.wait(HANG_GUARD_SECONDS))
    port = _port(receiver)
    with idle_connection(port), idle_connection(port):
        assert request(port, "/?state=ours&code=4/0real") == 200
        assert waiting.outcome()["code"] == "4/0real"


def test_an_idle_connection_does_not_hold_the_deadline() -> None:
    receiver = LoopbackReceiver(expected_state="ours")
    with idle_connection(_port(receiver)):
        waiting = Waiting(lambda: receiver.wait(1.0))
        with pytest.raises(LoopbackTimeout):
            waiting.outcome()


def test_an_idle_connection_does_not_hold_cancel() -> None:
    receiver = LoopbackReceiver(expected_state="ours")
    port = _port(receiver)
    started = threading.Event()

    def wait() -> dict[str, str]:
        started.set()
        return receiver.wait(HANG_GUARD_SECONDS)

    with idle_connection(port):
        waiting = Waiting(wait)
        started.wait(HANG_GUARD_SECONDS)
        # Make sure the idle connection has been accepted before cancelling.
        assert request(port, "/favicon.ico") == 404
        receiver.close()
        with pytest.raises(LoopbackClosed):
            waiting.outcome()


# --- Microsoft: MSAL's receiver, as we build it --------------------------------------------------


@pytest.fixture
def inside_a_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make MSAL's container check answer yes, as in toolbox or distrobox (``/run/.containerenv``)."""
    real_exists = os.path.exists
    markers = {"/.dockerenv", "/run/.containerenv"}
    monkeypatch.setattr(os.path, "exists", lambda path: path in markers or real_exists(path))
    from msal.oauth2cli import authcode

    assert authcode._is_inside_docker()  # the premise: MSAL alone would bind 0.0.0.0 here


@pytest.fixture
def msal_binds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses MSAL's loopback servers bind to during the test."""
    from msal.oauth2cli import authcode

    bound: list[str] = []
    original = authcode._AuthCodeHttpServer.server_bind

    def server_bind(self: Any) -> None:
        original(self)
        bound.append(self.socket.getsockname()[0])

    monkeypatch.setattr(authcode._AuthCodeHttpServer, "server_bind", server_bind)
    return bound


@pytest.mark.usefixtures("inside_a_container", "ms_browser")
async def test_msal_sign_in_listens_on_loopback_even_inside_a_container(ms_endpoints, msal_binds) -> None:  # type: ignore[no-untyped-def]
    grant = await ms_oauth.authorize_microsoft(ms_endpoints, timeout=30)
    assert grant.cache_json
    assert msal_binds == ["127.0.0.1"]


@pytest.mark.usefixtures("inside_a_container")
def test_msal_receiver_binds_loopback(msal_binds: list[str]) -> None:
    with ms_oauth.loopback_receiver():
        pass
    assert msal_binds == ["127.0.0.1"]


def test_msal_receiver_refuses_a_foreign_host_and_survives_an_idle_connection(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ms_oauth, "_SOCKET_TIMEOUT_SECONDS", 0.5)  # MSAL serves one connection at a time
    with ms_oauth.loopback_receiver() as receiver:
        port = receiver.get_port()
        waiting = Waiting(lambda: receiver.get_auth_response(timeout=HANG_GUARD_SECONDS, state="ours"))
        with idle_connection(port):
            answer = {"code": "0.Areal", "state": "ours"}
            assert request(port, "/", host=f"evil.example:{port}", method="POST", form=answer) == 400
            assert request(port, "/", host=f"localhost:{port}", method="POST",
                           form={"code": "0.Aforged", "state": "forged"}) == 400
            assert request(port, "/", host=f"localhost:{port}", method="POST", form=answer) == 200
        assert waiting.outcome() == answer
