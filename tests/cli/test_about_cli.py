"""``bizcal about``: what the tray's About box shows, on the command line (in process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bizcal_desktop import __version__
from bizcal_desktop.cli.entry import main


def test_about_names_the_version_folders_and_licences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["about", "--json", "--data-dir", str(data)]) == 0
    about = json.loads(capsys.readouterr().out)
    assert about["version"] == __version__ and about["packaged"] is False
    assert about["data_dir"] == str(data) and about["log_file"] == str(data / "logs" / "bizcal.log")
    assert about["licences_file"] is None  # only a packaged build carries one
    licences = {c["name"]: c["licence"] for c in about["components"]}
    assert "LGPL-3.0-only" in licences["PySide6_Essentials"] and licences["SQLAlchemy"] == "MIT"

    assert main(["about", "--data-dir", str(data)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"BizCal Desktop {__version__} (installed from source or PyPI)")
    assert f"Log file:    {data / 'logs' / 'bizcal.log'}" in text


def test_a_packaged_build_points_at_its_licence_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "THIRD-PARTY-LICENSES.txt").write_text("texts")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert main(["about", "--json", "--data-dir", str(tmp_path / "data")]) == 0
    about = json.loads(capsys.readouterr().out)
    assert about["packaged"] is True and about["licences_file"] == str(bundle / "THIRD-PARTY-LICENSES.txt")
