"""``bizcal sync``, ``resync`` and ``retry``: push the outbox to the calendars now.

Why one module for three nouns: each queues (or finds) outbox jobs and then drains them with the same
engine, and each ends with the same report line. The exit code is the report's: 1 when any event
failed, so a script or a cron job notices; the failures themselves are in ``bizcal log --failed``.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from typing import TYPE_CHECKING

from bizcal_desktop.cli.command import Nouns, actor
from bizcal_desktop.cli.output import Output
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.bookings import parse_day
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.sync.drain_report import DrainReport


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("sync", parents=[common], help="push queued booking changes now")
    p.add_argument("--confirm-deletions", action="store_true",
                   help="also remove the events held back as a mass deletion (see bizcal log)")
    p.set_defaults(func=cmd_sync)
    p = nouns.add_parser("resync", parents=[common],
                         help="restore missing or changed events and back-fill bookings from a date")
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_resync)
    p = nouns.add_parser("retry", parents=[common], help="retry one failed event, or all with --failed")
    p.add_argument("mapping_id", type=int, nargs="?")
    p.add_argument("--failed", action="store_true")
    p.set_defaults(func=cmd_retry)


def report_text(report: DrainReport) -> str:
    from bizcal_desktop.services.status import waiting_text  # only once something was synced

    lines = [f"Synced {report.synced}, failed {report.failed}, nothing to do {report.skipped}."]
    lines += [f"  failed: {e.message}" for e in report.events if e.outcome != "success"]
    # Another computer holds these calendars' secrets: they are written from there.
    lines += [f"{waiting_text(w)}." for w in report.elsewhere]
    if report.deletions_held:
        lines.append(f"Held back: {report.deletions_held} booking(s) would remove many events from one "
                     "calendar; run `bizcal sync --confirm-deletions` to remove them.")
    return "\n".join(lines)


def cmd_sync(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if getattr(args, "confirm_deletions", False):
        return confirm_and_sync(svc, out, None)
    svc.engine.outbox_view.bring_forward()  # changes waiting to be tried again later: the user asked for now
    removals = asyncio.run(svc.connections.removals.resume_all(actor=actor()))  # a disconnect's, interrupted
    report = asyncio.run(svc.engine.drain())
    out.emit(report, lambda: "\n".join([*(r.message for r in removals), report_text(report)]))
    return 1 if report.failed else 0


def confirm_and_sync(svc: Services, out: Output, connection_id: int | None) -> int:
    """Release the held deletions (of one calendar, or all) and drain: they are removed now."""
    confirmed = svc.engine.outbox_view.confirm_deletions(connection_id)
    svc.engine.outbox_view.bring_forward()
    report = asyncio.run(svc.engine.drain())
    out.emit({"confirmed": confirmed, "report": report},
             lambda: f"Confirmed the removal of {confirmed} booking(s)' events. " + report_text(report))
    return 1 if report.failed else 0


def cmd_resync(args: argparse.Namespace, svc: Services, out: Output) -> int:
    from_day = parse_day(args.from_day) if args.from_day else date.today()

    async def resync_and_drain() -> tuple[list[int], DrainReport]:
        queued = await svc.recovery.resync(from_day, actor=actor())  # asks each calendar what it holds
        return queued, await svc.engine.drain()

    queued, report = asyncio.run(resync_and_drain())
    result = {"from": from_day, "queued": queued, "report": report}
    out.emit(result, lambda: f"Resync from {from_day}: {len(queued)} booking(s) queued. " + report_text(report))
    return 1 if report.failed else 0


def cmd_retry(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.failed:
        booking_ids = svc.recovery.retry_failed(actor=actor())
    elif args.mapping_id is not None:
        booking_ids = [svc.recovery.retry_mapping(args.mapping_id, actor=actor())]
    else:
        raise UserInputError("Name a mapping id to retry, or use --failed to retry every failed event.")
    report = asyncio.run(svc.engine.drain(set(booking_ids))) if booking_ids else None

    def human() -> str:
        if report is None:
            return "Nothing failed; nothing to retry."
        return f"Retried {len(booking_ids)} booking(s). " + report_text(report)

    out.emit({"bookings": booking_ids, "report": report}, human)
    return 1 if report is not None and report.failed else 0
