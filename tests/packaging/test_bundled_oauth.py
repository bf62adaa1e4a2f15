"""A packaged build finds the OAuth clients its packager supplied in ``oauth/``; the environment wins."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bizcal_desktop.config import GoogleEndpoints, MicrosoftEndpoints


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv("BIZCAL_GOOGLE_CLIENT_FILE", raising=False)
    monkeypatch.delenv("BIZCAL_MS_CLIENT_ID", raising=False)
    (tmp_path / "oauth").mkdir()
    return tmp_path


def test_a_bundle_without_oauth_files_has_no_clients(bundle: Path) -> None:
    assert GoogleEndpoints.from_env().client_file is None
    assert MicrosoftEndpoints.from_env().client_id is None


def test_the_bundled_clients_are_used(bundle: Path) -> None:
    (bundle / "oauth" / "google-client.json").write_text('{"installed": {}}')
    (bundle / "oauth" / "microsoft-client-id.txt").write_text("11111111-2222-3333-4444-555555555555\n")
    assert GoogleEndpoints.from_env().client_file == str(bundle / "oauth" / "google-client.json")
    assert MicrosoftEndpoints.from_env().client_id == "11111111-2222-3333-4444-555555555555"


def test_the_environment_wins_over_the_bundle(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (bundle / "oauth" / "google-client.json").write_text('{"installed": {}}')
    (bundle / "oauth" / "microsoft-client-id.txt").write_text("bundled-id\n")
    monkeypatch.setenv("BIZCAL_GOOGLE_CLIENT_FILE", "/etc/bizcal/google.json")
    monkeypatch.setenv("BIZCAL_MS_CLIENT_ID", "from-env")
    assert GoogleEndpoints.from_env().client_file == "/etc/bizcal/google.json"
    assert MicrosoftEndpoints.from_env().client_id == "from-env"


def test_outside_a_bundle_nothing_is_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.delenv("BIZCAL_MS_CLIENT_ID", raising=False)
    assert MicrosoftEndpoints.from_env().client_id is None
