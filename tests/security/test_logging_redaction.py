"""``--debug`` must not put tokens in the log file or on stderr.

requests-oauthlib logs the whole token dict at DEBUG ("Obtained token {...}"); under ``--debug`` such a
record must not even reach our handlers, while our own DEBUG lines do, masked, on both the file and
stderr. Tracebacks (``log.exception`` and the uncaught ones ``--debug`` lets through) are masked too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bizcal_desktop import logging_setup
from bizcal_desktop.logging_setup import configure_logging

ACCESS = "ya29.a0AfH6SMBxTOPSECRETaccess"
REFRESH = "1//0gTOPSECRETrefresh"
TOKEN = {"access_token": ACCESS, "expires_in": 3599, "refresh_token": REFRESH,
         "scope": ["https://www.googleapis.com/auth/calendar.events"], "token_type": "Bearer"}


@pytest.fixture
def logging_state() -> Iterator[None]:
    """Put the root logger, the levels we touch and ``sys.excepthook`` back after the test."""
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    names = (*logging_setup.APP_LOGGERS, *logging_setup.QUIET_LOGGERS, "requests_oauthlib.oauth2_session")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    sys.excepthook = hook


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_requests_oauthlib_debug_token_dict_reaches_neither_file_nor_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], logging_state: None
) -> None:
    log_path = tmp_path / "logs" / "bizcal.log"
    configure_logging(log_path, verbose=True)

    logging.getLogger("requests_oauthlib.oauth2_session").debug("Obtained token %s.", TOKEN)
    logging.getLogger("oauthlib.oauth2.rfc6749").debug("token body refresh_token=%s", REFRESH)
    logging.getLogger("urllib3.connectionpool").debug("GET /?code=4/0AbcTOPSECRETcode HTTP/1.1")
    logging.getLogger("msal.token_cache").debug("event=%s", {"refresh_token": REFRESH})
    # A third-party warning still gets through, masked.
    logging.getLogger("requests_oauthlib.oauth2_session").warning("token %s", TOKEN)
    # Our own DEBUG goes to both, masked.
    logging.getLogger("bizcal_desktop.providers.google.oauth").debug("our token %s", TOKEN)
    _flush()

    written = log_path.read_text(encoding="utf-8")
    stderr = capsys.readouterr().err
    for out in (written, stderr):
        assert ACCESS not in out and REFRESH not in out and "TOPSECRET" not in out
        assert "Obtained token" not in out  # the DEBUG record never reached a handler
        assert "our token {'access_token': '***'" in out
        assert "token {'access_token': '***'" in out.replace("our token", "")


def test_tracebacks_are_masked_in_the_file_on_stderr_and_when_uncaught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], logging_state: None
) -> None:
    log_path = tmp_path / "bizcal.log"
    configure_logging(log_path, verbose=True)
    try:
        raise RuntimeError(f"token endpoint said {TOKEN!r}")
    except RuntimeError:
        logging.getLogger("bizcal_desktop.cli").exception("unexpected error")
        kind, value, tb = sys.exc_info()
    _flush()
    assert value is not None
    sys.excepthook(kind, value, tb)  # what Python calls when --debug re-raises

    written = log_path.read_text(encoding="utf-8")
    stderr = capsys.readouterr().err
    assert "Traceback" in written and "Traceback" in stderr
    for out in (written, stderr):
        assert ACCESS not in out and REFRESH not in out


def test_without_debug_our_debug_lines_stay_out(tmp_path: Path, logging_state: None) -> None:
    log_path = tmp_path / "bizcal.log"
    configure_logging(log_path, verbose=False)
    logging.getLogger("bizcal_desktop.sync").debug("chatty")
    logging.getLogger("bizcal_desktop.sync").info("password=hunter2 rejected")
    _flush()
    written = log_path.read_text(encoding="utf-8")
    assert "chatty" not in written
    assert "password=*** rejected" in written
