"""Start at login, the way each OS expects it: an XDG autostart file (Linux and other Unix desktops),
a LaunchAgent (macOS), or a value under HKCU\\...\\Run (Windows).

Why per-user and written by us: no installer or admin rights are needed, the user's own Settings
switch can add and remove it, and each OS shows the entry in its usual "login items" place.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import sys
from pathlib import Path

APP_ID = "bizcal-desktop"
DISPLAY_NAME = "BizCal Desktop"
MAC_LABEL = "com.bizcal.desktop"
WINDOWS_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command() -> list[str]:
    """How to start this installation at login: the installed app, never a build folder's Python.

    A packaged build (PyInstaller sets ``sys.frozen``) starts its own executable: on Linux the
    ``bizcal-desktop`` in the folder the tarball was unpacked to (or the AppImage file itself,
    which ``$APPIMAGE`` names: ``sys.executable`` would be inside its temporary mount); on macOS
    ``BizCal Desktop.app/Contents/MacOS/bizcal-desktop``; on Windows the installed
    ``bizcal-desktop.exe``. An installation from PyPI starts its ``bizcal-desktop`` gui-script, and
    a checkout without one ``python -m bizcal_desktop``.
    """
    if getattr(sys, "frozen", False):
        appimage = os.environ.get("APPIMAGE")
        if appimage and not sys.platform.startswith(("win", "darwin")):
            return [appimage]
        return [sys.executable]
    script = shutil.which(APP_ID)
    if script:
        return [script]
    return [sys.executable, "-m", "bizcal_desktop"]


def _desktop_exec(command: list[str]) -> str:
    """Quote arguments as the Desktop Entry spec wants (double quotes; \\, ", `, $ escaped)."""
    quoted = []
    for arg in command:
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            quoted.append(arg)
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            quoted.append(f'"{escaped}"')
    return " ".join(quoted).replace("%", "%%")


def _windows_command_line(command: list[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(command)


class Autostart:
    """Adds, removes and reports the login item for one user."""

    def __init__(
        self, platform: str | None = None, home: Path | None = None, xdg_config_home: Path | None = None
    ) -> None:
        self.platform = platform or sys.platform
        self.home = home or Path.home()
        env_xdg = os.environ.get("XDG_CONFIG_HOME")
        self.xdg_config_home = xdg_config_home or (Path(env_xdg) if env_xdg else self.home / ".config")

    # ----- where ------------------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The file that makes the app start (None on Windows, which uses the registry)."""
        if self.platform.startswith("win"):
            return None
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{MAC_LABEL}.plist"
        return self.xdg_config_home / "autostart" / f"{APP_ID}.desktop"

    # ----- what ---------------------------------------------------------------------------------------
    def is_enabled(self) -> bool:
        if self.platform.startswith("win"):
            return self._windows_value() is not None
        path = self.path
        return path is not None and path.is_file()

    def enable(self, command: list[str] | None = None) -> None:
        command = command or launch_command()
        if self.platform.startswith("win"):
            self._windows_set(_windows_command_line(command))
            return
        path = self.path
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.platform == "darwin":
            data = {
                "Label": MAC_LABEL,
                "ProgramArguments": command,
                "RunAtLoad": True,
                "ProcessType": "Interactive",
            }
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                plistlib.dump(data, fh)
            tmp.replace(path)
            return
        text = "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                f"Name={DISPLAY_NAME}",
                "Comment=Keeps bookings and staff calendars in sync",
                f"Exec={_desktop_exec(command)}",
                f"Icon={APP_ID}",
                "Terminal=false",
                "X-GNOME-Autostart-enabled=true",
                "",
            ]
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    def disable(self) -> None:
        if self.platform.startswith("win"):
            self._windows_delete()
            return
        path = self.path
        if path is not None:
            path.unlink(missing_ok=True)

    def set_enabled(self, enabled: bool) -> None:
        if enabled:
            self.enable()
        else:
            self.disable()

    # ----- Windows registry -------------------------------------------------------------------------
    def _windows_value(self) -> str | None:
        import winreg  # type: ignore[import-not-found]  # Windows only

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, DISPLAY_NAME)
                return str(value)
        except FileNotFoundError:
            return None

    def _windows_set(self, command_line: str) -> None:
        import winreg  # type: ignore[import-not-found]

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY) as key:
            winreg.SetValueEx(key, DISPLAY_NAME, 0, winreg.REG_SZ, command_line)

    def _windows_delete(self) -> None:
        import winreg  # type: ignore[import-not-found]

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, DISPLAY_NAME)
        except FileNotFoundError:
            pass


def command_text(command: list[str]) -> str:
    """For showing the command in Settings' tooltip."""
    return shlex.join(command)
