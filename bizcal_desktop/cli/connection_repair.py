"""``bizcal connections reconnect|pause|resume``: mend a connection in place, or hold it for a while.

Why apart from the other ``connections`` verbs: these two wait on calendars (a sign-in or a password
test, then the drain of what waited), while listing and choosing the default only read and change
rows. Both end like ``bizcal sync`` — the changes that waited are written at once, and the exit code
is 1 when any of them failed — so a script knows the connection really works again.

CalDAV takes the new app-specific password from stdin (``--password-stdin``) or a prompt, never from
a flag; with neither (no terminal), the saved password is tried, which is enough when only the
calendar is gone. Google and Microsoft sign in through the browser, as ``bizcal connect`` does.

On a team's shared database a connection is written only by the computer whose keychain holds its
secret; ``reconnect --take-over`` moves it to this computer (a new password or sign-in saved here), and
without the flag another computer's connection is refused with a sentence that names it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TYPE_CHECKING

from bizcal_desktop.cli.command import actor
from bizcal_desktop.cli.output import Output
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.sync.drain_report import DrainReport

#: The verbs this module handles.
VERBS = ("reconnect", "pause", "resume")


def add_verbs(verbs: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = verbs.add_parser("reconnect", parents=[common],
                         help="sign in again or give a new app password; keeps the connection and its events")
    p.add_argument("id", type=int)
    p.add_argument("--password-stdin", action="store_true", help="CalDAV: read the new app-specific password from stdin")
    p.add_argument("--calendar", default=None, help="the calendar to write into when the connection's own is gone")
    p.add_argument("--timeout", type=float, default=300.0, help="Google/Microsoft: seconds to wait for the sign-in")
    p.add_argument("--take-over", action="store_true",
                   help="use this calendar on this computer instead of the one that holds it now")
    p = verbs.add_parser("pause", parents=[common], help="hold this connection: its bookings wait, nothing moves")
    p.add_argument("id", type=int)
    p = verbs.add_parser("resume", parents=[common], help="resume a paused connection and sync what waited")
    p.add_argument("id", type=int)


def handle(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.verb == "pause":
        view = svc.connections.set_paused(args.id, True, actor=actor(), door=Door.CLI)
        out.emit(view, f"Paused {view.display_name}: bookings of {view.staff_name} wait for it, and its busy "
                       f"times are kept but not read again until `bizcal connections resume {view.id}`.")
        return 0
    if args.verb == "resume":
        view = svc.connections.set_paused(args.id, False, actor=actor(), door=Door.CLI)
        report = asyncio.run(svc.engine.drain())
        out.emit({"connection": view, "report": report}, f"Resumed {view.display_name}. {_report_text(report)}")
        return 1 if report.failed else 0
    return reconnect(args, svc, out)


def reconnect(args: argparse.Namespace, svc: Services, out: Output) -> int:
    view = svc.connections.get(args.id)
    here = svc.config.device.id
    if not args.take_over and view.owner_device not in (None, here) and view.status != "disconnected":
        # Refused before a password is asked for or a browser opened.
        from bizcal_desktop.services.reconnect import UsedElsewhere  # the connect flows: only here

        raise UsedElsewhere(view.id, view.owner_device_name or "another computer")
    password = _read_password(args) if view.provider == "caldav" else None
    if view.provider != "caldav":
        if args.password_stdin:
            raise UserInputError(f"{view.display_name} signs in through the browser; it takes no password.")
        print(f"Opening your browser to sign in to {view.display_name} again…", file=sys.stderr)

    def show_url(url: str) -> None:
        print(f"If no browser opened, open this address to sign in:\n{url}", file=sys.stderr)

    async def reconnect_and_drain():  # type: ignore[no-untyped-def]
        done = await svc.connections.reconnect(args.id, password, calendar=args.calendar, on_url=show_url,
                                               timeout=args.timeout, actor=actor(), take_over=args.take_over,
                                               door=Door.CLI)
        return done, await svc.engine.drain()

    done, report = asyncio.run(reconnect_and_drain())
    c = done.connection
    anew = " (its events are written anew there)" if done.calendar_changed else ""
    if view.owner_device not in (None, here):
        anew += f"; it is used on this computer now, no longer on {view.owner_device_name or 'the other one'}"
    out.emit({"connection": c, "queued": done.queued, "calendar_changed": done.calendar_changed, "report": report},
             f"Reconnected {c.display_name}; bookings go to “{c.calendar_name}”{anew}. "
             f"{done.queued} booking(s) that waited were queued. {_report_text(report)}")
    return 1 if report.failed else 0


def _read_password(args: argparse.Namespace) -> str | None:
    """The new app password: stdin with ``--password-stdin``, a prompt on a terminal, else the saved one."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserInputError("The password is empty.")
        return password
    if sys.stdin.isatty():
        return getpass.getpass("New app-specific password (Enter keeps the saved one): ") or None
    return None


def _report_text(report: DrainReport) -> str:
    failed = "".join(f"\n  failed: {e.message}" for e in report.events if e.outcome != "success")
    return f"Synced {report.synced}, failed {report.failed}.{failed}"
