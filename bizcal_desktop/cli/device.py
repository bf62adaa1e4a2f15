"""``bizcal device``: this computer's id and name on a shared database, and ``rename``.

Why a command: on a team's database each calendar connection is written by the computer that holds
its secret, and the others say "3 changes wait for Sarah's laptop". The name in that sentence is this
one; it starts as the host name, and ``bizcal device rename "Sarah's laptop"`` changes it here and on
the connections this computer holds. The id (``device.json`` in the data folder) never changes.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.wiring import Services


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    #: The connections whose secret this computer holds (it writes and reads their calendars).
    connections: list[int]


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    p = nouns.add_parser("device", parents=[common], help="this computer's name and id on a team database")
    verbs = p.add_subparsers(dest="verb")
    rename = verbs.add_parser("rename", parents=[common], help="a name people recognise for this computer")
    rename.add_argument("name")
    p.set_defaults(func=cmd_device)


def cmd_device(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if getattr(args, "verb", None) == "rename":
        svc.devices.rename(args.name)
    device = svc.devices.device
    held = [c for c in svc.connections.list() if c.used_here(device.id)]
    info = DeviceInfo(device.id, device.name, [c.id for c in held])
    names = ", ".join(c.display_name for c in held) or "none"
    out.emit(info, f"This computer: {device.name} (device {device.id}). Calendars it writes: {names}.")
    return 0
