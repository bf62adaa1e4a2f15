"""`bizcal`: the headless face of BizCal Desktop, on the same services as the tray app.

Conventions scripts depend on: ``bizcal NOUN VERB``; a bare noun lists; ``--json`` on every command
prints one JSON object (or an array for listings) and nothing else on stdout; failures exit 1 (2 for
usage errors) with one human line on stderr and no traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bizcal_desktop import __version__
from bizcal_desktop.config import Config
from bizcal_desktop.errors import BizCalError, UserInputError
from bizcal_desktop.logging_setup import configure_logging
from bizcal_desktop.services.bookings import BookingView, parse_day
from bizcal_desktop.wiring import Services, build_services

log = logging.getLogger(__name__)

CALDAV_PROVIDERS = ("icloud", "fastmail", "nextcloud", "generic")


# ----- output -------------------------------------------------------------------------------------
def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, BookingView):
            data["sync_state"] = value.sync_state
        return data
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


class Output:
    """Prints either JSON or a short human text; never both."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, value: Any, human: Callable[[], str] | str) -> None:
        if self.as_json:
            print(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))
        else:
            text = human() if callable(human) else human
            if text:
                print(text)


def local(dt: datetime | None, zone: str) -> str:
    if dt is None:
        return "never"
    return dt.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


# ----- commands -----------------------------------------------------------------------------------
def actor() -> str:
    try:
        return f"user:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "user"


def cmd_staff(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.verb == "add":
        staff = svc.directory.add_staff(args.name, args.timezone, args.email)
        out.emit(staff, f"Added staff member {staff.name} (id {staff.id}, {staff.timezone}).")
        return 0
    rows = svc.directory.list_staff()
    out.emit(rows, lambda: table([(s.id, s.name, s.timezone) for s in rows], ["ID", "NAME", "TIMEZONE"]))
    return 0


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


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("App-specific password: ")
    else:
        raise UserInputError("Give the password on standard input with --password-stdin.")
    if not password:
        raise UserInputError("The password is empty.")
    return password


def cmd_connect(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.provider_kind == "caldav":
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
            )
        )
        default = " It is the default calendar." if view.is_default else ""
        out.emit(
            view,
            f"Connection test passed. Saved connection {view.id}: {view.display_name}, "
            f"calendar “{view.calendar_name}”.{default}",
        )
        return 0
    if args.provider_kind == "google":
        def show_url(url: str) -> None:
            print(f"Opening your browser for Google's consent screen. If it does not open, visit:\n{url}",
                  file=sys.stderr)

        view = asyncio.run(
            svc.connections.connect_google(
                staff=args.staff, calendar=args.calendar, busy_calendars=args.busy_calendar,
                on_url=show_url, timeout=args.timeout, actor=actor(),
            )
        )
        default = " It is the default calendar." if view.is_default else ""
        out.emit(view, f"Connected {view.display_name}; bookings go to “{view.calendar_name}”.{default}")
        return 0
    if args.provider_kind == "microsoft":
        def show_ms_url(url: str) -> None:
            print(f"No web browser could be started; open this address to sign in to Microsoft:\n{url}",
                  file=sys.stderr)

        print("Opening your browser for Microsoft's sign-in page…", file=sys.stderr)
        view = asyncio.run(
            svc.connections.connect_microsoft(
                staff=args.staff, calendar=args.calendar, busy_calendars=args.busy_calendar,
                on_url=show_ms_url, timeout=args.timeout, actor=actor(),
            )
        )
        default = " It is the default calendar." if view.is_default else ""
        out.emit(view, f"Connected {view.display_name}; bookings go to “{view.calendar_name}”.{default}")
        return 0
    raise UserInputError(f"Unknown provider {args.provider_kind!r}.")


