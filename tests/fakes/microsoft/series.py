"""Recurring series in the Outlook fake: a Graph ``recurrence`` expanded into occurrences and exceptions.

Why a module of its own
-----------------------
Graph hands a series out in three shapes, and the app's import is only as good as the fake's
fidelity to them:

* ``calendarView`` (and ``GET /me/events/{occurrence id}``) gives every occurrence with the master's
  properties (subject, ``showAs``, response ...) and its own id, ``type: occurrence`` and
  ``seriesMasterId``; the master itself is not in the view.
* ``calendarView/delta`` gives the very same occurrences *sparse*: only ``@odata.type``,
  ``@odata.etag``, ``id``, ``seriesMasterId``, ``type``, ``start`` and ``end`` - no ``showAs``,
  ``isCancelled``, ``isAllDay``, subject or response (microsoftgraph/microsoft-graph-docs #1716,
  #7632, #22197). A client has to read the master (``GET /me/events/{seriesMasterId}``) to know
  whether they block time.
* An *exception* (an occurrence edited on its own) is a full event in both, ``type: exception``.

An occurrence is a view of its master rather than a stored item, so the fake gives it the master's
``@odata.etag`` (the master's change key); a change to the master or to one of its exceptions bumps
that change key, and a delta then reports every instance of the series again, as Graph does when a
series changes. Occurrence wall-clock times are kept across DST in the master's own zone.

Supported patterns: ``daily``, ``weekly`` (``daysOfWeek``, ``firstDayOfWeek``), ``absoluteMonthly``
(``dayOfMonth``) and ``absoluteYearly`` (``month``, ``dayOfMonth``); ranges ``noEnd``, ``endDate``
and ``numbered``. Others are refused with a 400 so a test never silently gets the wrong series.
"""

from __future__ import annotations

import base64
import copy
from datetime import date, datetime, timedelta
from typing import Any

from dateutil import rrule

from tests.fakes.microsoft.errors import GraphError

#: The properties a delta round keeps on a plain occurrence (everything else is left out).
SPARSE_KEYS = ("@odata.type", "@odata.etag", "id", "seriesMasterId", "type", "start", "end")
#: Properties of a master that its occurrences and exceptions do not carry.
_MASTER_ONLY = ("recurrence", "id", "type", "@odata.etag", "changeKey", "transactionId", "createdDateTime")
_OCCURRENCE_PREFIX = "AAMkAGocc"
_FREQS = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "absoluteMonthly": rrule.MONTHLY,
          "absoluteYearly": rrule.YEARLY}
_DAYS = {"monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE, "thursday": rrule.TH,
         "friday": rrule.FR, "saturday": rrule.SA, "sunday": rrule.SU}


def occurrence_id(master_id: str, day: date) -> str:
    """The id Graph gives the occurrence of ``master_id`` on ``day`` (stable, distinct from the master's)."""
    raw = f"{master_id}|{day.isoformat()}".encode()
    return _OCCURRENCE_PREFIX + base64.urlsafe_b64encode(raw).decode()


def parse_occurrence_id(event_id: str) -> tuple[str, date] | None:
    """(master id, day) of an occurrence id; None for any other id."""
    if not event_id.startswith(_OCCURRENCE_PREFIX):
        return None
    try:
        master_id, _, day = base64.urlsafe_b64decode(event_id[len(_OCCURRENCE_PREFIX):]).decode().partition("|")
        return master_id, date.fromisoformat(day)
    except ValueError:
        return None


def validate(recurrence: Any) -> None:
    """400 for a recurrence the fake cannot expand faithfully (Graph would accept more)."""
    if not isinstance(recurrence, dict):
        raise GraphError(400, "RequestBodyRead", "recurrence must be a patternedRecurrence object.")
    pattern, span = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    if pattern.get("type") not in _FREQS:
        raise GraphError(400, "ErrorInvalidRecurrence", f"The fake does not expand {pattern.get('type')!r}.")
    if span.get("type") not in ("noEnd", "endDate", "numbered") or not span.get("startDate"):
        raise GraphError(400, "ErrorInvalidRecurrence", "recurrence.range needs a type and a startDate.")
    if pattern["type"] == "weekly" and not pattern.get("daysOfWeek"):
        raise GraphError(400, "ErrorInvalidRecurrence", "A weekly pattern needs daysOfWeek.")


