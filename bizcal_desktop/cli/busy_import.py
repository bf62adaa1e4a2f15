"""``bizcal import``: read busy times from the connected calendars now (the tray: every 15 minutes).

Why the module is not called ``import``: that is a Python keyword. The importer never raises for one
calendar; a calendar that failed is a line of the report and makes the exit code 1, and conflicts
with existing bookings are printed as warnings.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.sync.importer import ImportReport


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("import", parents=[common], help="import busy times from connected calendars now")
    p.add_argument("--staff", default=None)
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, svc: Services, out: Output) -> int:
    report = asyncio.run(svc.importer.import_all(staff=args.staff))
    out.emit(report, lambda: import_text(report))
    return 1 if report.failed else 0


def import_text(report: ImportReport) -> str:
    if not report.connections:
        return "No active calendar connection imports busy times."
    lines = []
    for c in report.connections:
        if c.ok:
            lines.append(f"{c.connection_name}: {c.added} added, {c.changed} changed, {c.removed} removed "
                         f"({c.requests} request(s), {c.seconds:.2f}s)")
        else:
            lines.append(f"{c.connection_name}: FAILED — {c.message}")
    lines += [f"warning: {c.message}" for c in report.conflicts]
    return "\n".join(lines)
