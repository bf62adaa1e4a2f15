"""What this installation is made of: its version, whether it is a packaged build, and the
third-party components it carries with their licences.

Why one Qt-free module: the About box shows the list, and the packaging build writes the same list
(with the licence texts) into ``THIRD-PARTY-LICENSES.txt`` and copies each component's metadata
into the bundle, so the list a user sees is the list a packager shipped. It is read from the
installed distributions' metadata (``importlib.metadata``), never typed by hand, so it cannot drift
from what ``pip`` or PyInstaller actually put beside the app.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "bizcal-desktop"

#: Parts of a packaged build that are not Python distributions: the interpreter and Qt's own
#: libraries (PySide6's wheel carries Qt but names only PySide6's licence).
RUNTIME_PARTS = (
    ("Python", "PSF-2.0", "the interpreter and its standard library (with OpenSSL, SQLite, libffi)"),
    ("Qt 6", "LGPL-3.0-only", "Qt's libraries and plugins, bundled as replaceable shared libraries"),
)


@dataclass(frozen=True)
class Component:
    """One bundled distribution: name, version, licence and where its licence texts are."""

    name: str
    version: str
    licence: str
    licence_files: tuple[str, ...] = ()


def is_frozen() -> bool:
    """True inside a packaged build (PyInstaller sets ``sys.frozen``)."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path | None:
    """The folder a packaged build unpacks its data into (``sys._MEIPASS``); None otherwise."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else None


def third_party_licences_file() -> Path | None:
    """The licence texts a packaged build carries, if this is one."""
    root = bundle_dir()
    if root is None:
        return None
    path = root / "THIRD-PARTY-LICENSES.txt"
    return path if path.is_file() else None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str | None:
    """The distribution a requirement names, or None when it applies only to an extra."""
    spec, _, marker = requirement.partition(";")
    if "extra" in marker:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return match.group(1) if match else None


def licence_of(dist: metadata.Distribution) -> str:
    """A short licence name: the SPDX expression, else a one-line License field, else a classifier."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression).strip()
    field = str(meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 60 and field.upper() != "UNKNOWN":
        return field
    classifiers = [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]
    if classifiers:
        return " / ".join(c.split(" :: ")[-1] for c in classifiers)
    return "see its licence file"


def _licence_files(dist: metadata.Distribution) -> tuple[str, ...]:
    names = []
    for path in dist.files or ():
        text = str(path)
        if ".dist-info/" in text and re.search(r"licen[cs]e|copying|notice", text, re.IGNORECASE):
            names.append(text)
    return tuple(names)


def bundled_distributions(root: str = DISTRIBUTION) -> list[metadata.Distribution]:
    """Every installed distribution ``root`` needs at run time (not itself), sorted by name."""
    found: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = _normalise(name)
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python (pywin32-ctypes on Linux)
        found[key] = dist
        for requirement in dist.requires or ():
            child = _requirement_name(requirement)
            if child:
                pending.append(child)
    found.pop(_normalise(root), None)
    return sorted(found.values(), key=lambda d: _normalise(d.metadata["Name"]))


def components(root: str = DISTRIBUTION) -> list[Component]:
    """The third-party components ``root`` runs on, with their licences."""
    return [
        Component(
            name=str(dist.metadata["Name"]),
            version=dist.version,
            licence=licence_of(dist),
            licence_files=_licence_files(dist),
        )
        for dist in bundled_distributions(root)
    ]
