"""``bizcal booking``: add, move, cancel and list bookings.

Why each change syncs at once: a person at a shell expects the calendar to show the change when the
command returns. The booking service writes the change and its outbox job in one transaction; this
module then drains just that booking (``--no-sync`` leaves the job for the tray or ``bizcal sync``).
A failed push is a warning on stderr, not a failure: the booking itself was saved and the job stays
queued.

Why ``add`` reads the calendars first: the periodic import may be up to 15 minutes old, and a shell
booking is made without a slot picker. So the staff member's calendars are read again (about one
request per calendar; ``--no-check`` skips it), and a busy time over the booking refuses it in one
line unless ``--force``. A calendar that cannot be read is a note on stderr: the booking goes on with
the busy times last read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, local, table
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.services.bookings import parse_day, parse_instant
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.services.bookings import BookingView


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    booking = nouns.add_parser("booking", parents=[common], help="bookings")
    verbs = booking.add_subparsers(dest="verb")
    p = verbs.add_parser("add", parents=[common], help="add a booking (syncs at once)")
    p.add_argument("--staff", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--customer", required=True)
    p.add_argument("--start", required=True, help="ISO 8601; without an offset it is the staff's local time")
    p.add_argument("--no-sync", action="store_true", help="only queue the calendar sync")
    p.add_argument("--no-check", action="store_true",
                   help="do not read the staff member's calendars again before booking")
    p.add_argument("--force", action="store_true", help="book even over a busy time in their calendars")
    p = verbs.add_parser("move", parents=[common], help="reschedule a booking")
    p.add_argument("id", type=int)
    p.add_argument("--start", required=True)
    p.add_argument("--no-sync", action="store_true")
    p = verbs.add_parser("cancel", parents=[common], help="cancel a booking")
    p.add_argument("id", type=int)
    p.add_argument("--no-sync", action="store_true")
    p = verbs.add_parser("list", parents=[common], help="list bookings")
    p.add_argument("--staff", default=None)
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD")
    p.add_argument("--all", action="store_true", help="include cancelled bookings")
    booking.set_defaults(func=cmd_booking, staff=None, from_day=None, all=False)


def cmd_booking(args: argparse.Namespace, svc: Services, out: Output) -> int:
    verb = args.verb or "list"
    if verb == "list":
        return list_bookings(args, svc, out)
    if verb == "add":
        booking = add_booking(args, svc)
    elif verb == "move":
        booking = svc.bookings.move(args.id, args.start, door=Door.CLI)
    elif verb == "cancel":
        booking = svc.bookings.cancel(args.id, door=Door.CLI)
    else:  # pragma: no cover - argparse restricts the choices
        raise UserInputError(f"Unknown booking command {verb!r}.")
    if not args.no_sync:
        booking = sync_now(svc, booking.id)
    out.emit(booking, lambda: describe_booking(booking))
    return 0


def add_booking(args: argparse.Namespace, svc: Services) -> BookingView:
    """Read the staff member's calendars (unless ``--no-check``), refuse a busy time (unless ``--force``)."""
    staff = svc.directory.find_staff(args.staff)
    service = svc.directory.find_service(args.service)
    start = parse_instant(args.start, staff.timezone)
    if not args.no_check:
        from bizcal_desktop.services.booking_check import unchecked_note  # the importer: only when checking

        check = asyncio.run(svc.booking_check.refresh(staff.id))
        for calendar in check.unchecked:
            print(f"bizcal: note: {unchecked_note(calendar)}.", file=sys.stderr)
    if not args.force:
        clash = svc.booking_check.busy_over(staff.id, service.id, start)
        if clash is not None:
            raise UserInputError(f"{clash.sentence()}; use --force to book anyway.")
    return svc.bookings.add(staff.id, service.id, args.customer, start, door=Door.CLI)


def list_bookings(args: argparse.Namespace, svc: Services, out: Output) -> int:
    start = None
    if args.from_day:
        start = datetime.combine(parse_day(args.from_day), datetime.min.time(), tzinfo=UTC)
    rows = svc.bookings.list(staff=args.staff, start=start, include_cancelled=args.all)
    out.emit(
        rows,
        lambda: table(
            [
                (b.id, local(b.start, b.timezone), b.timezone, b.staff_name, b.service_name,
                 b.customer_name, b.status, b.sync_state)
                for b in rows
            ],
            ["ID", "START (LOCAL)", "ZONE", "STAFF", "SERVICE", "CUSTOMER", "STATUS", "CALENDAR"],
        ),
    )
    return 0


def sync_now(svc: Services, booking_id: int) -> BookingView:
    """Push one booking's queued job now; the booking as it stands afterwards (with its sync state)."""
    report = asyncio.run(svc.engine.drain({booking_id}))
    for event in report.events:
        if event.outcome != "success":
            print(f"bizcal: warning: {event.message}", file=sys.stderr)
    return svc.bookings.get(booking_id)


def describe_booking(b: BookingView) -> str:
    return (
        f"Booking {b.id}: {b.service_name} – {b.customer_name} with {b.staff_name}, "
        f"{local(b.start, b.timezone)}–{b.end.astimezone(ZoneInfo(b.timezone)):%H:%M} {b.timezone} "
        f"[{b.status}, calendar: {b.sync_state}]"
    )
