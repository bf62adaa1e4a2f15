"""The committed icons, version resource and runtime icon are what ``packaging/make_resources.py``
makes from the one SVG today; the desktop metadata agrees with itself and with the app."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from bizcal_desktop import __version__
from bizcal_desktop.ui.autostart import APP_ID, MAC_LABEL
from tests.packaging.conftest import ROOT, load_script

make_resources = load_script("make_resources")
DESKTOP_FILE = ROOT / "resources" / "linux" / "com.bizcal.desktop.desktop"
METAINFO = ROOT / "resources" / "linux" / "com.bizcal.desktop.metainfo.xml"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resources")
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_resources.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return out


def _close(a: Image.Image, b: Image.Image) -> bool:
    """Same size, and no channel differs by more than 1/255 on average (another Qt version may
    antialias an edge pixel differently; a changed drawing differs by far more)."""
    if a.size != b.size:
        return False
    diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
    return max(ImageStat.Stat(diff).mean) <= 1.0


def _frames(path: Path) -> dict[tuple[int, ...], Image.Image]:
    """Every image inside an .ico or .icns, by its size."""
    image = Image.open(path)
    container = image.ico if path.suffix == ".ico" else image.icns  # type: ignore[attr-defined]
    return {size: container.getimage(size) for size in image.info["sizes"]}


def test_every_generated_file_is_committed_and_current(regenerated: Path) -> None:
    for relative in make_resources.generated_files():
        committed, fresh = ROOT / relative, regenerated / relative
        assert committed.is_file(), f"{relative} is missing: run packaging/make_resources.py"
        if relative.endswith(".png"):
            assert _close(Image.open(committed), Image.open(fresh)), f"{relative} is stale"
        elif relative.endswith((".ico", ".icns")):
            ours, theirs = _frames(committed), _frames(fresh)
            assert ours.keys() == theirs.keys(), relative
            for size in ours:
                assert _close(ours[size], theirs[size]), f"{relative} at {size} is stale"
        else:
            assert committed.read_bytes() == fresh.read_bytes(), f"{relative} is stale"


def test_the_app_icon_comes_from_the_one_source() -> None:
    source = (ROOT / "resources" / "bizcal-desktop.svg").read_bytes()
    assert (ROOT / "bizcal_desktop" / "resources" / "icons" / "app.svg").read_bytes() == source
    icons = ROOT / "bizcal_desktop" / "resources" / "icons"
    assert not (icons / "app-light.svg").exists() and not (icons / "app-dark.svg").exists()


def test_the_png_set_and_the_icon_files_hold_every_size() -> None:
    for size in make_resources.PNG_SIZES:
        png = ROOT / f"resources/icons/hicolor/{size}x{size}/apps/{APP_ID}.png"
        assert Image.open(png).size == (size, size)
    ico = Image.open(ROOT / "resources" / "icons" / f"{APP_ID}.ico")
    assert {s[0] for s in ico.info["sizes"]} == set(make_resources.ICO_SIZES)
    icns = Image.open(ROOT / "resources" / "icons" / f"{APP_ID}.icns")
    assert {s[0] * s[2] for s in icns.info["sizes"]} >= {32, 64, 128, 256, 512, 1024}


def test_the_desktop_entry_and_metainfo_agree() -> None:
    entries = dict(line.split("=", 1) for line in DESKTOP_FILE.read_text().splitlines() if "=" in line)
    assert entries["Exec"] == APP_ID and entries["Icon"] == APP_ID
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == MAC_LABEL
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.findtext("icon") == APP_ID
    newest = root.find("releases/release")
    assert newest is not None and newest.get("version") == __version__, "add a <release> for this version"


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli is not installed")
def test_the_metainfo_validates() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed"
)
def test_the_desktop_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP_FILE)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_macos_entries_keep_the_app_in_the_menu_bar() -> None:
    info = plistlib.loads((ROOT / "resources" / "macos" / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True
    assert info["CFBundleIdentifier"] == MAC_LABEL


def test_the_windows_version_resource_carries_this_version() -> None:
    text = (ROOT / "resources" / "windows" / "version-info.txt").read_text()
    numbers = tuple(int(n) for n in __version__.split(".")) + (0,)
    assert f"filevers={numbers}" in text and f"StringStruct('ProductVersion', '{__version__}')" in text
    assert re.search(r"^VSVersionInfo\(", text, re.MULTILINE)
    compile(text, "version-info.txt", "eval")  # PyInstaller evaluates it as one Python expression
