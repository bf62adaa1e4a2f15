"""Start at login: real files written and removed (Linux for real; the macOS plist's content)."""

from __future__ import annotations

import plistlib
import shlex
from pathlib import Path

from bizcal_desktop.ui.autostart import Autostart, launch_command


def test_linux_autostart_file_is_written_and_removed(tmp_path: Path) -> None:
    auto = Autostart(platform="linux", home=tmp_path, xdg_config_home=tmp_path / "cfg")
    assert not auto.is_enabled()
    auto.enable(["/opt/BizCal Desktop/bin/bizcal-desktop", "--data-dir", "/home/a b/data"])
    assert auto.path == tmp_path / "cfg" / "autostart" / "bizcal-desktop.desktop"
    assert auto.is_enabled()
    entries = dict(line.split("=", 1) for line in auto.path.read_text().splitlines() if "=" in line)
    assert entries["Type"] == "Application" and entries["Name"] == "BizCal Desktop"
    assert shlex.split(entries["Exec"]) == [
        "/opt/BizCal Desktop/bin/bizcal-desktop",
        "--data-dir",
        "/home/a b/data",
    ]
    auto.disable()
    assert not auto.is_enabled() and not auto.path.exists()
    auto.disable()  # removing twice is fine


def test_macos_launch_agent_runs_at_load(tmp_path: Path) -> None:
    auto = Autostart(platform="darwin", home=tmp_path)
    auto.set_enabled(True)
    assert auto.path == tmp_path / "Library" / "LaunchAgents" / "com.bizcal.desktop.plist"
    data = plistlib.loads(auto.path.read_bytes())
    assert data["RunAtLoad"] is True and data["ProgramArguments"] == launch_command()
    auto.set_enabled(False)
    assert not auto.is_enabled()


def test_launch_command_starts_this_installation() -> None:
    command = launch_command()
    assert command[-1] in ("bizcal-desktop", "bizcal_desktop") or command[-1].endswith("bizcal-desktop")


def test_a_packaged_build_starts_its_own_executable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/BizCal Desktop/bizcal-desktop")
    monkeypatch.delenv("APPIMAGE", raising=False)
    assert launch_command() == ["/opt/BizCal Desktop/bizcal-desktop"]
    auto = Autostart(platform="linux", home=tmp_path, xdg_config_home=tmp_path / "cfg")
    auto.enable()
    assert auto.path is not None
    exec_line = next(line for line in auto.path.read_text().splitlines() if line.startswith("Exec="))
    assert shlex.split(exec_line.removeprefix("Exec=")) == ["/opt/BizCal Desktop/bizcal-desktop"]


def test_an_appimage_starts_the_appimage_file_not_its_mount(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sys, "executable", "/tmp/.mount_BizCalXy12/bizcal-desktop")
    monkeypatch.setenv("APPIMAGE", "/home/a/Applications/BizCal_Desktop-x86_64.AppImage")
    assert launch_command() == ["/home/a/Applications/BizCal_Desktop-x86_64.AppImage"]


def test_a_mac_app_bundle_login_item_runs_the_bundle_executable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    exe = "/Applications/BizCal Desktop.app/Contents/MacOS/bizcal-desktop"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", exe)
    auto = Autostart(platform="darwin", home=tmp_path)
    auto.enable()
    assert auto.path is not None
    assert plistlib.loads(auto.path.read_bytes())["ProgramArguments"] == [exe]
