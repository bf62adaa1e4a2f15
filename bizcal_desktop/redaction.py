"""Masking credentials in text before it is logged or stored.

A module of its own, below every layer, so that the store (sync-log messages), the providers (error
texts) and the log handler can all mask secrets without importing the keychain module.
"""

from __future__ import annotations

import re

_SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|secret|token|authorization|code_verifier|refresh_token|access_token)"
               r"(\"?\s*[:=]\s*\"?)([^\s\"&,}]+)"),
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._\-~+/]+=*)"),
    re.compile(r"(?i)(basic\s+)([A-Za-z0-9+/]+=*)"),
]


def redact(text: str) -> str:
    """Mask anything that looks like a credential in ``text`` before it is logged or stored."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups == 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}***", text)
    return text
