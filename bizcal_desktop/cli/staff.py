"""``bizcal staff``: add and list the people bookings are made with.

Why so little: the directory service checks the time zone and refuses duplicates; this module only
turns flags into that call and the answer into a line or JSON. Every noun module has the same two
parts, ``add_parser`` (its flags) and the handler that reads them, so the two are read together.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    staff = nouns.add_parser("staff", parents=[common], help="staff members")
    verbs = staff.add_subparsers(dest="verb")
    p = verbs.add_parser("add", parents=[common], help="add a staff member")
    p.add_argument("name")
    p.add_argument("--timezone", required=True, help="IANA zone, e.g. Europe/Berlin")
    p.add_argument("--email", default=None, help="the staff member's calendar address (for invitations)")
    verbs.add_parser("list", parents=[common], help="list staff members")
    staff.set_defaults(func=cmd_staff)


def cmd_staff(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.verb == "add":
        staff = svc.directory.add_staff(args.name, args.timezone, args.email)
        out.emit(staff, f"Added staff member {staff.name} (id {staff.id}, {staff.timezone}).")
        return 0
    rows = svc.directory.list_staff()
    out.emit(rows, lambda: table([(s.id, s.name, s.timezone) for s in rows], ["ID", "NAME", "TIMEZONE"]))
    return 0
