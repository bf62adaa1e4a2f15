"""Project-wide pytest configuration: shared fixture modules are registered here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from tests.support.memory_keyring import MemoryKeyring

pytest_plugins = [
    "tests.fixtures.radicale", "tests.fixtures.google", "tests.fixtures.microsoft", "tests.fixtures.postgres",
]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every in-process test gets an empty, private keychain."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The application's real services on a fresh data folder, with fast retry backoff."""
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    monkeypatch.setenv("BIZCAL_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("BIZCAL_BACKOFF_CAP", "0.05")
    monkeypatch.setenv("BIZCAL_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("BIZCAL_REQUEST_TIMEOUT", "5")
    built = build_services(Config.load(tmp_path / "data"))
    yield built
    built.close()
