"""The whole ``bizcal`` command line, assembled from the noun modules in the order ``--help`` lists them.

Why the nouns add themselves: a flag is defined next to the code that reads it, and this module stays
a table of contents. The common flags (``--json``, ``--data-dir``, ``--database-url``, ``--debug``) are a parent
parser given to every noun and verb, so they may stand anywhere on the line; they default to
``SUPPRESS`` so a later, inner parser does not reset what an earlier one read.

Why a command line is parsed with its own noun only (:func:`parser_for`): importing every noun module
and building every noun's and verb's parser (50 of them) was a fifth of what ``bizcal staff list`` spent
of its own (issue 20, ``benchmarks/bench_cli_startup.py``). So the noun is found first: the first word
when it is a noun (the top level has no other positional), else the *noun finder* reads the line with
the same top-level flags and every noun by name, nothing under them. The line is then parsed by a
parser in which that noun's module alone has added its sub-parser: the top level reads it as the
whole parser would, so it comes to the same noun, and from there on only that noun's parser reads.
Whenever the finder is not sure (no noun, an error, ``--help`` or ``--version`` before the noun), the
whole parser of :func:`build_parser` reads the line, so help, versions and errors read exactly as
before. ``tests/cli/test_parser.py`` compares the two parsers' answers, checks that the finder's
top-level flags are the whole parser's, and that :data:`NOUNS` (which module adds which nouns) is
what the modules add.

Every noun module imported keeps its imports light: a service that pulls in the sync engine, the
importer or the connect flows is imported inside the handler that uses it (``bizcal staff list`` must
not pay for ``bizcal connect``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from bizcal_desktop import __version__
from bizcal_desktop.cli.command import Nouns

#: Each noun module (of this package) and the noun(s) its ``add_parser`` adds, in ``--help``'s order.
NOUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("staff", ("staff",)),
    ("service", ("service",)),
    ("connect", ("connect",)),
    ("connections", ("connections",)),
    ("booking", ("booking",)),
    ("sync", ("sync", "resync", "retry")),
    ("busy_import", ("import",)),
    ("tokens", ("tokens",)),
    ("slots", ("slots",)),
    ("settings", ("settings",)),
    ("sync_log", ("log",)),
    ("audit", ("audit",)),
    ("about", ("about",)),
    ("db", ("db",)),
    ("device", ("device",)),
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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every noun; with ``only``, just the module that adds the noun ``only`` (see the module docstring)."""
    common = common_flags()
    parser = argparse.ArgumentParser(
        prog="bizcal", parents=[common],
        description="BizCal Desktop: keep bookings and your calendars in sync.",
    )
    parser.add_argument("--version", action="version", version=f"bizcal {__version__}")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")
    for module, names in NOUNS:
        if only is None or only in names:
            importlib.import_module(f"{__package__}.{module}").add_parser(nouns, common)
    return parser


def parser_for(argv: Sequence[str] | None) -> argparse.ArgumentParser:
    """A parser that reads ``argv`` (None: the command line) exactly as :func:`build_parser`'s would."""
    return build_parser(only=named_noun(argv))


class _NotSure(Exception):
    """The noun finder met something only the whole parser may answer."""


class _NounFinder(argparse.ArgumentParser):
    """Never prints and never exits: where it would, the whole parser reads the line instead."""

    def error(self, message: str) -> NoReturn:
        raise _NotSure(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _NotSure(message)


def noun_finder() -> argparse.ArgumentParser:
    """:func:`build_parser`'s top-level flags (a test compares them) and every noun by name, nothing under them."""
    finder = _NounFinder(prog="bizcal", parents=[common_flags()], add_help=False)
    finder.add_argument("-h", "--help", action="store_true")  # the top level's own flags, as plain flags:
    finder.add_argument("--version", action="store_true")  # their abbreviations are read alike
    nouns: Nouns = finder.add_subparsers(dest="noun", required=True)
    for _, names in NOUNS:
        for name in names:
            nouns.add_parser(name, add_help=False)
    return finder


def named_noun(argv: Sequence[str] | None) -> str | None:
    """The noun ``argv`` names, read with the top-level flags; None when only the whole parser may say."""
    line = sys.argv[1:] if argv is None else list(argv)
    if line and any(line[0] in names for _, names in NOUNS):
        return line[0]  # a first word is always the noun: the top level has no other positional
    try:
        found: Any = noun_finder().parse_known_args(line)[0]
    except _NotSure:
        return None
    return None if found.help or found.version else str(found.noun)
