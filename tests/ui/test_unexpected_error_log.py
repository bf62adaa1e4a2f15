"""A bug met in a window is logged by the id-only policy: its type and frames, never its text (issue 18 item 5).

A window shows one plain sentence for an exception nothing expected (``error_text``), a task
started without an error handler is logged by ``spawn``, and the controller's listeners (told by the
engine and the scheduler) are logged by them when they fail; each used to write the exception's
message at ERROR, and a bug's message may quote a customer's name. The log file at the default level
must not hold it; ``--debug`` may.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bizcal_desktop.logging_setup import configure_logging
from bizcal_desktop.ui.base_window import error_text
from bizcal_desktop.ui.tasks import spawn

CUSTOMER = "Zelda Quixotewright"


@pytest.fixture
def log_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "logs" / "bizcal.log"
    yield path
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_bizcal", False):
            logging.getLogger().removeHandler(handler)
            handler.close()
    logging.getLogger("bizcal_desktop").setLevel(logging.NOTSET)


def read(log_file: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return log_file.read_text(encoding="utf-8")


def bug() -> None:
    raise KeyError(f"no slot for {CUSTOMER}")


async def failing_task() -> None:
    bug()


def test_a_bug_shown_in_a_window_is_logged_without_its_text(log_file: Path) -> None:
    configure_logging(log_file)
    try:
        bug()
    except KeyError as exc:
        sentence = error_text(exc)
    assert CUSTOMER not in sentence
    text = read(log_file)
    assert "ERROR bizcal_desktop.ui.base_window: unexpected failure: KeyError" in text
    assert "in bug" in text  # where it was raised, for whoever helps
    assert "Zelda" not in text and "Quixotewright" not in text


def test_a_background_task_without_a_handler_is_logged_without_its_text(log_file: Path, qloop, qtbot) -> None:  # type: ignore[no-untyped-def]
    configure_logging(log_file)
    task = spawn(failing_task())
    qtbot.waitUntil(task.done)
    qtbot.waitUntil(lambda: "background task failed: KeyError" in read(log_file))
    assert "Zelda" not in read(log_file)


async def test_a_failing_listener_or_timer_is_logged_without_its_text(log_file: Path) -> None:
    from bizcal_desktop.sync.listeners import Listeners
    from bizcal_desktop.sync.scheduler import Scheduler

    configure_logging(log_file)
    listeners: Listeners[int] = Listeners("sync")
    listeners.add(lambda _event: bug())
    listeners.notify(1)
    scheduler = Scheduler()
    scheduler.add("drain", failing_task, 3600.0)
    scheduler.finished_listeners.append(lambda *_args: bug())
    with pytest.raises(KeyError):
        await scheduler.run_now("drain")
    text = read(log_file)
    assert "sync listener failed: KeyError" in text and "timer drain failed: KeyError" in text
    assert "scheduler listener failed: KeyError" in text
    assert "Zelda" not in text


def test_with_debug_the_text_is_logged(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_file, verbose=True)
    try:
        bug()
    except KeyError as exc:
        error_text(exc)
    assert CUSTOMER in read(log_file)
