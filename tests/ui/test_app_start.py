"""Start-up: one instance per data folder; ``python -m bizcal_desktop`` runs and a second launch
asks the first to show its window, then exits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bizcal_desktop.ui.single_instance import claim_single_instance, server_name


def test_second_claim_wakes_the_first(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = claim_single_instance(tmp_path)
    assert first is not None
    try:
        with qtbot.waitSignal(first.activation_requested, timeout=5000):
            assert claim_single_instance(tmp_path) is None
    finally:
        first.close()
    assert server_name(tmp_path) != server_name(tmp_path / "other")


def _wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_python_m_starts_the_app_and_a_second_launch_shows_the_first(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    data = tmp_path / "data"
    log = data / "logs" / "bizcal.log"
    first = subprocess.Popen(
        [sys.executable, "-m", "bizcal_desktop", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_for(lambda: log.exists() and "timers started" in log.read_text()), (
            first.poll(),
            log.read_text() if log.exists() else "",
        )
        second = subprocess.run(
            [sys.executable, "-m", "bizcal_desktop", "--data-dir", str(data)],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 0
        assert "already runs" in log.read_text()
        assert _wait_for(lambda: "showing the main window (asked by a second launch)" in log.read_text())
        assert first.poll() is None  # the first one keeps running
    finally:
        first.terminate()
        first.wait(timeout=30)
