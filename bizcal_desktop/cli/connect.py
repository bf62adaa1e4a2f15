"""``bizcal connect caldav|google|microsoft``: test a calendar and save it as a staff member's connection.

Why two paths and not three: CalDAV asks for an app-specific password (read from stdin, never from a
flag, so it stays out of the shell history and ``ps``; a ``user:password@`` pasted into ``--url`` is
used with a warning, and the URL is saved without it). Google and Microsoft both sign in through the
browser and then pick calendars by name; they differ only in words and in which service call starts
the sign-in, so each is one :class:`OAuthSignIn` row and both run :func:`connect_oauth`. A third
OAuth provider is one more row.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bizcal_desktop.cli.command import Nouns, actor
from bizcal_desktop.cli.output import Output
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.caldav.presets import login_from_url
from bizcal_desktop.services.audit import Door
from bizcal_desktop.wiring import Services

if TYPE_CHECKING:
    from bizcal_desktop.services.connection_view import ConnectionView
    from bizcal_desktop.services.connections import ConnectionService

CALDAV_PROVIDERS = ("icloud", "fastmail", "nextcloud", "generic")


@dataclass(frozen=True)
class OAuthSignIn:
    """What differs between connecting Google and connecting Microsoft; the rest is one code path."""

    kind: str  #: the word after ``bizcal connect``
    help: str
    default_calendar: str  #: which calendar bookings go to without ``--calendar``, in words
    waits_for: str  #: what ``--timeout`` waits for, in words
    before_browser: str | None  #: said on stderr before the browser opens, if anything
    open_by_hand: str  #: said on stderr with the address when the user has to open it
    connect: Callable[[ConnectionService], Callable[..., Awaitable[ConnectionView]]]


OAUTH_SIGN_INS = {
    sign_in.kind: sign_in
    for sign_in in (
        OAuthSignIn(
            kind="google",
            help="Google Calendar (opens your browser to sign in)",
            default_calendar="primary",
            waits_for="the consent",
            before_browser=None,
            open_by_hand="Opening your browser for Google's consent screen. If it does not open, visit:",
            connect=lambda connections: connections.connect_google,
        ),
        OAuthSignIn(
            kind="microsoft",
            help="Microsoft 365 / Outlook.com calendar (opens your browser to sign in)",
            default_calendar="the default one",
            waits_for="the sign-in",
            before_browser="Opening your browser for Microsoft's sign-in page…",
            open_by_hand="No web browser could be started; open this address to sign in to Microsoft:",
            connect=lambda connections: connections.connect_microsoft,
        ),
    )
}


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    connect = nouns.add_parser("connect", parents=[common], help="connect a calendar")
    kinds = connect.add_subparsers(dest="provider_kind", required=True, metavar="PROVIDER")
    p = kinds.add_parser("caldav", parents=[common], help="iCloud, Fastmail, Nextcloud or any CalDAV server")
    p.add_argument("--staff", required=True)
    p.add_argument("--provider", choices=CALDAV_PROVIDERS, default="generic")
    p.add_argument("--url", default=None, help="server URL (Nextcloud: the host name is enough)")
    p.add_argument("--username", default="", help="the account's username (or give it in --url as USER@)")
    p.add_argument("--password-stdin", action="store_true", help="read the app-specific password from stdin")
    p.add_argument("--calendar", default=None, help="calendar name to write bookings into")
    for sign_in in OAUTH_SIGN_INS.values():
        p = kinds.add_parser(sign_in.kind, parents=[common], help=sign_in.help)
        p.add_argument("--staff", required=True)
        p.add_argument("--calendar", default=None,
                       help=f"calendar to write bookings into (default: {sign_in.default_calendar})")
        p.add_argument("--busy-calendar", action="append", default=[], metavar="NAME",
                       help="another calendar of the account whose events count as busy; repeatable")
        p.add_argument("--timeout", type=float, default=300.0, help=f"seconds to wait for {sign_in.waits_for}")
    connect.set_defaults(func=cmd_connect)


def cmd_connect(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.provider_kind == "caldav":
        return connect_caldav(args, svc, out)
    if args.provider_kind in OAUTH_SIGN_INS:
        return connect_oauth(OAUTH_SIGN_INS[args.provider_kind], args, svc, out)
    raise UserInputError(f"Unknown provider {args.provider_kind!r}.")


def read_password(args: argparse.Namespace) -> str:
    """The app-specific password: one line of stdin with ``--password-stdin``, else a prompt on a tty.

    Empty when ``--url`` carries one and stdin is not asked: the connect flow then takes it from there.
    """
    if not args.password_stdin and login_from_url(args.url, args.username, "").url_had_password:
        print("bizcal: warning: the password in --url can be read from your shell history and by other "
              "users (ps); BizCal keeps it in the keychain only, but give it with --password-stdin "
              "next time.", file=sys.stderr)
        return ""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("App-specific password: ")
    else:
        raise UserInputError("Give the password on standard input with --password-stdin.")
    if not password:
        raise UserInputError("The password is empty.")
    return password


def connect_caldav(args: argparse.Namespace, svc: Services, out: Output) -> int:
    password = read_password(args)
    view = asyncio.run(
        svc.connections.connect_caldav(
            staff=args.staff,
            provider_type=args.provider,
            url=args.url,
            username=args.username,
            password=password,
            calendar=args.calendar,
            actor=actor(),
            door=Door.CLI,
        )
    )
    out.emit(
        view,
        f"Connection test passed. Saved connection {view.id}: {view.display_name}, "
        f"calendar “{view.calendar_name}”.{default_note(view)}",
    )
    return 0


def connect_oauth(sign_in: OAuthSignIn, args: argparse.Namespace, svc: Services, out: Output) -> int:
    """Sign in through the browser, pick the calendars named by the flags, test and save."""

    def show_url(url: str) -> None:
        print(f"{sign_in.open_by_hand}\n{url}", file=sys.stderr)

    if sign_in.before_browser:
        print(sign_in.before_browser, file=sys.stderr)
    connect = sign_in.connect(svc.connections)
    view = asyncio.run(
        connect(
            staff=args.staff, calendar=args.calendar, busy_calendars=args.busy_calendar,
            on_url=show_url, timeout=args.timeout, actor=actor(), door=Door.CLI,
        )
    )
    out.emit(view, f"Connected {view.display_name}; bookings go to “{view.calendar_name}”.{default_note(view)}")
    return 0


def default_note(view: ConnectionView) -> str:
    return " It is the default calendar." if view.is_default else ""
