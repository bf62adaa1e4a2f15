"""``bizcal audit``: who changed which booking, connection or setting, when, and through which door.

Why its own noun: the sync log (``bizcal log``) says what the engine did; this says what people did,
for an auditor or for "who moved Mrs Schmidt's appointment?". It only reads; there is no verb that
edits or deletes a row. ``--csv`` prints the same columns the Audit window exports; ``--json`` the
rows with before and after as objects. ``--since`` takes a date (from that day's midnight, UTC) or an
ISO 8601 instant.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import AuditEntry, csv_text
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("audit", parents=[common], help="who changed what, when, and through which door")
    p.add_argument("--since", default=None, metavar="DATE", help="from this date (YYYY-MM-DD, UTC) or instant")
    p.add_argument("--text", default=None, help="only changes whose who/what/summary contain this")
    p.add_argument("--limit", type=int, default=None, help="at most this many, newest first")
    p.add_argument("--csv", action="store_true", help="print CSV (the Audit window's export)")
    p.set_defaults(func=cmd_audit)


def parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserInputError(f"{text!r} is not a date; use YYYY-MM-DD or an ISO 8601 date-time.") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def cmd_audit(args: argparse.Namespace, svc: Services, out: Output) -> int:
    since = parse_since(args.since) if args.since else None
    rows = svc.audit.entries(since=since, text=args.text, limit=args.limit)
    if args.csv:
        sys.stdout.write(csv_text(rows))
        return 0
    out.emit(rows, lambda: audit_table(rows))
    return 0


def audit_table(rows: list[AuditEntry]) -> str:
    return table(
        [(r.id, r.at.isoformat(timespec="seconds"), r.who, r.door, f"{r.kind} {r.action}", r.subject, r.summary)
         for r in rows],
        ["ID", "WHEN (UTC)", "WHO", "DOOR", "WHAT", "SUBJECT", "SUMMARY"],
    )
