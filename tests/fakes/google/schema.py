"""Validate request bodies against Google's own calendar v3 discovery document.

The document ships inside google-api-python-client (test dependency), so a field the real API would
reject — an unknown name, a string where a boolean belongs, a missing ``start`` on insert — fails
the test here too instead of only in production.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.fakes.google.errors import FakeHTTPError


@lru_cache(maxsize=1)
def discovery() -> dict[str, Any]:
    """The calendar v3 discovery document, loaded once."""
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
    return json.loads(path.read_text(encoding="utf-8"))


def method_scopes(resource: str, method: str) -> set[str]:
    """The OAuth scopes of which the caller needs at least one for ``resource.method``."""
    return set(discovery()["resources"][resource]["methods"][method].get("scopes", []))


def _invalid(message: str) -> FakeHTTPError:
    return FakeHTTPError(400, "invalid", message)


def _check_date_time(value: str, where: str) -> None:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"Invalid value at '{where}': {value!r} is not an RFC3339 date-time.") from exc


def _check_date(value: str, where: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(f"Invalid value at '{where}': {value!r} is not a date.") from exc


def validate(value: Any, schema: dict[str, Any], where: str) -> None:
    """Raise a 400 ``FakeHTTPError`` when ``value`` does not fit ``schema`` (discovery JSON schema)."""
    if value is None:  # JSON null clears a field in a patch; Google accepts it everywhere
        return
    if "$ref" in schema:
        validate(value, discovery()["schemas"][schema["$ref"]], where)
        return
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            raise _invalid(f"Invalid value at '{where}': expected an object.")
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                validate(item, props[key], f"{where}.{key}")
            elif extra is not None:
                validate(item, extra, f"{where}[{key!r}]")
            else:
                raise _invalid(
                    f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
                )
    elif kind == "array":
        if not isinstance(value, list):
            raise _invalid(f"Invalid value at '{where}': expected a list.")
        for index, item in enumerate(value):
            validate(item, schema.get("items", {}), f"{where}[{index}]")
    elif kind == "string":
        if not isinstance(value, str):
            raise _invalid(f"Invalid value at '{where}' ({type(value).__name__}): expected a string.")
        if "enum" in schema and value not in schema["enum"]:
            raise _invalid(f"Invalid value at '{where}': {value!r}.")
        if schema.get("format") == "date-time":
            _check_date_time(value, where)
        elif schema.get("format") == "date":
            _check_date(value, where)
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            if not (isinstance(value, str) and value.lstrip("-").isdigit()):
                raise _invalid(f"Invalid value at '{where}' ({value!r}): expected an integer.")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(f"Invalid value at '{where}' ({value!r}): expected a boolean.")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(f"Invalid value at '{where}' ({value!r}): expected a number.")
    # "any" and untyped schemas accept everything


def validate_event_body(body: Any, method: str) -> None:
    """Validate an Event resource sent to ``events.<method>`` (insert, patch, update).

    Besides the schema, the fields the discovery document marks as required for the method must be
    present (``start`` and ``end`` for insert and update).
    """
    if not isinstance(body, dict):
        raise _invalid("Invalid JSON payload received. Expected an object.")
    event_schema = discovery()["schemas"]["Event"]
    validate(body, event_schema, "resource")
    method_id = f"calendar.events.{method}"
    for name, prop in event_schema["properties"].items():
        required = prop.get("annotations", {}).get("required", [])
        if method_id in required and body.get(name) is None:
            raise FakeHTTPError(400, "required", "Missing end time." if name == "end" else
                                f"Missing {name}.")
