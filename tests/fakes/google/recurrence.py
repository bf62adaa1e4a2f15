"""Expand a recurring Google event into its instances, the way ``singleEvents=true`` does.

Supports what the app's tests need: RRULE with FREQ (DAILY/WEEKLY/MONTHLY/YEARLY), INTERVAL,
COUNT, UNTIL and BYDAY; EXDATE (with TZID, UTC or VALUE=DATE). Occurrences are generated in the
event's own zone as wall-clock times and localised one by one, so a weekly 09:00 stays 09:00 across
a DST change — the behaviour real Google has and the bug list warns about.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

#: Never expand more than this many occurrences of one series (open-ended rules).
MAX_OCCURRENCES = 1000

_FREQS = {"DAILY": rrule.DAILY, "WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY, "YEARLY": rrule.YEARLY}
_DAYS = {"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH, "FR": rrule.FR,
         "SA": rrule.SA, "SU": rrule.SU}


def parse_dt(value: str) -> datetime:
    """An RFC3339 string as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _parse_ical_instant(text: str, tzid: str | None, zone: ZoneInfo) -> datetime | date:
    """An iCalendar DATE / DATE-TIME value as a local wall time in ``zone`` (or a date)."""
    if "T" not in text:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    naive = datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    if text.endswith("Z"):
        return naive.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    if tzid:
        return naive.replace(tzinfo=ZoneInfo(tzid)).astimezone(zone).replace(tzinfo=None)
    return naive


def _split_property(line: str) -> tuple[str, dict[str, str], str]:
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    return name.upper(), dict(p.split("=", 1) for p in params if "=" in p), value


def occurrences(master: dict[str, Any], zone_name: str) -> list[datetime | date]:
    """Start wall times (naive, in ``zone_name``) or dates of every occurrence of ``master``."""
    zone = ZoneInfo(zone_name)
    all_day = "date" in master["start"]
    if all_day:
        first: datetime = datetime.combine(date.fromisoformat(master["start"]["date"]), time())
    else:
        first = parse_dt(master["start"]["dateTime"]).astimezone(zone).replace(tzinfo=None)
    rules: list[rrule.rrule] = []
    excluded: set[datetime | date] = set()
    for line in master.get("recurrence", []):
        name, params, value = _split_property(line)
        if name == "RRULE":
            parts = dict(p.split("=", 1) for p in value.split(";") if "=" in p)
            kwargs: dict[str, Any] = {"dtstart": first, "interval": int(parts.get("INTERVAL", "1"))}
            if "COUNT" in parts:
                kwargs["count"] = int(parts["COUNT"])
            if "UNTIL" in parts:
                until = _parse_ical_instant(parts["UNTIL"], None, zone)
                kwargs["until"] = until if isinstance(until, datetime) else datetime.combine(
                    until, time(23, 59, 59))
            if "BYDAY" in parts:
                kwargs["byweekday"] = [_DAYS[d[-2:]] for d in parts["BYDAY"].split(",")]
            rules.append(rrule.rrule(_FREQS[parts["FREQ"]], **kwargs))
        elif name == "EXDATE":
            for item in value.split(","):
                excluded.add(_parse_ical_instant(item, params.get("TZID"), zone))
    found: list[datetime | date] = []
    for rule in rules:
        for index, start in enumerate(rule):
            if index >= MAX_OCCURRENCES:
                break
            key: datetime | date = start.date() if all_day else start
            if key not in excluded:
                found.append(key)
    return sorted(set(found))


def instance_id(master_id: str, start: datetime | date) -> str:
    """Google's instance id: ``<series id>_<UTC start>`` or ``<series id>_<date>`` for all-day."""
    if isinstance(start, datetime):
        return f"{master_id}_{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{master_id}_{start:%Y%m%d}"


def expand(master: dict[str, Any], calendar_zone: str) -> list[dict[str, Any]]:
    """Every instance of ``master`` as an event resource (no exceptions applied)."""
    zone_name = master["start"].get("timeZone") or calendar_zone
    zone = ZoneInfo(zone_name)
    all_day = "date" in master["start"]
    instances = []
    for local in occurrences(master, zone_name):
        inst = {k: v for k, v in master.items() if k not in ("recurrence", "id", "start", "end")}
        if all_day:
            assert isinstance(local, date)
            span = date.fromisoformat(master["end"]["date"]) - date.fromisoformat(master["start"]["date"])
            start_value: dict[str, Any] = {"date": local.isoformat()}
            end_value: dict[str, Any] = {"date": (local + span).isoformat()}
            key: datetime | date = local
        else:
            assert isinstance(local, datetime)
            duration = parse_dt(master["end"]["dateTime"]) - parse_dt(master["start"]["dateTime"])
            start = local.replace(tzinfo=zone)
            end = (start.astimezone(UTC) + duration).astimezone(zone)
            start_value = {"dateTime": start.isoformat(), "timeZone": zone_name}
            end_value = {"dateTime": end.isoformat(), "timeZone": zone_name}
            key = start
        inst.update(
            id=instance_id(master["id"], key),
            recurringEventId=master["id"],
            originalStartTime=dict(start_value),
            start=start_value,
            end=end_value,
        )
        instances.append(inst)
    return instances


def event_bounds(event: dict[str, Any], calendar_zone: str) -> tuple[datetime, datetime]:
    """Start and end of a (non-recurring or instance) event as aware datetimes.

    All-day dates are read as midnights in the calendar's zone, as Google does for time filters.
    """
    def one(value: dict[str, Any]) -> datetime:
        if "dateTime" in value:
            parsed = parse_dt(value["dateTime"])
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=ZoneInfo(value.get("timeZone") or calendar_zone))
            return parsed
        return datetime.combine(date.fromisoformat(value["date"]), time(), ZoneInfo(calendar_zone))

    return one(event["start"]), one(event["end"])
