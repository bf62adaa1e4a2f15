"""SIGTERM quits the tray app the way Quit does: clean shutdown, exit status 0 (a real process)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.app_process import running_app

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="no SIGTERM from outside on Windows")


def test_sigterm_quits_cleanly(tmp_path: Path) -> None:
    with running_app(tmp_path / "data") as app:
        time.sleep(0.5)  # idle in Qt's loop: the signal must wake it, not wait for a timer
        app.process.send_signal(signal.SIGTERM)
        assert app.process.wait(timeout=30) == 0, app.process.stdout.read() if app.process.stdout else ""
    text = app.log_text()
    assert "SIGTERM received: quitting" in text and "BizCal Desktop stopped" in text, text[-800:]
    assert text.index("SIGTERM received: quitting") < text.index("BizCal Desktop stopped")
