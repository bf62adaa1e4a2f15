"""SIGTERM quits the tray app the way Quit does: clean shutdown, exit status 0 (a real process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="no SIGTERM from outside on Windows")


def _wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_quits_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    data = tmp_path / "data"
    log = data / "logs" / "bizcal.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "bizcal_desktop", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_for(lambda: log.exists() and "timers started" in log.read_text()), app.poll()
        time.sleep(0.5)  # idle in Qt's loop: the signal must wake it, not wait for a timer
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=30) == 0, app.stdout.read() if app.stdout else ""
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    text = log.read_text()
    assert "SIGTERM received: quitting" in text and "BizCal Desktop stopped" in text, text[-800:]
    assert text.index("SIGTERM received: quitting") < text.index("BizCal Desktop stopped")
