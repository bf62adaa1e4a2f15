"""The whole ``bizcal`` command line, assembled from the noun modules in the order ``--help`` lists them.

Why the nouns add themselves: a flag is defined next to the code that reads it, and this module stays
a table of contents. The common flags (``--json``, ``--data-dir``, ``--database-url``, ``--debug``) are a parent
parser given to every noun and verb, so they may stand anywhere on the line; they default to
``SUPPRESS`` so a later, inner parser does not reset what an earlier one read.

Every noun module is imported to build the parser, so each keeps its imports light: a service that
pulls in the sync engine, the importer or the connect flows is imported inside the handler that uses
it (``bizcal staff list`` must not pay for ``bizcal connect``; see ``benchmarks/bench_cli_startup.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bizcal_desktop import __version__
from bizcal_desktop.cli import (
    about,
    audit,
    booking,
    busy_import,
    connect,
    connections,
    db,
    device,
    service,
    settings,
    slots,
    staff,
    sync,
    sync_log,
    tokens,
)
from bizcal_desktop.cli.command import Nouns

#: Each adds its noun(s) to the sub-parsers; ``sync`` adds ``sync``, ``resync`` and ``retry``.
NOUNS: tuple[Callable[[Nouns, argparse.ArgumentParser], None], ...] = (
    staff.add_parser,
    service.add_parser,
    connect.add_parser,
    connections.add_parser,
    booking.add_parser,
    sync.add_parser,
    busy_import.add_parser,
    tokens.add_parser,
    slots.add_parser,
    settings.add_parser,
    sync_log.add_parser,
    audit.add_parser,
    about.add_parser,
    db.add_parser,
    device.add_parser,
)


def common_flags() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help="data folder (default: BIZCAL_HOME "
                        "or the platform's user data folder)")
    common.add_argument("--database-url", default=argparse.SUPPRESS, metavar="URL",
                        help="use this team database (PostgreSQL) for this run (default: BIZCAL_DATABASE_URL, "
                        "the one chosen in Settings, or the data folder's SQLite file)")
    common.add_argument("--as", dest="as_person", default=argparse.SUPPRESS, metavar="NAME",
                        help="the staff member this run's changes are recorded as in the audit trail (default: "
                        "BIZCAL_PERSON, or this computer's answer to 'Who uses this computer?' on a team "
                        "database); it identifies, it does not sign in")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logging")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_flags()
    parser = argparse.ArgumentParser(
        prog="bizcal", parents=[common],
        description="BizCal Desktop: keep bookings and your calendars in sync.",
    )
    parser.add_argument("--version", action="version", version=f"bizcal {__version__}")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")
    for add_noun in NOUNS:
        add_noun(nouns, common)
    return parser
