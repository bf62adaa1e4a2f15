"""Connecting is patient within bounds: a hiccup is tried again, a silent server costs seconds, not minutes.

Assertions count attempts (connections accepted, requests served); the only clock is a generous
``asyncio.wait_for`` that turns a regression into a failure instead of a hang.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bizcal_desktop.errors import PermanentError, TransientError
from bizcal_desktop.services.pending_connection import ConnectionTestFailed
from bizcal_desktop.services.connect_retry import ConnectRetryPolicy, with_retries
from tests.support.misbehaving_servers import flaky_proxy, silent_server

#: Words that promise a retry; during connect nothing retries once the answer is shown.
PROMISES = ("tried again", "will retry", "will be tried", "retry shortly", "retry later")
GUARD = 20.0  # seconds: only ever spent when the bound is broken


def assert_no_promise(message: str) -> None:
    assert not any(p in message.lower() for p in PROMISES), message


@pytest.fixture
def services_1s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The real services with a request timeout of one second."""
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    monkeypatch.setenv("BIZCAL_REQUEST_TIMEOUT", "1")
    built = build_services(Config.load(tmp_path / "data"))
    built.directory.add_staff("Mark", "Europe/Berlin")
    yield built
    built.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_server_that_never_answers_fails_within_the_timeout(services_1s, scheme: str) -> None:  # type: ignore[no-untyped-def]
    """The caldav library sent a second request after the first timed out, and a TLS handshake kept
    asyncio's own 60 s: 2 x 20 s over http, 2 x 61 s over https. Now each call is cut at the
    timeout and the whole test at twice it (over TLS the HTTP library takes up to a second more to
    close the cut connection, so the deadline may be what ends it)."""
    with silent_server() as server:
        url = f"{scheme}://127.0.0.1:{server.port}/"
        with pytest.raises(ConnectionTestFailed) as failed:
            await asyncio.wait_for(
                services_1s.connections.begin_caldav("Mark", "generic", url, "mark", "app-pw"), GUARD
            )
    message = str(failed.value)
    assert re.match(r"The calendar server 127\.0\.0\.1 did not answer within (1 second|2 seconds)", message)
    assert "try again" in message
    assert_no_promise(message)
    assert 1 <= server.accepted <= 3  # one connection per attempt at most, plus a cut-off probe
    [entry] = services_1s.sync_log.entries()
    assert entry.outcome == "failure" and entry.message == f"CalDAV test failed: {message}"


async def test_503_twice_then_the_server_works(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    with flaky_proxy(server.url, failures=2) as proxy:
        pending = await asyncio.wait_for(
            services.connections.begin_caldav("Mark", "generic", proxy.url, server.username, server.password),
            GUARD,
        )
        chosen = caldav_calendar.url.replace(server.url, proxy.url)
        view = await services.connections.finish_connection(pending, chosen)
    assert proxy.failed == 2 and proxy.forwarded > 0
    assert view.server_url == proxy.url and services.connections.list() == [view]


async def test_503_every_time_fails_after_three_attempts(services_1s) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.server_process import free_port

    with (flaky_proxy(f"http://127.0.0.1:{free_port()}/", failures=-1) as proxy,
          pytest.raises(ConnectionTestFailed) as failed):
        await asyncio.wait_for(
            services_1s.connections.begin_caldav("Mark", "generic", proxy.url, "mark", "app-pw"), GUARD
        )
    message = str(failed.value)
    assert proxy.failed == 3 and proxy.forwarded == 0
    assert "had a problem (503) while looking for your account" in message
    assert "BizCal tried 3 times; try again in a moment." in message
    assert_no_promise(message)


async def test_a_retry_after_beyond_the_cap_is_reported_not_waited_for(services_1s) -> None:  # type: ignore[no-untyped-def]
    slow_down = {"Retry-After": "120"}
    with (flaky_proxy("http://127.0.0.1:9/", failures=-1, status=429, headers=slow_down) as proxy,
          pytest.raises(ConnectionTestFailed) as failed):
        await asyncio.wait_for(
            services_1s.connections.begin_caldav("Mark", "generic", proxy.url, "mark", "app-pw"), GUARD
        )
    message = str(failed.value)
    assert proxy.failed == 1
    assert "asked BizCal to slow down" in message and "wait 120 seconds; try again after that." in message
    assert_no_promise(message)


async def test_a_short_retry_after_is_honoured_and_the_next_attempt_works(  # type: ignore[no-untyped-def]
    services, caldav_calendar
) -> None:
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    with flaky_proxy(server.url, failures=1, status=429, headers={"Retry-After": "1"}) as proxy:
        pending = await asyncio.wait_for(
            services.connections.begin_caldav("Mark", "generic", proxy.url, server.username, server.password),
            GUARD,
        )
    assert proxy.failed == 1 and proxy.forwarded > 0 and pending.calendars


async def test_a_refused_password_is_not_tried_again(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    with (flaky_proxy(server.url, failures=0) as proxy,
          pytest.raises(ConnectionTestFailed, match="refused the username or app-specific password")):
        await services.connections.begin_caldav("Mark", "generic", proxy.url, server.username, "wrong")
    assert proxy.forwarded <= 3  # one attempt: the library's auth negotiation costs up to three requests


async def test_google_listing_is_tried_again_after_503(  # type: ignore[no-untyped-def]
    tmp_path: Path, google_fake, google_endpoints, fake_browser
) -> None:
    import dataclasses

    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    services = build_services(dataclasses.replace(Config.load(tmp_path / "data"), google=google_endpoints))
    try:
        services.directory.add_staff("Alice", "Europe/Berlin")
        google_fake.inject("calendarList.list", 503, count=2)
        view = await asyncio.wait_for(services.connections.connect_google("Alice"), GUARD)
    finally:
        services.close()
    assert view.provider == "google", google_fake.counts
    assert google_fake.counts["calendarList.list"] == 4  # two 503s, the listing, the test's listing


# ----- the policy alone ------------------------------------------------------------------------------

FAST = ConnectRetryPolicy(first_pause=0.01, longest_pause=0.05)


async def test_policy_tries_a_transient_failure_again_and_stops_at_other_errors() -> None:
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("The server had a problem (503).")
        return "ok"

    assert await with_retries(flaky, timeout=5, service="S", policy=FAST) == "ok" and len(calls) == 3

    async def refused() -> str:
        calls.append(1)
        raise PermanentError("No.")

    calls.clear()
    with pytest.raises(PermanentError, match="^No.$"):
        await with_retries(refused, timeout=5, service="S", policy=FAST)
    assert len(calls) == 1


async def test_policy_gives_up_after_its_attempts_with_one_sentence() -> None:
    calls: list[int] = []

    async def down() -> str:
        calls.append(1)
        raise TransientError("Could not reach S; check your network connection.")

    with pytest.raises(TransientError) as failed:
        await with_retries(down, timeout=5, service="S", policy=FAST)
    assert len(calls) == 3
    assert str(failed.value) == ("Could not reach S; check your network connection. "
                                 "BizCal tried 3 times; try again in a moment.")


async def test_policy_deadline_cuts_an_attempt_that_hangs() -> None:
    async def hangs() -> str:
        await asyncio.Event().wait()
        return "never"

    with pytest.raises(TransientError) as failed:
        await asyncio.wait_for(with_retries(hangs, timeout=0.05, service="Google", policy=FAST), GUARD)
    assert str(failed.value) == ("Google did not answer within 0.1 seconds; check the address and your "
                                 "network connection, then try again.")
