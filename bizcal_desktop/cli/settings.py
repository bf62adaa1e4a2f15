"""``bizcal settings``: show the business settings, or change some of them with ``set``.

Why every flag defaults to ``None``: ``set`` changes only what was given and keeps the rest, and
``--hours`` merges day by day (``sat=`` closes Saturday, the other days stay). With ``--staff`` the
hours become that staff member's own week instead of the business's. Both verbs end by showing
the settings as they now are, so a script reads back what it wrote.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from bizcal_desktop.cli.command import Nouns
from bizcal_desktop.cli.output import Output
from bizcal_desktop.domain.privacy import PrivacyLevel
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.audit import Door
from bizcal_desktop.wiring import Services

#: ``set`` flag (its argparse dest) -> the settings field it changes
SETTING_FLAGS = (
    ("timezone", "timezone"), ("buffer_before", "buffer_before_minutes"),
    ("buffer_after", "buffer_after_minutes"), ("step", "slot_step_minutes"),
    ("notice", "min_notice_minutes"), ("window", "booking_window_days"),
    ("import_interval", "import_interval_minutes"),
    ("mass_deletion_limit", "mass_deletion_limit"), ("mass_deletion_percent", "mass_deletion_percent"),
)


def add_parser(nouns: Nouns, common: argparse.ArgumentParser) -> None:
    settings = nouns.add_parser("settings", parents=[common], help="business hours, buffers, window")
    verbs = settings.add_subparsers(dest="verb")
    verbs.add_parser("show", parents=[common], help="show the settings")
    p = verbs.add_parser("set", parents=[common], help="change settings")
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
    p.add_argument("--event-privacy", choices=[level.value for level in PrivacyLevel], default=None,
                   help="what calendar events show: full (service and name), initials, service (only), "
                   "busy (nothing else); future events are rewritten")
    p.add_argument("--mass-deletion-limit", type=int, default=None,
                   help="a sync removing more events than this from one calendar waits for confirmation (20)")
    p.add_argument("--mass-deletion-percent", type=int, default=None,
                   help="... or more than this percent of BizCal's events there, from 6 events on (50)")
    p.add_argument("--audit-retention", default=None, metavar="DAYS|keep",
                   help="days the audit trail keeps a change (at least 30), or keep (the default: for good)")
    settings.set_defaults(func=cmd_settings, verb=None)


def cmd_settings(args: argparse.Namespace, svc: Services, out: Output) -> int:
    note = ""
    if args.verb == "set":
        apply_changes(args, svc)
        if args.event_privacy is not None:
            note = f"{svc.settings.set_event_privacy(args.event_privacy, door=Door.CLI).message}.\n"
    result: dict[str, Any] = dataclasses.asdict(svc.settings.get())
    result["staff_hours"] = {
        st.name: h for st in svc.directory.list_staff() if (h := svc.settings.staff_hours(st.id))
    }
    out.emit(result, lambda: note + settings_text(result))
    return 0


def apply_changes(args: argparse.Namespace, svc: Services) -> None:
    changes: dict[str, Any] = {
        field_name: getattr(args, arg) for arg, field_name in SETTING_FLAGS if getattr(args, arg) is not None
    }
    if args.keep_busy_titles is not None:
        changes["keep_busy_titles"] = args.keep_busy_titles == "yes"
    if args.audit_retention is not None:
        changes["audit_retention_days"] = retention_days(args.audit_retention)
    if args.hours and args.staff:
        staff = svc.directory.find_staff(args.staff)
        base = svc.settings.staff_hours(staff.id) or {}
        svc.settings.set_staff_hours(staff.id, {**base, **parse_hours(args.hours)}, door=Door.CLI)
    elif args.hours:
        changes["working_hours"] = {**svc.settings.get().working_hours, **parse_hours(args.hours)}
    if changes:
        svc.settings.update(door=Door.CLI, **changes)


def retention_days(value: str) -> int | None:
    if value.strip().lower() == "keep":
        return None
    if not value.strip().isdigit():
        raise UserInputError(f"Give the audit retention in days, or keep, not {value!r}.")
    return int(value)


def parse_hours(values: list[str]) -> dict[str, list[str]]:
    """``["mon=09:00-12:00,13:00-17:00", "sat="]`` -> ``{"mon": [...], "sat": []}``."""
    hours: dict[str, list[str]] = {}
    for value in values:
        day, sep, spans = value.partition("=")
        if not sep:
            raise UserInputError(f"Write working hours as DAY=HH:MM-HH:MM[,HH:MM-HH:MM], not {value!r}.")
        hours[day.strip().lower()] = [x.strip() for x in spans.split(",") if x.strip()]
    return hours


def settings_text(result: dict[str, Any]) -> str:
    lines = [f"{k.replace('_', ' ')}: {v}" for k, v in result.items() if k not in ("working_hours", "staff_hours")]
    lines.append("working hours: " + week_text(result["working_hours"]))
    for name, hours in result["staff_hours"].items():
        lines.append(f"working hours of {name}: " + week_text(hours))
    return "\n".join(lines)


def week_text(hours: dict[str, list[str]]) -> str:
    return "; ".join(f"{day} {', '.join(spans) or 'closed'}" for day, spans in hours.items())
