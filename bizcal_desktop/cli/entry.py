"""``main``: parse, open the data folder, run one command, and turn every failure into an exit code.

Why errors are caught here and nowhere else: handlers raise; this is the edge that explains. A
``BizCalError`` already says what to do in one sentence, so it is printed as is; anything else is
one line naming the log file, where the traceback went. ``--debug`` re-raises instead. Exit codes:
0 done, 1 failed (argparse's own 2 for usage errors), 130 interrupted. Services are closed on
every path once they were built.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bizcal_desktop.cli.command import Handler
from bizcal_desktop.cli.output import Output
from bizcal_desktop.cli.parser import parser_for
from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError
from bizcal_desktop.logging_setup import configure_logging, log_unexpected
from bizcal_desktop.wiring import Services, build_services

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser_for(argv).parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        person = getattr(args, "as_person", None) or os.environ.get("BIZCAL_PERSON")
        config = Config.load(getattr(args, "data_dir", None), getattr(args, "database_url", None), person)
        configure_logging(config.log_path, verbose=debug)
        if hasattr(args, "db_func"):  # ``bizcal db``: must work on a database the app would refuse
            return run_command(args, config, config.log_path, debug)
        services = build_services(config)
    except BizCalError as exc:
        print(f"bizcal: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001
        if debug:
            raise
        print(f"bizcal: error: could not open the data folder: {exc}", file=sys.stderr)
        return 1
    try:
        return run_command(args, services, config.log_path, debug)
    finally:
        services.close()


def run_command(args: argparse.Namespace, services: Services | Config, log_path: Path, debug: bool) -> int:
    """The chosen noun's handler; its failures become one line on stderr and exit code 1.

    ``bizcal db`` gets the configuration instead of the services (it opens the database itself).
    """
    handler: Handler = args.db_func if isinstance(services, Config) else args.func
    try:
        return int(handler(args, services, Output(getattr(args, "json", False))))  # type: ignore[arg-type]
    except BizCalError as exc:
        # The sentence may name a customer ("overlaps booking 5 (Massage – Emma …)"): only at DEBUG.
        log.warning("command failed: %s", type(exc).__name__)
        log.debug("command failed: %s", exc)
        if debug:
            raise
        print(f"bizcal: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bizcal: interrupted; queued changes are kept and will sync next time.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, details in the log
        log_unexpected(log, "unexpected error", exc)
        if debug:
            raise
        print(
            f"bizcal: error: unexpected {exc.__class__.__name__}: {exc} (details in {log_path})",
            file=sys.stderr,
        )
        return 1
