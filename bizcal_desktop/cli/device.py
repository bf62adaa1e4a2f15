"""``bizcal device``: this computer's id and name on a shared database, and ``rename``.

Why a command: on a team's database each calendar connection is written by the computer that holds
its secret, and the others say "3 changes wait for Sarah's laptop". The name in that sentence is this
one; it starts as the host name, and ``bizcal device rename "Sarah's laptop"`` changes it here and on
the connections this computer holds. The id (``device.json`` in the data folder) never changes.
It also says who this run's changes are recorded as in the audit trail (``--as``, ``BIZCAL_PERSON``,
or this computer's answer to "Who uses this computer?" on a team database), and ``used-by NAME`` /
``used-by --several`` gives that answer from a script — what the desktop asks once at start, for an
admin setting up the front desk's computer without opening the app.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.wiring import Services


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    #: The connections whose secret this computer holds (it writes and reads their calendars).
    connections: list[int]
    #: The staff member this run's changes are recorded as (``--as``, BIZCAL_PERSON, or this computer's
    #: answer on a team database); None = nobody in particular.
    person: str | None = None


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("device", parents=[common], help="this computer's name and id on a team database")
    verbs = p.add_subparsers(dest="verb")
    rename = verbs.add_parser("rename", parents=[common], help="a name people recognise for this computer")
    rename.add_argument("name")
    used_by = verbs.add_parser("used-by", parents=[common],
                               help="who uses this computer (the audit trail's person on a team database)")
    who = used_by.add_mutually_exclusive_group(required=True)
    who.add_argument("staff", nargs="?", help="the staff member's name or id")
    who.add_argument("--several", action="store_true", help="several people use this computer")
    p.set_defaults(func=cmd_device)


def cmd_device(args: argparse.Namespace, svc: Services, out: Output) -> int:
    verb = getattr(args, "verb", None)
    if verb == "rename":
        svc.devices.rename(args.name)
    elif verb == "used-by":
        if not svc.person.team:
            raise UserInputError("Only a team database asks who uses a computer; here changes are recorded "
                                 "with your computer's user name. Use --as NAME to name someone for one run.")
        svc.person.choose(None if args.several else args.staff)
    device = svc.devices.device
    held = [c for c in svc.connections.list() if c.used_here(device.id)]
    person = svc.db.person
    info = DeviceInfo(device.id, device.name, [c.id for c in held], person.name if person else None)
    names = ", ".join(c.display_name for c in held) or "none"
    as_whom = f" Changes are recorded as made by {person.name}." if person else ""
    out.emit(info, f"This computer: {device.name} (device {device.id}). Calendars it writes: {names}.{as_whom}")
    return 0
