"""A failing listener is logged and the others are still told (the tray must never break syncing)."""

from __future__ import annotations

import logging

import pytest

from bizcal_desktop.sync.listeners import Listeners


def test_a_failing_listener_is_logged_and_the_others_are_still_told(caplog: pytest.LogCaptureFixture) -> None:
    told: list[str] = []
    listeners: Listeners[str] = Listeners("sync")

    def broken(_event: str) -> None:
        raise RuntimeError("boom")

    listeners.add(broken)
    listeners.add(told.append)
    with caplog.at_level(logging.ERROR):
        listeners.notify("done")
    assert told == ["done"]
    assert "sync listener failed" in caplog.text


def test_remove_forgets_a_listener_and_ignores_one_never_added() -> None:
    told: list[int] = []
    listeners: Listeners[int] = Listeners("conflict")
    listeners.add(told.append)
    listeners.remove(told.append)
    listeners.remove(print)
    listeners.notify(1)
    assert told == [] and len(listeners) == 0
