"""``bizcal staff``: add, list, rename, re-zone, archive and restore the people bookings are made with.

Why so little: the directory service checks the time zone, refuses duplicates and decides what
archiving means (bookings and calendars kept, no new bookings); this module only turns flags into
that call and the answer into a line or JSON. Every noun module has the same two parts,
``add_parser`` (its flags) and the handler that reads them, so the two are read together.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.services.directory import ArchiveImpact
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    staff = nouns.add_parser("staff", parents=[common], help="staff members")
    verbs = staff.add_subparsers(dest="verb")
    p = verbs.add_parser("add", parents=[common], help="add a staff member")
    p.add_argument("name")
    p.add_argument("--timezone", required=True, help="IANA zone, e.g. Europe/Berlin")
    p.add_argument("--email", default=None, help="the staff member's calendar address (for invitations)")
    p = verbs.add_parser("list", parents=[common], help="list staff members")
    p.add_argument("--all", action="store_true", help="archived staff members too")
    p = verbs.add_parser("rename", parents=[common], help="give a staff member a new name")
    p.add_argument("staff", help="id or current name")
    p.add_argument("new_name")
    p = verbs.add_parser("set-timezone", parents=[common], help="change a staff member's time zone")
    p.add_argument("staff", help="id or name")
    p.add_argument("timezone", help="IANA zone, e.g. Europe/Berlin")
    p = verbs.add_parser(
        "archive", parents=[common],
        help="no new bookings with them; their bookings, history and calendar connections are kept",
    )
    p.add_argument("staff", help="id or name")
    p = verbs.add_parser("restore", parents=[common], help="undo archive")
    p.add_argument("staff", help="id or name")
    staff.set_defaults(func=cmd_staff)


def cmd_staff(args: argparse.Namespace, svc: Services, out: Output) -> int:
    d = svc.directory
    if args.verb == "add":
        staff = d.add_staff(args.name, args.timezone, args.email)
        out.emit(staff, f"Added staff member {staff.name} (id {staff.id}, {staff.timezone}).")
    elif args.verb == "rename":
        old = d.find_staff(args.staff).name
        staff = d.rename_staff(args.staff, args.new_name)
        out.emit(staff, f"Renamed {old} to {staff.name}.")
    elif args.verb == "set-timezone":
        staff = d.set_staff_timezone(args.staff, args.timezone)
        out.emit(staff, f"{staff.name} now works in {staff.timezone}; bookings already made keep their times.")
    elif args.verb == "archive":
        impact = d.staff_archive_impact(args.staff)
        staff = d.archive_staff(args.staff)
        out.emit(staff, archived_text(impact))
    elif args.verb == "restore":
        staff = d.restore_staff(args.staff)
        out.emit(staff, f"Restored {staff.name}; bookings can be made with them again.")
    else:
        rows = d.list_staff(include_archived=getattr(args, "all", False))
        out.emit(
            rows,
            lambda: table(
                [(s.id, s.name, s.timezone, "archived" if s.archived else "") for s in rows],
                ["ID", "NAME", "TIMEZONE", "STATE"],
            ),
        )
    return 0


def archived_text(impact: ArchiveImpact) -> str:
    kept = []
    if impact.future_bookings:
        kept.append(f"{impact.future_bookings} future booking{'s' if impact.future_bookings != 1 else ''}")
    if impact.connections:
        kept.append(f"{impact.connections} calendar connection{'s' if impact.connections != 1 else ''}")
    text = f"Archived {impact.name}; no new bookings can be made with them."
    if kept:
        text += f" Kept: {' and '.join(kept)} (cancelling still removes the event; busy times are no longer read)."
    return text
