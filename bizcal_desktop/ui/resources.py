"""Finds the app's bundled files (icons) wherever the package lives: source tree, wheel, frozen bundle.

Why importlib.resources and bytes: a wheel may be imported from a zip and a frozen bundle keeps data
beside the executable; ``files()`` abstracts both, and building icons from the SVG *bytes* (not a
path) means nothing has to be unpacked to disk. A frozen bundle that does not register the package
data with importlib falls back to the folder next to the executable (``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

_PACKAGE = "bizcal_desktop"
_ICON_SIZES = (16, 20, 22, 24, 32, 48, 64, 128, 256)


class ResourceMissingError(FileNotFoundError):
    """A bundled file is missing: the installation is incomplete; reinstall BizCal Desktop."""


def read_resource(*parts: str) -> bytes:
    """The bytes of ``resources/<parts...>`` from the installed package (or the frozen bundle)."""
    node = resources.files(_PACKAGE).joinpath("resources", *parts)
    try:
        return node.read_bytes()
    except (FileNotFoundError, NotADirectoryError, OSError):
        pass
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidate = Path(frozen_root, _PACKAGE, "resources", *parts)
        if candidate.is_file():
            return candidate.read_bytes()
    raise ResourceMissingError(
        f"Bundled file resources/{'/'.join(parts)} is missing; reinstall BizCal Desktop."
    )


def is_dark_theme() -> bool:
    """Whether the desktop uses a dark colour scheme (then light glyphs are drawn)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    window = QGuiApplication.palette().window().color()
    return window.lightness() < 128


def svg_icon_bytes(name: str, dark: bool | None = None) -> bytes:
    """SVG of icon ``name``: the themed variant (``name-light``/``name-dark``) or a plain one."""
    theme = "dark" if (is_dark_theme() if dark is None else dark) else "light"
    try:
        return read_resource("icons", f"{name}-{theme}.svg")
    except ResourceMissingError:
        return read_resource("icons", f"{name}.svg")


@lru_cache(maxsize=64)
def _icon(name: str, dark: bool) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg_icon_bytes(name, dark)))
    if not renderer.isValid():
        raise ResourceMissingError(f"Bundled icon {name!r} is not a valid SVG; reinstall BizCal Desktop.")
    icon = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(QSize(size, size))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def icon(name: str, dark: bool | None = None) -> QIcon:
    """A QIcon for ``name`` (e.g. ``tray-idle``, ``bookings``, ``status-ok``) for the current theme."""
    return _icon(name, is_dark_theme() if dark is None else dark)
