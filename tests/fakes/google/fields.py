"""Google's partial responses: the ``fields`` parameter, applied to an answer as Google does.

Why the fake honours it: a client that asks for ``items(id,etag)`` and then reads ``summary`` works
against a fake that ignores ``fields`` and breaks against Google. Supported syntax (Google's
"partial response" guide): comma-separated names, ``a/b`` for a sub-field, ``a(b,c)`` for several
sub-fields of each element, ``*`` for everything at that level.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.google.errors import FakeHTTPError

#: A selection: name -> its own selection, or None for the whole value.
Selection = dict[str, "Selection | None"]


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise FakeHTTPError(400, "invalidParameter", "Invalid field selection")
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise FakeHTTPError(400, "invalidParameter", "Invalid field selection")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _merge(into: Selection, path: list[str], sub: Selection | None) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        into[head] = sub if into.get(head, {}) is not None else None
        return
    child = into.setdefault(head, {})
    if child is not None:
        _merge(child, rest, sub)


def parse(fields: str) -> Selection:
    """``items(id,etag),nextPageToken`` -> ``{"items": {"id": None, "etag": None}, "nextPageToken": None}``."""
    selection: Selection = {}
    for part in _split(fields):
        sub: Selection | None = None
        if part.endswith(")") and "(" in part:
            part, inner = part[:-1].split("(", 1)
            sub = parse(inner)
        _merge(selection, part.split("/"), sub)
    return selection


def apply(value: Any, selection: Selection | None) -> Any:
    """``value`` cut down to ``selection`` (lists: each element)."""
    if selection is None or "*" in selection:
        return value
    if isinstance(value, list):
        return [apply(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: apply(value[k], sub) for k, sub in selection.items() if k in value}
