"""``bizcal service``: add and list what customers book (a name, a duration, buffers around it).

Named for the noun on the command line, like every module here; the layer of use cases is
``bizcal_desktop.services``, reached through ``svc``. Durations and buffers are whole minutes, as the
directory service stores them; it also refuses a duplicate name.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    service = nouns.add_parser("service", parents=[common], help="services offered")
    verbs = service.add_subparsers(dest="verb")
    p = verbs.add_parser("add", parents=[common], help="add a service")
    p.add_argument("name")
    p.add_argument("--duration", type=int, required=True, help="minutes")
    p.add_argument("--buffer-before", type=int, default=0, help="minutes kept free before")
    p.add_argument("--buffer-after", type=int, default=0, help="minutes kept free after")
    verbs.add_parser("list", parents=[common], help="list services")
    service.set_defaults(func=cmd_service)


def cmd_service(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.verb == "add":
        service = svc.directory.add_service(args.name, args.duration, args.buffer_before, args.buffer_after)
        out.emit(service, f"Added service {service.name} (id {service.id}, {service.duration_minutes} min).")
        return 0
    rows = svc.directory.list_services()
    out.emit(
        rows,
        lambda: table(
            [(s.id, s.name, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes) for s in rows],
            ["ID", "NAME", "MINUTES", "BUFFER BEFORE", "BUFFER AFTER"],
        ),
    )
    return 0
