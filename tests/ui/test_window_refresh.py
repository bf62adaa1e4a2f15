"""A window refreshes one at a time; requests made meanwhile fold into one more that reads the newest filters.

The test window's refresh waits on a gate the test opens, so overlap is made on purpose, not left to
the machine's speed (the Sync Log's Retry once found its selection replaced by a late refresh).
"""

from __future__ import annotations

import asyncio

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from tests.ui.conftest import run_async


class GatedWindow(BaseWindow):
    """Its refresh shows the filter as it was when the refresh read it, once the gate opens."""

    def __init__(self, controller: DesktopController) -> None:
        super().__init__(controller, "Gated", "sync-log")
        self.filter = "a"
        self.shown: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()

    async def refresh(self) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            wanted = self.filter
            await self.gate.wait()
            self.shown.append(wanted)
        finally:
            self.running -= 1


def test_requests_made_while_refreshing_fold_into_one_more(controller, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = GatedWindow(controller)
    qtbot.addWidget(window)
    first = window.request_refresh()
    qtbot.waitUntil(lambda: window.running == 1)
    for typed in ("ab", "abc", "abcd"):  # a search typed letter by letter while the first refresh runs
        window.filter = typed
        assert window.request_refresh() is first
    assert window.refreshing
    window.gate.set()
    run_async(qtbot, first)
    assert window.shown == ["a", "abcd"]  # the newest filter last, and only once
    assert window.most_at_once == 1
    assert not window.refreshing
    assert window.last_refresh is first


def test_a_request_after_the_last_one_ended_starts_afresh(controller, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = GatedWindow(controller)
    qtbot.addWidget(window)
    window.gate.set()
    first = window.request_refresh()
    run_async(qtbot, first)
    window.filter = "b"
    second = window.request_refresh()
    assert second is not first
    run_async(qtbot, second)
    assert window.shown == ["a", "b"]


def test_a_failed_refresh_says_so_and_the_next_request_runs(controller, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = GatedWindow(controller)
    qtbot.addWidget(window)
    window.gate.set()
    window.filter = "boom"

    async def failing() -> None:
        raise UserInputError("The filter cannot be read.")

    window.refresh = failing  # type: ignore[method-assign]
    failed = window.request_refresh()
    qtbot.waitUntil(failed.done)
    assert window.status_label.text() == "The filter cannot be read."
    assert not window.refreshing
    del window.refresh  # the class's own refresh again
    run_async(qtbot, window.request_refresh())
    assert window.shown == ["boom"]
