"""``bizcal slots``: the free start times customers can book, or why one time is not offered.

Why times are shown on the staff member's wall clock: that is where the appointment happens, and it
is how ``--at`` and ``--from`` are read too. JSON gives each slot in UTC as well, plus the local start
and its zone, so a script need not know the zone rules. ``--explain`` answers the question a listing
cannot: every reason (working hours, notice, the window, a booking or busy block) a start is not offered.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, local
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.bookings import parse_day, parse_instant
from bizcal_desktop.services.directory import StaffView
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("slots", parents=[common], help="free times customers can book")
    p.add_argument("--staff", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--explain", action="store_true", help="say why --at is or is not offered")
    p.add_argument("--at", default=None, help="ISO date-time to explain")
    p.set_defaults(func=cmd_slots)


def cmd_slots(args: argparse.Namespace, svc: Services, out: Output) -> int:
    staff = svc.directory.find_staff(args.staff)
    if args.explain:
        return explain_start(args, svc, out, staff)
    return list_slots(args, svc, out, staff)


def explain_start(args: argparse.Namespace, svc: Services, out: Output, staff: StaffView) -> int:
    if not args.at:
        raise UserInputError("--explain needs --at ISO-DATE-TIME.")
    at = parse_instant(args.at, staff.timezone)
    verdict = svc.availability.explain(staff.id, args.service, at)
    result = {
        "at": at,
        "offered": verdict.offered,
        "reasons": [{"code": str(r.code), "message": r.message} for r in verdict.reasons],
    }
    out.emit(result, lambda: f"{local(at, staff.timezone)} {staff.timezone}: "
             + ("offered" if verdict.offered else "not offered:\n" + "\n".join(
                 f"  - {r.message}" for r in verdict.reasons)))
    return 0


def list_slots(args: argparse.Namespace, svc: Services, out: Output, staff: StaffView) -> int:
    zone = ZoneInfo(staff.timezone)
    from_day = parse_day(args.from_day) if args.from_day else datetime.now(zone).date()
    slots = svc.availability.slots(staff.id, args.service, from_day, args.days)
    rows = [{"start": s.start, "end": s.end,
             "local_start": s.start.astimezone(zone).isoformat(), "timezone": staff.timezone} for s in slots]

    def human() -> str:
        if not slots:
            return f"No free times for {staff.name} from {from_day} for {args.days} day(s)."
        by_day: dict[str, list[str]] = {}
        for s in slots:
            local_start = s.start.astimezone(zone)
            by_day.setdefault(f"{local_start:%a %Y-%m-%d}", []).append(f"{local_start:%H:%M}")
        return "\n".join(f"{day}: {' '.join(times)}" for day, times in by_day.items()) + f"\n({staff.timezone})"

    out.emit(rows, human)
    return 0
