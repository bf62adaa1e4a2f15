"""What a command prints: JSON for scripts or a short text for people, never both.

Why one place: ``--json`` must mean the same on every noun (one document on stdout, dataclasses and
datetimes spelled the same way), and the human side must share its table and local-time shapes so
the listings line up. Handlers hand :meth:`Output.emit` the value and a way to say it; they never
call ``print`` for results themselves.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo


def to_jsonable(value: Any) -> Any:
    """Dataclasses become objects (a booking also carries its ``sync_state``), dates ISO 8601 text.

    ``sync_state`` is a property of ``BookingView``, looked for by name so that printing a staff
    listing does not import the booking service.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(getattr(type(value), "sync_state", None), property):
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
    """``dt`` on the wall clock of ``zone``, to the minute; ``never`` for no time at all."""
    if dt is None:
        return "never"
    return dt.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Left-aligned columns as wide as their widest cell; ``(none)`` for an empty listing."""
    if not rows:
        return "(none)"
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)
