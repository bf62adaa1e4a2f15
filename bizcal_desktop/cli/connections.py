"""``bizcal connections``: list the saved calendar connections, choose the default, disconnect.

Reconnect, pause and resume are verbs of this noun too; they wait on calendars and live in
:mod:`.connection_repair`.

Why apart from ``connect``: connecting signs in and tests (slow, interactive, per provider), while
these verbs only read or change saved rows and are the same for every provider. ``--staff`` and
``--all`` are accepted both on the bare noun and on ``list``, because a bare noun lists.
"""

from __future__ import annotations

import argparse

from bizcal_desktop.cli import connection_repair, disconnect
from bizcal_desktop.cli.command import Nouns, actor
from bizcal_desktop.cli.output import Output, table
from bizcal_desktop.domain.privacy import PrivacyLevel
from bizcal_desktop.services.audit import Door
from bizcal_desktop.wiring import Services


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    conns = nouns.add_parser("connections", parents=[common], help="list and manage connections")
    conns.add_argument("--staff", default=None)
    conns.add_argument("--all", action="store_true", help="include disconnected ones")
    verbs = conns.add_subparsers(dest="verb")
    p = verbs.add_parser("list", parents=[common], help="list connections")
    p.add_argument("--staff", default=None)
    p.add_argument("--all", action="store_true", help="include disconnected ones")
    p = verbs.add_parser("set-default", parents=[common], help="write bookings into this connection")
    p.add_argument("id", type=int)
    p = verbs.add_parser("set-privacy", parents=[common],
                         help="what this calendar's events show; 'default' follows the business's level")
    p.add_argument("id", type=int)
    p.add_argument("level", choices=[*(level.value for level in PrivacyLevel), "default"])
    p = verbs.add_parser("disconnect", parents=[common],
                         help="disconnect and delete its secrets; BizCal's events stay unless --remove-events")
    disconnect.add_arguments(p)
    p = verbs.add_parser("confirm-deletions", parents=[common],
                         help="remove the events a sync held back as a mass deletion, and sync now")
    p.add_argument("id", type=int)
    connection_repair.add_verbs(verbs, common)
    conns.set_defaults(func=cmd_connections)


def cmd_connections(args: argparse.Namespace, svc: Services, out: Output) -> int:
    verb = args.verb or "list"
    if verb == "set-default":
        view = svc.connections.set_default(args.id, actor=actor(), door=Door.CLI)
        out.emit(view, f"Connection {view.id} ({view.display_name}) is now the default of {view.staff_name}.")
        return 0
    if verb == "set-privacy":
        change = svc.connections.set_privacy(args.id, args.level, actor=actor(), door=Door.CLI)
        out.emit(change, f"{change.message}.")
        return 0
    if verb == "disconnect":
        return disconnect.cmd_disconnect(args, svc, out)
    if verb == "confirm-deletions":
        from bizcal_desktop.cli.sync import confirm_and_sync

        return confirm_and_sync(svc, out, args.id)
    if verb in connection_repair.VERBS:
        return connection_repair.handle(args, svc, out)
    return list_connections(args, svc, out)


def list_connections(args: argparse.Namespace, svc: Services, out: Output) -> int:
    rows = svc.connections.list(staff=getattr(args, "staff", None), include_disconnected=getattr(args, "all", False))
    out.emit(
        rows,
        lambda: table(
            [
                (
                    c.id, c.staff_name, c.provider, c.calendar_name or c.calendar_id or "-",
                    "yes" if c.is_default else "", f"{c.status}, paused" if c.paused else c.status,
                    c.last_success_at.isoformat(timespec="seconds") if c.last_success_at else "never",
                )
                for c in rows
            ],
            ["ID", "STAFF", "PROVIDER", "CALENDAR", "DEFAULT", "STATUS", "LAST SUCCESS (UTC)"],
        ),
    )
    return 0
