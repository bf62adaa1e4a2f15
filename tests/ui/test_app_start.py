"""Start-up: one instance per data folder; ``python -m bizcal_desktop`` runs and a second launch
asks the first to show its window, then exits."""

from __future__ import annotations

from pathlib import Path

from bizcal_desktop.ui.single_instance import claim_single_instance, server_name
from tests.support.app_process import running_app, wait_for


def test_second_claim_wakes_the_first(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = claim_single_instance(tmp_path)
    assert first is not None
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=5000):
            assert claim_single_instance(tmp_path) is None
    finally:
        first.close()
    assert server_name(tmp_path) != server_name(tmp_path / "other")


def test_python_m_starts_the_app_and_a_second_launch_shows_the_first(tmp_path: Path) -> None:
    with running_app(tmp_path / "data") as first:
        second = first.launch_again()
        assert second.returncode == 0
        assert "already runs" in first.log_text()
        assert wait_for(lambda: "showing the main window (asked by a second launch)" in first.log_text())
        assert first.process.poll() is None  # the first one keeps running
