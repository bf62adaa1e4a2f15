"""One computer running the ``bizcal`` CLI in-process, for tests that play two computers on one database.

Why a shared helper: the CLI tests of a team database (two computers, each with its own data folder,
one PostgreSQL database) and of one SQLite folder drive ``bizcal_desktop.cli.entry.main`` the same way -
the computer's flags after the command, the output read back from pytest's capture, ``--json`` parsed
for the happy path - and had grown a copy of this class each. A computer may also have its own
keychain service (as two machines would), set for each of its commands, and be handed stdin (a
password for ``--password-stdin``); both need pytest's ``monkeypatch``.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bizcal_desktop.cli.entry import main


class Computer:
    """Runs CLI commands with this computer's ``flags`` (``--data-dir``, ``--database-url``)."""

    def __init__(self, flags: list[str], capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch | None = None, keyring_service: str | None = None) -> None:
        self.flags, self.capsys = flags, capsys
        self.keyring_service = keyring_service
        self._monkeypatch = monkeypatch

    @classmethod
    def with_own_keychain(cls, folder: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> Computer:
        """A computer with its data in ``folder`` and a keychain service of its own, named after it."""
        return cls(["--data-dir", str(folder), "--database-url", database_url], capsys, monkeypatch,
                   keyring_service=f"bizcal-test-{folder.name}")

    def run(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of ``bizcal ARGS FLAGS``; with a monkeypatch, stdin is ``stdin`` (or empty)."""
        if self._monkeypatch is not None:
            if self.keyring_service is not None:
                self._monkeypatch.setenv("BIZCAL_KEYRING_SERVICE", self.keyring_service)
            self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        elif stdin is not None:
            raise ValueError("a Computer needs pytest's monkeypatch to be handed stdin")
        code = main([*args, *self.flags])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, stdin: str | None = None) -> Any:
        """The parsed ``--json`` answer of a command that must succeed (its stderr is the failure message)."""
        code, out, err = self.run(*args, "--json", stdin=stdin)
        assert code == 0, err
        return json.loads(out)
