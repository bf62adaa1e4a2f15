"""The part of OData's ``$filter`` that Graph documents for a calendar's events, and the app uses.

Why a parser at all: a fake that ignored ``$filter`` would answer a wrong query with every event and
hide the bug. This one accepts exactly what Graph documents for ``/me/calendars/{id}/events`` -
clauses joined by ``and``: an extended property by id with ``ep/value eq '<v>'`` or ``ne null``
(present), and ``start/dateTime`` / ``end/dateTime`` compared with ``lt le gt ge`` against a UTC
instant - and answers anything else with Graph's 400, as Graph would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.microsoft.errors import GraphError

Event = dict[str, Any]
_PROPERTY = re.compile(
    r"^singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'([^']*)'\s+and\s+"
    r"\1/value\s+(?:eq\s+'([^']*)'|(ne\s+null))\s*\)$", re.IGNORECASE)
_TIME = re.compile(r"^(start|end)/dateTime\s+(lt|le|gt|ge)\s+'([^']+)'$", re.IGNORECASE)
_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def _invalid() -> GraphError:
    return GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")


def _clauses(expression: str) -> list[str]:
    """Split on the top-level ``and`` (not inside parentheses or quotes)."""
    parts, depth, quoted, start = [], 0, False, 0
    lowered = expression.lower()
    i = 0
    while i < len(expression):
        char = expression[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and lowered.startswith(" and ", i):
            parts.append(expression[start:i].strip())
            start = i + len(" and ")
            i = start
            continue
        i += 1
    parts.append(expression[start:].strip())
    return parts


def _property_clause(match: re.Match[str]) -> Callable[[Event], bool]:
    wanted, value, present = match.group(2).lower(), match.group(3), match.group(4)

    def test(event: Event) -> bool:
        for prop in event.get("singleValueExtendedProperties") or []:
            if prop["id"].lower() == wanted:
                return prop.get("value") is not None if present else prop.get("value") == value
        return False

    return test


def _time_clause(match: re.Match[str], instant_of: Callable[[Event, str], datetime]) -> Callable[[Event], bool]:
    side, operator, literal = match.group(1).lower(), match.group(2).lower(), match.group(3)
    try:
        bound = datetime.fromisoformat(literal.removesuffix("Z"))
    except ValueError as exc:
        raise _invalid() from exc
    bound = bound.replace(tzinfo=UTC) if bound.tzinfo is None else bound.astimezone(UTC)
    return lambda event: _COMPARE[operator](instant_of(event, side), bound)


def event_filter(expression: str, instant_of: Callable[[Event, str], datetime]) -> Callable[[Event], bool]:
    """A predicate for ``$filter``; ``instant_of(event, "start"|"end")`` gives the event's UTC instant."""
    tests: list[Callable[[Event], bool]] = []
    for clause in _clauses(expression.strip()):
        if (found := _PROPERTY.match(clause)) is not None:
            tests.append(_property_clause(found))
        elif (found := _TIME.match(clause)) is not None:
            tests.append(_time_clause(found, instant_of))
        else:
            raise _invalid()
    return lambda event: all(test(event) for test in tests)

