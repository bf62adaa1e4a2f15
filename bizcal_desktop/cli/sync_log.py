"""``bizcal log``: the sync log, newest first, to see what reached which calendar and what failed.

Why its own module: it only reads what the engine, the importer and the token guardian wrote, and
``--failed`` is where every other failure message points (``bizcal retry`` takes its mapping ids).
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("log", parents=[common], help="the sync log, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--failed", action="store_true", help="failures only")
    p.set_defaults(func=cmd_log)


def cmd_log(args: argparse.Namespace, svc: Services, out: Output) -> int:
    rows = svc.sync_log.entries(limit=args.limit, failed_only=args.failed)
    out.emit(
        rows,
        lambda: table(
            [
                (r.id, r.at.isoformat(timespec="seconds"), r.action, r.outcome, r.booking_id or "-",
                 r.mapping_id or "-", r.message)
                for r in rows
            ],
            ["ID", "WHEN (UTC)", "ACTION", "OUTCOME", "BOOKING", "MAPPING", "MESSAGE"],
        ),
    )
    return 0
