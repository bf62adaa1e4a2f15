"""``bizcal about``: the version, where the data and the log file are, and the bundled parts with
their licences — what the tray's About box shows, for a machine without the tray or a support
script (``--json``).

Why a command too: support asks for the version and the log file first, and a packaged build's
smoke test checks with it that the bundle carries every component's metadata and its licence file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from bizcal_desktop import __version__
from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.components import Component, components, is_frozen, third_party_licences_file
from bizcal_desktop.wiring import Services


@dataclass(frozen=True)
class About:
    version: str
    packaged: bool
    python: str
    data_dir: str
    log_file: str
    licences_file: str | None
    components: list[Component]


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser(
        "about", parents=[common], help="version, data folder, log file, bundled parts and their licences"
    )
    p.set_defaults(func=cmd_about)


def cmd_about(args: argparse.Namespace, svc: Services, out: Output) -> int:
    licences = third_party_licences_file()
    about = About(
        version=__version__,
        packaged=is_frozen(),
        python=sys.version.split()[0],
        data_dir=str(svc.config.data_dir),
        log_file=str(svc.config.log_path),
        licences_file=str(licences) if licences else None,
        components=components(),
    )
    out.emit(about, lambda: about_text(about))
    return 0


def about_text(about: About) -> str:
    kind = "packaged build" if about.packaged else "installed from source or PyPI"
    lines = [
        f"BizCal Desktop {about.version} ({kind}), Python {about.python}",
        f"Data folder: {about.data_dir}",
        f"Log file:    {about.log_file}",
        "Bundled parts (Qt 6 and PySide6 under the GNU LGPL v3):",
    ]
    width = max((len(c.name) for c in about.components), default=0)
    lines += [f"  {c.name:<{width}}  {c.version:<12} {c.licence}" for c in about.components]
    if about.licences_file:
        lines.append(f"Licence texts: {about.licences_file}")
    return "\n".join(lines)
