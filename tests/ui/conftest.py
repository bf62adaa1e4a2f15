"""Qt tests run offscreen, on a qasync loop that pumps whenever qtbot waits.

Why ``already_running``: the app's coroutines (drains, to_thread calls) need a running asyncio
loop, and pytest-qt drives the Qt event loop itself (``qtbot.waitUntil``); a qasync loop marked as
running executes its callbacks whenever Qt processes events, which is exactly what the app does.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import running_tasks
from tests.support.connections import seed_connection


@pytest.fixture(scope="session")
def _session_qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """One qasync loop for the whole session, like the app's one loop for its whole life."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)  # only while a UI test runs (see ``qloop``)
    # Plain Python worker threads, shut down at the end (qasync's QThread pool would be destroyed
    # still running when the interpreter exits, since this loop is never closed).
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ui-test-worker")
    loop.set_default_executor(executor)
    yield loop
    # Close it while the QApplication still exists (qasync offers no public way to close a loop
    # it was told is "already running"; this is the flag its own stop() clears).
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    loop.close()
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def qloop(_session_qloop, qtbot) -> Iterator[asyncio.AbstractEventLoop]:  # type: ignore[no-untyped-def]
    """Make the qasync loop the running loop for one test, and let its work finish afterwards.

    The running-loop marker is per thread and pytest-asyncio's own tests set and clear it too, so
    it is set here for exactly the duration of a UI test.
    """
    loop = _session_qloop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
        # Let work the test started finish (drains write to the database) before the next test.
        pending = [t for t in running_tasks() if not t.done()]
        if pending:
            qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=20000)
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        qtbot.wait(1)
        # Free this test's Qt objects now, while the QApplication is alive: left to the
        # interpreter's final garbage collection, PySide may destroy them in an unsafe order.
        gc.collect()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def run_async(qtbot, coro, timeout: int = 20000):  # type: ignore[no-untyped-def]
    """Run ``coro`` on the qasync loop and wait (pumping Qt) for its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


@pytest.fixture
def controller(qloop, qtbot, services):  # type: ignore[no-untyped-def]
    """The desktop's controller, started with its timers paused: drains and imports happen only when
    a test asks (``request_drain`` is then a no-op), so nothing runs behind a test's back."""
    c = DesktopController(services)
    c.scheduler.pause()
    c.start()
    yield c
    run_async(qtbot, c.scheduler.stop(grace=10))


@pytest.fixture
def sample(services):  # type: ignore[no-untyped-def]
    """One staff member, one service, and a booking tomorrow at 10:00 Berlin time."""
    staff = services.directory.add_staff("Alice Example", "Europe/Berlin")
    service = services.directory.add_service("Haircut", 45, buffer_after=10)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    booking = services.bookings.add(staff.id, service.id, "Carla Customer", f"{tomorrow.isoformat()}T10:00")
    return staff, service, booking


def connect_radicale(services, staff_id: int, calendar) -> int:  # type: ignore[no-untyped-def]
    """Save a working CalDAV connection to a Radicale calendar (as the wizard would); its id."""
    view = seed_connection(
        services,
        staff=staff_id,
        provider="caldav",
        provider_type="generic",
        display_name=f"Radicale – {calendar.username}",
        server_url=calendar.server.url,
        username=calendar.username,
        calendar_id=calendar.url,
        calendar_href=calendar.url,
        calendar_name=calendar.display_name,
        secret=calendar.password,
    )
    return view.id


def connect_broken(services, staff_id: int, port: int) -> int:  # type: ignore[no-untyped-def]
    """A CalDAV connection whose server refuses connections (nothing listens on ``port``)."""
    url = f"http://127.0.0.1:{port}/alice/cal/"
    view = seed_connection(
        services,
        staff=staff_id,
        provider="caldav",
        provider_type="generic",
        display_name="Unreachable",
        server_url=f"http://127.0.0.1:{port}/",
        username="alice",
        calendar_id=url,
        calendar_href=url,
        calendar_name="Gone",
        secret="x",
    )
    return view.id