def cmd_connections(args: argparse.Namespace, svc: Services, out: Output) -> int:
    verb = args.verb or "list"
    if verb == "set-default":
        view = svc.connections.set_default(args.id, actor=actor())
        out.emit(view, f"Connection {view.id} ({view.display_name}) is now the default of {view.staff_name}.")
        return 0
    if verb == "disconnect":
        view = asyncio.run(svc.connections.disconnect_and_revoke(args.id, actor=actor()))
        out.emit(view, f"Disconnected {view.display_name}; its secrets were deleted from the keychain.")
        return 0
    rows = svc.connections.list(staff=getattr(args, "staff", None), include_disconnected=getattr(args, "all", False))
    out.emit(
        rows,
        lambda: table(
            [
                (
                    c.id, c.staff_name, c.provider, c.calendar_name or c.calendar_id or "-",
                    "yes" if c.is_default else "", c.status,
                    c.last_success_at.isoformat(timespec="seconds") if c.last_success_at else "never",
                )
                for c in rows
            ],
            ["ID", "STAFF", "PROVIDER", "CALENDAR", "DEFAULT", "STATUS", "LAST SUCCESS (UTC)"],
        ),
    )
    return 0


def describe_booking(b: BookingView) -> str:
    return (
        f"Booking {b.id}: {b.service_name} – {b.customer_name} with {b.staff_name}, "
        f"{local(b.start, b.timezone)}–{b.end.astimezone(ZoneInfo(b.timezone)):%H:%M} {b.timezone} "
        f"[{b.status}, calendar: {b.sync_state}]"
    )


def sync_now(svc: Services, booking_id: int) -> BookingView:
    report = asyncio.run(svc.engine.drain({booking_id}))
    for event in report.events:
        if event.outcome != "success":
            print(f"bizcal: warning: {event.message}", file=sys.stderr)
    return svc.bookings.get(booking_id)


def cmd_booking(args: argparse.Namespace, svc: Services, out: Output) -> int:
    verb = args.verb or "list"
    if verb == "list":
        start = None
        if args.from_day:
            start = datetime.combine(parse_day(args.from_day), datetime.min.time(), tzinfo=UTC)
        rows = svc.bookings.list(staff=args.staff, start=start, include_cancelled=args.all)
        out.emit(
            rows,
            lambda: table(
                [
                    (b.id, local(b.start, b.timezone), b.timezone, b.staff_name, b.service_name,
                     b.customer_name, b.status, b.sync_state)
                    for b in rows
                ],
                ["ID", "START (LOCAL)", "ZONE", "STAFF", "SERVICE", "CUSTOMER", "STATUS", "CALENDAR"],
            ),
        )
        return 0
    if verb == "add":
        booking = svc.bookings.add(args.staff, args.service, args.customer, args.start)
    elif verb == "move":
        booking = svc.bookings.move(args.id, args.start)
    elif verb == "cancel":
        booking = svc.bookings.cancel(args.id)
    else:  # pragma: no cover - argparse restricts the choices
        raise UserInputError(f"Unknown booking command {verb!r}.")
    if not args.no_sync:
        booking = sync_now(svc, booking.id)
    out.emit(booking, lambda: describe_booking(booking))
    return 0


def report_text(report: Any) -> str:
    lines = [f"Synced {report.synced}, failed {report.failed}, nothing to do {report.skipped}."]
    lines += [f"  failed: {e.message}" for e in report.events if e.outcome != "success"]
    return "\n".join(lines)


def cmd_sync(args: argparse.Namespace, svc: Services, out: Output) -> int:
    report = asyncio.run(svc.engine.drain())
    out.emit(report, lambda: report_text(report))
    return 1 if report.failed else 0


def cmd_resync(args: argparse.Namespace, svc: Services, out: Output) -> int:
    from_day = parse_day(args.from_day) if args.from_day else date.today()
    queued = svc.recovery.resync(from_day, actor=actor())
    report = asyncio.run(svc.engine.drain())
    result = {"from": from_day, "queued": queued, "report": report}
    out.emit(result, lambda: f"Resync from {from_day}: {len(queued)} booking(s) queued. " + report_text(report))
    return 1 if report.failed else 0