def _rule(recurrence: dict[str, Any], first: datetime) -> rrule.rrule:
    pattern, span = recurrence["pattern"], recurrence["range"]
    kwargs: dict[str, Any] = {"dtstart": first, "interval": int(pattern.get("interval") or 1)}
    if pattern["type"] == "weekly":
        kwargs["byweekday"] = [_DAYS[d] for d in pattern["daysOfWeek"]]
        kwargs["wkst"] = _DAYS[pattern.get("firstDayOfWeek") or "sunday"]
    if pattern["type"] in ("absoluteMonthly", "absoluteYearly"):
        kwargs["bymonthday"] = int(pattern.get("dayOfMonth") or first.day)
    if pattern["type"] == "absoluteYearly":
        kwargs["bymonth"] = int(pattern.get("month") or first.month)
    if span["type"] == "endDate":
        kwargs["until"] = datetime.combine(date.fromisoformat(span["endDate"]), first.time())
    elif span["type"] == "numbered":
        kwargs["count"] = int(span.get("numberOfOccurrences") or 1)
    return rrule.rrule(_FREQS[pattern["type"]], **kwargs)


def _local(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(value["dateTime"])[:19])


def _days(master: dict[str, Any], start: datetime, end: datetime) -> list[date]:
    """Local days of the occurrences whose start lies near ``[start, end)`` (UTC; a day either side)."""
    first_local, last_local = _local(master["start"]), _local(master["end"])
    first = datetime.combine(date.fromisoformat(master["recurrence"]["range"]["startDate"]), first_local.time())
    length = last_local - first_local
    lo = start.replace(tzinfo=None) - length - timedelta(days=2)
    hi = end.replace(tzinfo=None) + timedelta(days=2)
    return [moment.date() for moment in _rule(master["recurrence"], first).between(lo, hi, inc=True)]


def _instance_times(master: dict[str, Any], day: date) -> tuple[dict[str, str], dict[str, str]]:
    """Start and end of the occurrence on ``day``, as wall clock in the master's own zones."""
    first_local, last_local = _local(master["start"]), _local(master["end"])
    begin = datetime.combine(day, first_local.time())
    finish = begin + (last_local - first_local)
    return ({"dateTime": begin.isoformat(), "timeZone": master["start"].get("timeZone") or "UTC"},
            {"dateTime": finish.isoformat(), "timeZone": master["end"].get("timeZone") or "UTC"})


def instance(master: dict[str, Any], day: date, override: dict[str, Any] | None) -> dict[str, Any]:
    """The full occurrence (``override`` None) or exception of ``master`` on ``day``, times unrendered."""
    event = {k: copy.deepcopy(v) for k, v in master.items() if k not in _MASTER_ONLY}
    event["start"], event["end"] = _instance_times(master, day)
    event["id"] = occurrence_id(master["id"], day)
    event["seriesMasterId"] = master["id"]
    event["type"] = "occurrence"
    event["@odata.etag"] = master["@odata.etag"]
    if override is not None:
        event.update(copy.deepcopy(override))
        event["type"] = "exception"
    return event


def instances(master: dict[str, Any], exceptions: dict[date, dict[str, Any]], cancelled: set[date],
              start: datetime, end: datetime, overlaps: Any) -> list[dict[str, Any]]:
    """The series' occurrences and exceptions overlapping ``[start, end)``; ``overlaps(event)`` decides."""
    found = []
    for day in _days(master, start, end):
        if day in cancelled:
            continue
        event = instance(master, day, exceptions.get(day))
        if overlaps(event):
            found.append(event)
    return found


def sparse(rendered: dict[str, Any]) -> dict[str, Any]:
    """A rendered occurrence as ``calendarView/delta`` gives it; exceptions and single events stay full."""
    if rendered.get("type") != "occurrence":
        return rendered
    return {"@odata.type": "#microsoft.graph.event",
            **{k: rendered[k] for k in SPARSE_KEYS if k in rendered and k != "@odata.type"}}


__all__ = ["SPARSE_KEYS", "instance", "instances", "occurrence_id", "parse_occurrence_id", "sparse", "validate"]
