"""``bizcal service``: add, edit, list, archive and restore what customers book (a name, a duration,
buffers around it, and whether it is offered).

Named for the noun on the command line, like every module here; the layer of use cases is
``bizcal_desktop.services``, reached through ``svc``. Durations and buffers are whole minutes, as the
directory service stores them; it also refuses a duplicate name and decides what archiving keeps.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.services.directory import ServiceView
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    service = nouns.add_parser("service", parents=[common], help="services offered")
    verbs = service.add_subparsers(dest="verb")
    p = verbs.add_parser("add", parents=[common], help="add a service")
    p.add_argument("name")
    p.add_argument("--duration", type=int, required=True, help="minutes")
    p.add_argument("--buffer-before", type=int, default=0, help="minutes kept free before")
    p.add_argument("--buffer-after", type=int, default=0, help="minutes kept free after")
    p.add_argument("--offered", choices=("yes", "no"), default="yes", help="whether it can be booked")
    p = verbs.add_parser("edit", parents=[common], help="change a service (new bookings use the new values)")
    p.add_argument("service", help="id or name")
    p.add_argument("--name", default=None, help="a new name")
    p.add_argument("--duration", type=int, default=None, help="minutes")
    p.add_argument("--buffer-before", type=int, default=None, help="minutes kept free before")
    p.add_argument("--buffer-after", type=int, default=None, help="minutes kept free after")
    p.add_argument("--offered", choices=("yes", "no"), default=None, help="whether it can be booked")
    p = verbs.add_parser("list", parents=[common], help="list services")
    p.add_argument("--all", action="store_true", help="archived services too")
    p = verbs.add_parser("archive", parents=[common], help="no new bookings of it; its bookings are kept")
    p.add_argument("service", help="id or name")
    p = verbs.add_parser("restore", parents=[common], help="undo archive")
    p.add_argument("service", help="id or name")
    service.set_defaults(func=cmd_service)


def cmd_service(args: argparse.Namespace, svc: Services, out: Output) -> int:
    d = svc.directory
    if args.verb == "add":
        service = d.add_service(
            args.name, args.duration, args.buffer_before, args.buffer_after, offered=args.offered == "yes"
        )
        out.emit(service, f"Added service {service.name} (id {service.id}, {service.duration_minutes} min).")
    elif args.verb == "edit":
        service = d.edit_service(
            args.service, name=args.name, duration_minutes=args.duration, buffer_before=args.buffer_before,
            buffer_after=args.buffer_after, offered=None if args.offered is None else args.offered == "yes",
        )
        out.emit(service, f"Saved service {service.name}: {describe(service)}.")
    elif args.verb == "archive":
        impact = d.service_archive_impact(args.service)
        service = d.archive_service(args.service)
        kept = f" {impact.future_bookings} future booking(s) of it are kept." if impact.future_bookings else ""
        out.emit(service, f"Archived service {service.name}; it can no longer be booked.{kept}")
    elif args.verb == "restore":
        service = d.restore_service(args.service)
        out.emit(service, f"Restored service {service.name}: {describe(service)}.")
    else:
        rows = d.list_services(include_archived=getattr(args, "all", False))
        out.emit(
            rows,
            lambda: table(
                [(s.id, s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes, state(s))
                 for s in rows],
                ["ID", "NAME", "MINUTES", "BUFFER BEFORE", "BUFFER AFTER", "STATE"],
            ),
        )
    return 0


def state(s: ServiceView) -> str:
    return "archived" if s.archived else ("offered" if s.offered else "not offered")


def describe(s: ServiceView) -> str:
    return (f"{s.duration_minutes} min, {s.buffer_before_minutes} min before, "
            f"{s.buffer_after_minutes} min after, {state(s)}")
