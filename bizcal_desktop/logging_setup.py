"""One rotating log file in the data folder, with secrets redacted before anything is written."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from bizcal_desktop.redaction import redact


class RedactingFilter(logging.Filter):
    """Masks credentials in every record, whatever module logged it (httpx, caldav, oauthlib...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill logging
            return True
        record.msg = redact(message)
        record.args = None
        return True


def configure_logging(log_path: Path, verbose: bool = False) -> None:
    """Log INFO+ to ``log_path`` (rotating, 5 x 1 MB); WARNING+ to stderr only with ``verbose``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_bizcal", False):
            root.removeHandler(handler)
    file_handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler.addFilter(RedactingFilter())
    file_handler._bizcal = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    if verbose:
        stream = logging.StreamHandler()
        stream.setLevel(logging.DEBUG)
        stream.addFilter(RedactingFilter())
        stream._bizcal = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Third-party chatter (request lines with URLs) stays out of the user's log unless debugging.
    for noisy in ("httpx", "httpcore", "caldav", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
