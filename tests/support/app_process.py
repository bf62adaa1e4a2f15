"""The tray app as a real process on a fresh data folder, for tests that need a whole process.

Why a helper: start-up, single-instance hand-over and SIGTERM are only true of a real process (a
signal, a second launch, the log file it writes), and those tests all start it the same way — the
offscreen platform, no keychain needed, wait for "timers started" in its log — and must kill it if an
assertion fails, or a stray app outlives the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The environment the app runs in: no display, and a keychain that stores nothing (no secret is used).
APP_ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``predicate`` every 50 ms for up to ``timeout`` seconds; whether it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@dataclass
class AppProcess:
    process: subprocess.Popen[bytes]
    data: Path

    @property
    def log(self) -> Path:
        return self.data / "logs" / "bizcal.log"

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def launch_again(self) -> subprocess.CompletedProcess[bytes]:
        """A second launch on the same data folder, run to its end."""
        return subprocess.run(app_command(self.data), env=APP_ENV, capture_output=True, timeout=60, check=False)


def app_command(data: Path) -> list[str]:
    return [sys.executable, "-m", "bizcal_desktop", "--data-dir", str(data)]


@contextmanager
def running_app(data: Path) -> Iterator[AppProcess]:
    """Start the app on ``data`` and wait until its timers run; kill it at the end if still alive."""
    app = AppProcess(subprocess.Popen(app_command(data), env=APP_ENV, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT), data)
    try:
        assert wait_for(lambda: "timers started" in app.log_text()), (app.process.poll(), app.log_text())
        yield app
    finally:
        if app.process.poll() is None:
            app.process.terminate()
            try:
                app.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.process.kill()
                app.process.wait()