def cmd_retry(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.failed:
        booking_ids = svc.recovery.retry_failed(actor=actor())
    elif args.mapping_id is not None:
        booking_ids = [svc.recovery.retry_mapping(args.mapping_id, actor=actor())]
    else:
        raise UserInputError("Name a mapping id to retry, or use --failed to retry every failed event.")
    report = asyncio.run(svc.engine.drain(set(booking_ids))) if booking_ids else None
    result = {"bookings": booking_ids, "report": report}
    out.emit(
        result,
        lambda: "Nothing failed; nothing to retry."
        if not booking_ids
        else f"Retried {len(booking_ids)} booking(s). " + report_text(report),
    )
    return 1 if report is not None and report.failed else 0


def cmd_log(args: argparse.Namespace, svc: Services, out: Output) -> int:
    rows = svc.sync_log.entries(limit=args.limit, failed_only=args.failed)
    out.emit(
        rows,
        lambda: table(
            [
                (r.id, r.at.isoformat(timespec="seconds"), r.action, r.outcome, r.booking_id or "-",
                 r.mapping_id or "-", r.message)
                for r in rows
            ],
            ["ID", "WHEN (UTC)", "ACTION", "OUTCOME", "BOOKING", "MAPPING", "MESSAGE"],
        ),
    )
    return 0


def cmd_import(args: argparse.Namespace, svc: Services, out: Output) -> int:
    report = asyncio.run(svc.importer.import_all(staff=args.staff))

    def human() -> str:
        if not report.connections:
            return "No active calendar connection imports busy times."
        lines = []
        for c in report.connections:
            if c.ok:
                lines.append(f"{c.connection_name}: {c.added} added, {c.changed} changed, {c.removed} removed "
                             f"({c.requests} request(s), {c.seconds:.2f}s)")
            else:
                lines.append(f"{c.connection_name}: FAILED — {c.message}")
        lines += [f"warning: {c.message}" for c in report.conflicts]
        return "\n".join(lines)

    out.emit(report, human)
    return 1 if report.failed else 0


def cmd_tokens(args: argparse.Namespace, svc: Services, out: Output) -> int:
    report = asyncio.run(svc.guardian.check_all())

    def human() -> str:
        lines = [f"Checked {report.checked} OAuth connection(s); renewed {len(report.refreshed)}, "
                 f"failed {len(report.failed)}."]
        lines += [f"warning: {event.message}" for event in report.deactivated]
        return "\n".join(lines)

    out.emit(report, human)
    return 1 if report.failed else 0


def parse_hours(values: list[str]) -> dict[str, list[str]]:
    """``["mon=09:00-12:00,13:00-17:00", "sat="]`` -> ``{"mon": [...], "sat": []}``."""
    hours: dict[str, list[str]] = {}
    for value in values:
        day, sep, spans = value.partition("=")
        if not sep:
            raise UserInputError(f"Write working hours as DAY=HH:MM-HH:MM[,HH:MM-HH:MM], not {value!r}.")
        hours[day.strip().lower()] = [x.strip() for x in spans.split(",") if x.strip()]
    return hours


def cmd_settings(args: argparse.Namespace, svc: Services, out: Output) -> int:
    if args.verb == "set":
        changes: dict[str, Any] = {}
        for arg, field_name in (
            ("timezone", "timezone"), ("buffer_before", "buffer_before_minutes"),
            ("buffer_after", "buffer_after_minutes"), ("step", "slot_step_minutes"),
            ("notice", "min_notice_minutes"), ("window", "booking_window_days"),
            ("import_interval", "import_interval_minutes"),
        ):
            if getattr(args, arg) is not None:
                changes[field_name] = getattr(args, arg)
        if args.keep_busy_titles is not None:
            changes["keep_busy_titles"] = args.keep_busy_titles == "yes"
        if args.hours and args.staff:
            staff = svc.directory.find_staff(args.staff)
            base = svc.settings.staff_hours(staff.id) or {}
            svc.settings.set_staff_hours(staff.id, {**base, **parse_hours(args.hours)})
        elif args.hours:
            changes["working_hours"] = {**svc.settings.get().working_hours, **parse_hours(args.hours)}
        if changes:
            svc.settings.update(**changes)
    settings = svc.settings.get()
    result: dict[str, Any] = dataclasses.asdict(settings)
    result["staff_hours"] = {
        st.name: h for st in svc.directory.list_staff() if (h := svc.settings.staff_hours(st.id))
    }

    def human() -> str:
        lines = [f"{k.replace('_', ' ')}: {v}" for k, v in result.items() if k not in ("working_hours", "staff_hours")]
        lines.append("working hours: " + "; ".join(f"{d} {', '.join(v) or 'closed'}"
                                                  for d, v in settings.working_hours.items()))
        for name, hours in result["staff_hours"].items():
            lines.append(f"working hours of {name}: " + "; ".join(f"{d} {', '.join(v) or 'closed'}"
                                                              for d, v in hours.items()))
        return "\n".join(lines)

    out.emit(result, human)
    return 0


def cmd_slots(args: argparse.Namespace, svc: Services, out: Output) -> int:
    staff = svc.directory.find_staff(args.staff)
    zone = ZoneInfo(staff.timezone)
    if args.explain:
        if not args.at:
            raise UserInputError("--explain needs --at ISO-DATE-TIME.")
        from bizcal_desktop.services.bookings import parse_instant

        at = parse_instant(args.at, staff.timezone)
        verdict = svc.availability.explain(staff.id, args.service, at)
        result = {
            "at": at,
            "offered": verdict.offered,
            "reasons": [{"code": str(r.code), "message": r.message} for r in verdict.reasons],
        }
        out.emit(result, lambda: f"{local(at, staff.timezone)} {staff.timezone}: "
                 + ("offered" if verdict.offered else "not offered:\n" + "\n".join(
                     f"  - {r.message}" for r in verdict.reasons)))
        return 0
    from_day = parse_day(args.from_day) if args.from_day else datetime.now(zone).date()
    slots = svc.availability.slots(staff.id, args.service, from_day, args.days)
    rows = [{"start": s.start, "end": s.end,
             "local_start": s.start.astimezone(zone).isoformat(), "timezone": staff.timezone} for s in slots]

    def human() -> str:
        if not slots:
            return f"No free times for {staff.name} from {from_day} for {args.days} day(s)."
        by_day: dict[str, list[str]] = {}
        for s in slots:
            local_start = s.start.astimezone(zone)
            by_day.setdefault(f"{local_start:%a %Y-%m-%d}", []).append(f"{local_start:%H:%M}")
        return "\n".join(f"{day}: {' '.join(times)}" for day, times in by_day.items()) + f"\n({staff.timezone})"

    out.emit(rows, human)
    return 0


# ----- parser -------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help="data folder (default: BIZCAL_HOME "
                        "or the platform's user data folder)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logging")

    parser = argparse.ArgumentParser(
        prog="bizcal", parents=[common],
        description="BizCal Desktop: keep bookings and your calendars in sync.",
    )
    parser.add_argument("--version", action="version", version=f"bizcal {__version__}")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")

    staff = nouns.add_parser("staff", parents=[common], help="staff members")
    staff_verbs = staff.add_subparsers(dest="verb")
    p = staff_verbs.add_parser("add", parents=[common], help="add a staff member")
    p.add_argument("name")
    p.add_argument("--timezone", required=True, help="IANA zone, e.g. Europe/Berlin")
    p.add_argument("--email", default=None, help="the staff member's calendar address (for invitations)")
    staff_verbs.add_parser("list", parents=[common], help="list staff members")
    staff.set_defaults(func=cmd_staff)

    service = nouns.add_parser("service", parents=[common], help="services offered")
    service_verbs = service.add_subparsers(dest="verb")
    p = service_verbs.add_parser("add", parents=[common], help="add a service")
    p.add_argument("name")
    p.add_argument("--duration", type=int, required=True, help="minutes")
    p.add_argument("--buffer-before", type=int, default=0, help="minutes kept free before")
    p.add_argument("--buffer-after", type=int, default=0, help="minutes kept free after")
    service_verbs.add_parser("list", parents=[common], help="list services")
    service.set_defaults(func=cmd_service)

    connect = nouns.add_parser("connect", parents=[common], help="connect a calendar")
    kinds = connect.add_subparsers(dest="provider_kind", required=True, metavar="PROVIDER")
    p = kinds.add_parser("caldav", parents=[common], help="iCloud, Fastmail, Nextcloud or any CalDAV server")
    p.add_argument("--staff", required=True)
    p.add_argument("--provider", choices=CALDAV_PROVIDERS, default="generic")
    p.add_argument("--url", default=None, help="server URL (Nextcloud: the host name is enough)")
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true", help="read the app-specific password from stdin")
    p.add_argument("--calendar", default=None, help="calendar name to write bookings into")
    p = kinds.add_parser("google", parents=[common], help="Google Calendar (opens your browser to sign in)")
    p.add_argument("--staff", required=True)
    p.add_argument("--calendar", default=None, help="calendar to write bookings into (default: primary)")
    p.add_argument("--busy-calendar", action="append", default=[], metavar="NAME",
                   help="another calendar of the account whose events count as busy; repeatable")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the consent")
    p = kinds.add_parser("microsoft", parents=[common],
                         help="Microsoft 365 / Outlook.com calendar (opens your browser to sign in)")
    p.add_argument("--staff", required=True)
    p.add_argument("--calendar", default=None, help="calendar to write bookings into (default: the default one)")
    p.add_argument("--busy-calendar", action="append", default=[], metavar="NAME",
                   help="another calendar of the account whose events count as busy; repeatable")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the sign-in")
    connect.set_defaults(func=cmd_connect)

    conns = nouns.add_parser("connections", parents=[common], help="list and manage connections")
    conns.add_argument("--staff", default=None)
    conns.add_argument("--all", action="store_true", help="include disconnected ones")
    conn_verbs = conns.add_subparsers(dest="verb")
    p = conn_verbs.add_parser("list", parents=[common], help="list connections")
    p.add_argument("--staff", default=None)
    p.add_argument("--all", action="store_true", help="include disconnected ones")
    p = conn_verbs.add_parser("set-default", parents=[common], help="write bookings into this connection")
    p.add_argument("id", type=int)
    p = conn_verbs.add_parser("disconnect", parents=[common], help="disconnect and delete its secrets")
    p.add_argument("id", type=int)
    conns.set_defaults(func=cmd_connections)

    booking = nouns.add_parser("booking", parents=[common], help="bookings")
    booking_verbs = booking.add_subparsers(dest="verb")
    p = booking_verbs.add_parser("add", parents=[common], help="add a booking (syncs at once)")
    p.add_argument("--staff", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--customer", required=True)
    p.add_argument("--start", required=True, help="ISO 8601; without an offset it is the staff's local time")
    p.add_argument("--no-sync", action="store_true", help="only queue the calendar sync")
    p = booking_verbs.add_parser("move", parents=[common], help="reschedule a booking")
    p.add_argument("id", type=int)
    p.add_argument("--start", required=True)
    p.add_argument("--no-sync", action="store_true")
    p = booking_verbs.add_parser("cancel", parents=[common], help="cancel a booking")
    p.add_argument("id", type=int)
    p.add_argument("--no-sync", action="store_true")
    p = booking_verbs.add_parser("list", parents=[common], help="list bookings")
    p.add_argument("--staff", default=None)
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD")
    p.add_argument("--all", action="store_true", help="include cancelled bookings")
    booking.set_defaults(func=cmd_booking, staff=None, from_day=None, all=False)

    p = nouns.add_parser("sync", parents=[common], help="push queued booking changes now")
    p.set_defaults(func=cmd_sync)
    p = nouns.add_parser("resync", parents=[common], help="back-fill events for bookings from a date")
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_resync)
    p = nouns.add_parser("retry", parents=[common], help="retry one failed event, or all with --failed")
    p.add_argument("mapping_id", type=int, nargs="?")
    p.add_argument("--failed", action="store_true")
    p.set_defaults(func=cmd_retry)
    p = nouns.add_parser("import", parents=[common], help="import busy times from connected calendars now")
    p.add_argument("--staff", default=None)
    p.set_defaults(func=cmd_import)

    p = nouns.add_parser("tokens", parents=[common],
                         help="renew OAuth tokens that expire within 10 minutes (the tray does it by itself)")
    p.set_defaults(func=cmd_tokens)

    p = nouns.add_parser("slots", parents=[common], help="free times customers can book")
    p.add_argument("--staff", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--from", dest="from_day", default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--explain", action="store_true", help="say why --at is or is not offered")
    p.add_argument("--at", default=None, help="ISO date-time to explain")
    p.set_defaults(func=cmd_slots)

    settings = nouns.add_parser("settings", parents=[common], help="business hours, buffers, window")
    settings_verbs = settings.add_subparsers(dest="verb")
    settings_verbs.add_parser("show", parents=[common], help="show the settings")
    p = settings_verbs.add_parser("set", parents=[common], help="change settings")
    p.add_argument("--timezone", default=None, help="business time zone (IANA)")
    p.add_argument("--hours", action="append", default=[], metavar="DAY=HH:MM-HH:MM[,...]",
                   help="working hours of one weekday (mon..sun); 'sat=' closes it; repeatable")
    p.add_argument("--staff", default=None, help="with --hours: only this staff member's hours")
    p.add_argument("--buffer-before", type=int, default=None, help="minutes kept free before bookings/busy")
    p.add_argument("--buffer-after", type=int, default=None, help="minutes kept free after bookings/busy")
    p.add_argument("--step", type=int, default=None, help="minutes between offered start times")
    p.add_argument("--notice", type=int, default=None, help="minimum notice in minutes")
    p.add_argument("--window", type=int, default=None, help="booking window in days")
    p.add_argument("--import-interval", type=int, default=None, help="minutes between busy imports")
    p.add_argument("--keep-busy-titles", choices=("yes", "no"), default=None,
                   help="store the titles of imported busy events")
    settings.set_defaults(func=cmd_settings, verb=None)

    p = nouns.add_parser("log", parents=[common], help="the sync log, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--failed", action="store_true", help="failures only")
    p.set_defaults(func=cmd_log)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = getattr(args, "json", False)
    debug = getattr(args, "debug", False)
    try:
        config = Config.load(getattr(args, "data_dir", None))
        configure_logging(config.log_path, verbose=debug)
        services = build_services(config)
    except BizCalError as exc:
        print(f"bizcal: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001
        if debug:
            raise
        print(f"bizcal: error: could not open the data folder: {exc}", file=sys.stderr)
        return 1
    try:
        return int(args.func(args, services, Output(as_json)))
    except BizCalError as exc:
        log.warning("command failed: %s", exc)
        if debug:
            raise
        print(f"bizcal: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bizcal: interrupted; queued changes are kept and will sync next time.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, details in the log
        log.exception("unexpected error")
        if debug:
            raise
        print(
            f"bizcal: error: unexpected {exc.__class__.__name__}: {exc} (details in {config.log_path})",
            file=sys.stderr,
        )
        return 1
    finally:
        services.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
