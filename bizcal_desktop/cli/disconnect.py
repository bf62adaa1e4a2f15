"""``bizcal connections disconnect ID [--remove-events [--yes] | --forget-now]``: the secret goes, BizCal's events stay or go.

Why a module of its own: removing events is the one connection verb that deletes things in someone's
calendar, so it counts first and asks. The count ("12 future events will be removed from Work.") is
printed before anything changes; on a terminal the command then asks, and in a script (stdin not a
terminal) it refuses unless ``--yes`` says the answer in advance. Without ``--remove-events`` nothing
is asked: the events stay and the secret is deleted, as before.

The removal then runs while the command waits, printing its progress on a terminal, as the window
shows it on its status line; both doors run the same durable removal (``services/event_removal.py``).
When it cannot finish now (the calendar does not answer), the command says so and exits 0: the rest
is removed in the background — by the tray app, or the next ``bizcal sync`` — and the secret is kept
until then. ``--forget-now`` stops such a removal (the window's Forget now): the secret is deleted and
the events not yet removed stay.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bizcal_desktop.cli.command import actor
from bizcal_desktop.cli.output import Output
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.wiring import Services


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=int)
    p.add_argument("--remove-events", action="store_true",
                   help="also delete BizCal's future events from that calendar (counted first)")
    p.add_argument("--yes", action="store_true", help="do not ask before removing them (for scripts)")
    p.add_argument("--forget-now", action="store_true",
                   help="stop removing BizCal's events from a disconnected calendar and delete its secret now")


def cmd_disconnect(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.forget_now:
        if args.remove_events:
            raise UserInputError("--forget-now stops a removal; it cannot be combined with --remove-events.")
        state = asyncio.run(svc.connections.removals.forget(args.id, actor=actor(), door=Door.CLI))
        out.emit(state, state.message)
        return 0
    if args.remove_events:
        preview = asyncio.run(svc.connections.removal_preview(args.id))
        print(preview.message, file=sys.stderr if out.as_json else sys.stdout)
        if preview.count and not args.yes and not _confirmed():
            print("Nothing was changed.", file=sys.stderr)
            return 1
    result = asyncio.run(svc.connections.disconnect_and_revoke(
        args.id, actor=actor(), door=Door.CLI, remove_events=args.remove_events, on_progress=_progress,
    ))
    out.emit(result, result.message)
    return 0


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        raise UserInputError("Add --yes to remove them: standard input is not a terminal, so BizCal cannot "
                             "ask. Nothing was changed.")
    return input("Remove them and disconnect? [y/N] ").strip().lower() in ("y", "yes")


def _progress(done: int, total: int) -> None:
    if total and sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\rRemoving BizCal's events: {done} of {total}", end=end, file=sys.stderr, flush=True)
