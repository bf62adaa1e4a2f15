"""The `bizcal` subprocess driver shared by the end-to-end tests.

Secrets: under ``with-keychain`` (CI and ``scripts/run-tests``) the runs use the real Secret Service;
elsewhere a file keyring in a temp folder, so a developer's own keychain is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

REAL_KEYCHAIN = os.environ.get("BIZCAL_E2E_REAL_KEYCHAIN") == "1"
BERLIN = ZoneInfo("Europe/Berlin")


def day_in_the_import_window() -> str:
    """Two days from today in Berlin, ISO: the busy import reads from today on, so a fixed date
    falls out of its window once that day has passed."""
    return (datetime.now(BERLIN) + timedelta(days=2)).date().isoformat()


def berlin_time(day: str, clock: str) -> str:
    """``day`` at ``clock`` in Berlin with that day's own UTC offset (+01:00 or +02:00), ISO."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN).isoformat()


@dataclass
class Cli:
    env: dict[str, str]
    data_dir: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bizcal_desktop.cli", *args],
            input=stdin, capture_output=True, text=True, env=self.env, timeout=120,
        )

    def ok(self, *args: str, stdin: str | None = None) -> Any:
        result = self.run(*args, "--json", stdin=stdin)
        assert result.returncode == 0, f"bizcal {' '.join(args)} failed: {result.stderr}"
        return json.loads(result.stdout)

    def keyring_get(self, account: str) -> str | None:
        code = (
            "import keyring, sys; v = keyring.get_password(sys.argv[1], sys.argv[2]); "
            "print('' if v is None else v)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, self.env["BIZCAL_KEYRING_SERVICE"], account],
            capture_output=True, text=True, env=self.env, timeout=60, check=True,
        ).stdout.strip()
        return out or None


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIZCAL_")}
    env.update(
        BIZCAL_HOME=str(tmp_path / "home"),
        BIZCAL_KEYRING_SERVICE=f"bizcal-e2e-{uuid.uuid4().hex[:8]}",
        BIZCAL_BACKOFF_BASE="0.01",
        BIZCAL_BACKOFF_CAP="0.05",
        BIZCAL_MAX_ATTEMPTS="2",
        BIZCAL_REQUEST_TIMEOUT="5",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    if not REAL_KEYCHAIN:
        env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        # bizcal refuses plaintext keyrings unless told otherwise; this throw-away one is fine.
        env["BIZCAL_ALLOW_INSECURE_KEYRING"] = "1"
        env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    return Cli(env, tmp_path / "home")


