"""One rotating log file in the data folder, with secrets redacted before anything is written.

Two defences, because either alone leaks:

* Every handler we install (the file, and stderr under ``--debug``) formats through
  :class:`RedactingFormatter`, which masks the *finished* text — message, traceback and stack — so an
  exception whose message holds a token is masked as well as a log call's arguments.
* Libraries that print tokens at DEBUG (requests-oauthlib logs the whole token dict and the token
  request's body, urllib3/httpx the request lines with codes in query strings, MSAL its responses)
  are held at WARNING even under ``--debug``. ``--debug`` lowers only our own ``bizcal_desktop``
  loggers; the root stays at INFO, so an unlisted library is never more verbose than that either.

Customer names are not credentials but are private too (the log is sent with support requests): INFO
and above name bookings by id; a name may appear only at DEBUG, and ``--debug`` says so in its first line.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

from bizcal_desktop.redaction import redact

#: Our own loggers: the only ones ``--debug`` turns to DEBUG (``__main__``: a module run with ``-m``).
APP_LOGGERS = ("bizcal_desktop", "__main__")
#: The first line ``--debug`` writes: our DEBUG lines may name customers; INFO and above use ids only.
DEBUG_NAMES_NOTICE = "--debug: this log may now contain customer names (the default level logs booking ids only)"
#: Third-party loggers that print credentials or request lines: WARNING and above only, always.
QUIET_LOGGERS = (
    "requests_oauthlib", "oauthlib", "google_auth_oauthlib", "google.auth", "google_auth_httplib2",
    "googleapiclient", "requests", "urllib3", "httpx", "httpcore", "hpack", "h2", "msal", "caldav",
    "keyring", "secretstorage", "alembic",
)


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


class RedactingFormatter(logging.Formatter):
    """Masks credentials in the formatted text, traceback and stack included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _redacting_excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Print an uncaught exception's traceback (``--debug`` re-raises, Qt slots) with credentials masked."""
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def _make_handler(handler: logging.Handler, fmt: str) -> logging.Handler:
    handler.setFormatter(RedactingFormatter(fmt))
    handler.addFilter(RedactingFilter())
    handler._bizcal = True  # type: ignore[attr-defined]
    return handler


def _quiet_handle_error(log_path: Path):  # type: ignore[no-untyped-def]
    """A log file that stops accepting lines (disk full, folder made read-only) is mentioned once on
    stderr, not with a traceback per record: the command's own answer matters more than its log."""
    told = False

    def handle_error(_record: logging.LogRecord) -> None:
        nonlocal told
        if not told:
            told = True
            print(f"bizcal: warning: cannot write the log file {log_path}; continuing without it.",
                  file=sys.stderr)

    return handle_error


def log_unexpected(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log a bug (an exception nothing expected) by the id-only policy of the log file (issue 18 item 5).

    At ERROR: ``what``, the exception's type and where it was raised (file, line, function and code
    of each frame), never its text: a bug's message may quote whatever the failing code held — a
    customer's name, an event's title — and the log file goes along with support requests. Its text
    and the full traceback (masked like every record) only at DEBUG, which ``--debug`` turns on.
    """
    frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__))).rstrip()
    where = f"\n{frames}" if frames else ""
    logger.error("%s: %s (its text only with --debug)%s", what, type(exc).__name__, where)
    logger.debug("%s: %s", what, exc, exc_info=exc)


def configure_logging(log_path: Path, verbose: bool = False) -> None:
    """Log INFO+ to ``log_path`` (rotating, 5 x 1 MB); with ``verbose`` our DEBUG too, also on stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_bizcal", False):
            root.removeHandler(handler)
            handler.close()
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler: logging.Handler | None = logging.handlers.RotatingFileHandler(
            log_path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        # A read-only or full data folder must not stop `bizcal booking list`: log nowhere rather
        # than fail, and say so once.
        file_handler = None
        print(f"bizcal: warning: cannot write the log file {log_path} ({exc.strerror or exc}); "
              "continuing without it.", file=sys.stderr)
    if file_handler is None:
        root.addHandler(_make_handler(logging.NullHandler(), "%(message)s"))  # no "last resort" output
    else:
        file_handler.handleError = _quiet_handle_error(log_path)  # type: ignore[method-assign]
        root.addHandler(_make_handler(file_handler, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if verbose:
        stream = _make_handler(logging.StreamHandler(), "%(levelname)s %(name)s: %(message)s")
        stream.setLevel(logging.DEBUG)
        root.addHandler(stream)
    # Uncaught tracebacks (``--debug`` re-raises; Qt reports a slot's exception) reach stderr: mask them.
    sys.excepthook = _redacting_excepthook
    root.setLevel(logging.INFO)
    for ours in APP_LOGGERS:
        logging.getLogger(ours).setLevel(logging.DEBUG if verbose else logging.NOTSET)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if verbose:
        logging.getLogger(__name__).warning(DEBUG_NAMES_NOTICE)
