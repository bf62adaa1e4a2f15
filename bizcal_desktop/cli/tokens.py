"""``bizcal tokens``: renew OAuth tokens that expire within ten minutes, once, by hand.

Why a command for what the tray does by itself: a machine without the tray running can keep its
Google and Microsoft connections signed in from cron. Any failed renewal makes the exit code 1, but
only a refused one (access revoked) counts against the connection; a connection the guardian gave up
on (it needs a reconnect) is also a warning line.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.sync.token_guardian import GuardianReport


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("tokens", parents=[common],
                         help="renew OAuth tokens that expire within 10 minutes (the tray does it by itself)")
    p.set_defaults(func=cmd_tokens)


def cmd_tokens(args: argparse.Namespace, svc: Services, out: Output) -> int:
    report = asyncio.run(svc.guardian.check_all())
    out.emit(report, lambda: tokens_text(report))
    return 1 if report.failed else 0


def tokens_text(report: GuardianReport) -> str:
    later = len(report.failed) - len(report.refused)
    summary = (
        f"Checked {report.checked} OAuth connection(s); renewed {len(report.refreshed)}, "
        f"failed {len(report.failed)}"
        + (f" ({later} for now, retried at the next check)" if later else "") + "."
    )
    lines = [summary] + [f"warning: {event.message}" for event in report.deactivated]
    return "\n".join(lines)
