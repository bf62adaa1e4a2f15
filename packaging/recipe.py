"""What goes into the PyInstaller bundle and what stays out; ``bizcal.spec`` reads it.

Why a module beside the spec: the spec is executed by PyInstaller and hard to test; the choices that
matter (which Qt parts are dropped, where the migrations and the packager's OAuth client go, what
the licence file says) live here as plain functions that ``tests/packaging`` checks without a build.

Lean, on purpose: PyInstaller's Qt hooks collect every plugin of a module the app imports. The app
imports QtCore, QtGui, QtWidgets, QtNetwork and QtSvg, and needs from the plugins only a window
system (xcb and Wayland, Cocoa, Windows), the SVG icon engine and image format, the platform
themes, the TLS and network-information backends and the input contexts. Embedded-device
platforms, QML tooling, image formats for photos, GTK's theme and Qt's own translations (the app
has none to pair them with) are dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "bizcal_desktop"

#: Python modules never to bundle: other Qt bindings qasync would probe, Tk, the test tools.
EXCLUDED_MODULES = [
    "tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtPrintSupport",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtSvgWidgets",
    "PySide6.QtStateMachine",
    "PySide6.QtDBus",
    "pytest",
    "_pytest",
    "hypothesis",
    "radicale",
    "keyrings.alt",
]

#: Window-system plugins worth carrying; the others are for embedded devices and remote screens.
KEEP_PLATFORMS = ("qxcb", "qwayland", "qoffscreen", "qcocoa", "qwindows", "qdirect2d")

#: Bundle paths (as PyInstaller names their destination) that are dropped.
_DROPPED = [
    re.compile(r"(^|/)PySide6/Qt/translations/"),
    re.compile(r"(^|/)PySide6/translations/"),
    re.compile(r"(^|/)PySide6/Qt/qml/"),
    re.compile(
        r"(^|/)PySide6/Qt/plugins/(egldeviceintegrations|qmltooling|designer|sqldrivers|printsupport)/"
    ),
    re.compile(r"(^|/)PySide6/Qt/plugins/wayland-graphics-integration-server/"),
    re.compile(r"(^|/)PySide6/Qt/plugins/generic/"),  # evdev/tslib input for devices without a window system
    # GTK 3's theme would drag the build machine's GTK, cairo and pango into the bundle, which then
    # clash with the user's; Qt's own Fusion style and the XDG portal theme are used instead.
    re.compile(r"(^|/)PySide6/Qt/plugins/platformthemes/(lib)?qgtk3"),
    # The app reads no photos. (The networkinformation plugins stay: the tray asks Qt whether the
    # machine is online, ui/network_monitor.py.)
    re.compile(r"(^|/)PySide6/Qt/plugins/imageformats/(lib)?q(gif|jpeg|tga|tiff|wbmp|webp|pdf)"),
    re.compile(r"(^|/)(lib)?Qt6?(Qml|Quick|Pdf|Designer|Sql|Test|VirtualKeyboard)[^/]*$"),
]


def keep_in_bundle(dest: str) -> bool:
    """Whether the file PyInstaller would put at ``dest`` (a path inside the bundle) is kept."""
    dest = dest.replace("\\", "/")
    if any(pattern.search(dest) for pattern in _DROPPED):
        return False
    platforms = re.search(r"(^|/)PySide6/Qt/plugins/platforms/(lib)?([^/.]+)", dest)
    if platforms:
        return platforms.group(3).startswith(KEEP_PLATFORMS)
    return True


def lean_binaries(
    binaries: list[tuple[str, str, str]], imports_of: Callable[[str], Iterable[str]]
) -> list[tuple[str, str, str]]:
    """The binaries kept by :func:`keep_in_bundle`, less the shared libraries that only the dropped
    ones needed (GTK and its friends, brought in by the GTK theme plugin).

    ``binaries`` are PyInstaller's (dest, source, kind) entries; ``imports_of(source)`` names the
    libraries a binary links against. A library at the bundle's top level (where PyInstaller puts
    the system libraries it collects as dependencies) is removed when a dropped binary needs it,
    directly or through others, and no kept binary does.
    """
    by_name = {Path(dest).name: (dest, source) for dest, source, _kind in binaries}

    def closure(roots: Iterable[tuple[str, str, str]]) -> set[str]:
        seen: set[str] = set()
        pending = [source for _dest, source, _kind in roots]
        while pending:
            for name in imports_of(pending.pop()):
                if name in by_name and name not in seen:
                    seen.add(name)
                    pending.append(by_name[name][1])
        return seen

    kept = [entry for entry in binaries if keep_in_bundle(entry[0])]
    dropped = [entry for entry in binaries if not keep_in_bundle(entry[0])]
    suspects = {name for name in closure(dropped) if "/" not in by_name[name][0].replace("\\", "/")}
    alive = closure(entry for entry in kept if entry[0] not in suspects)
    return [entry for entry in kept if entry[0] not in suspects or entry[0] in alive]


def package_datas() -> list[tuple[str, str]]:
    """The package's own files that are not Python modules: icons and the alembic migrations.

    The migrations are source files on purpose: alembic reads ``env.py`` and ``versions/*.py`` from
    a folder (``store/database.py`` finds it beside itself), not from the import system.
    """
    pkg = ROOT / PACKAGE
    datas: list[tuple[str, str]] = []
    for folder in (pkg / "resources", pkg / "store" / "migrations"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                datas.append((str(path), str(path.parent.relative_to(ROOT)).replace("\\", "/")))
    return datas


def oauth_datas(work_dir: Path, environ: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The OAuth client configuration the packager supplies, as files inside the bundle's ``oauth/``.

    The packager sets the same variables the app reads at run time: ``BIZCAL_GOOGLE_CLIENT_FILE``
    (the Google "Desktop app" client JSON) and ``BIZCAL_MS_CLIENT_ID`` (the Entra application id).
    Nothing is committed; a bundle built without them simply cannot connect Google or Microsoft.
    """
    env = os.environ if environ is None else environ
    out = work_dir / "oauth"
    shutil.rmtree(out, ignore_errors=True)
    datas: list[tuple[str, str]] = []
    google = env.get("BIZCAL_GOOGLE_CLIENT_FILE")
    if google:
        source = Path(google).expanduser()
        if not source.is_file():
            raise SystemExit(f"BIZCAL_GOOGLE_CLIENT_FILE names no file: {source}")
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out / "google-client.json")
        datas.append((str(out / "google-client.json"), "oauth"))
    microsoft = (env.get("BIZCAL_MS_CLIENT_ID") or "").strip()
    if microsoft:
        out.mkdir(parents=True, exist_ok=True)
        (out / "microsoft-client-id.txt").write_text(microsoft + "\n", encoding="utf-8")
        datas.append((str(out / "microsoft-client-id.txt"), "oauth"))
    return datas


def third_party_licences_text() -> str:
    """THIRD-PARTY-LICENSES.txt: each bundled component, its licence, and the licence texts."""
    from bizcal_desktop import __version__
    from bizcal_desktop.components import RUNTIME_PARTS, bundled_distributions, licence_of

    rule = "=" * 78
    parts = [
        f"BizCal Desktop {__version__}: third-party components in this bundle and their licences.",
        "",
        "Qt and PySide6 are used under the GNU LGPL v3: they are shared libraries in this folder",
        "(_internal/PySide6) that you may replace with your own build of the same version.",
        "",
    ]
    for name, licence, what in RUNTIME_PARTS:
        parts.append(f"{name}: {licence} — {what}")
    dists = bundled_distributions()
    for dist in dists:
        parts.append(f"{dist.metadata['Name']} {dist.version}: {licence_of(dist)}")
    for title, path in (("GNU LGPL v3 (Qt, PySide6)", "LGPL-3.0.txt"), ("GNU GPL v3", "GPL-3.0.txt")):
        parts += ["", rule, title, rule, (ROOT / "resources" / "licenses" / path).read_text(encoding="utf-8")]
    for dist in dists:
        for file in dist.files or ():
            text = str(file)
            if ".dist-info/" in text and re.search(r"licen[cs]e|copying|notice", text, re.IGNORECASE):
                body = Path(str(dist.locate_file(file))).read_text(encoding="utf-8", errors="replace")
                parts += [
                    "",
                    rule,
                    f"{dist.metadata['Name']} {dist.version}: {file.name}",
                    rule,
                    body.rstrip(),
                ]
    return "\n".join(parts) + "\n"


def write_third_party_licences(work_dir: Path) -> Path:
    path = work_dir / "THIRD-PARTY-LICENSES.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(third_party_licences_text(), encoding="utf-8")
    return path


def metadata_names() -> list[str]:
    """Distributions whose metadata the bundle carries: keyring finds its backends through entry
    points, and the About box lists the components from the same metadata."""
    from bizcal_desktop.components import DISTRIBUTION, bundled_distributions

    return [DISTRIBUTION] + [str(d.metadata["Name"]) for d in bundled_distributions()]


def version() -> str:
    """The app's version, read from the package without importing it."""
    text = (ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("bizcal_desktop/__init__.py has no __version__")
    return match.group(1)


def is_windows() -> bool:
    return sys.platform.startswith("win")


def is_macos() -> bool:
    return sys.platform == "darwin"
