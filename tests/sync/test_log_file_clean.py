"""The rotating log file holds no customer names at the default level (issue 18 item 5).

Calendars shared with family or synced to a phone are why event titles follow a privacy level; the
log file is sent along with support requests, so at INFO and above it names bookings by id only.
``--debug`` may log names, and its first line says so. These tests run a booking through create,
retry, move, conflict, failure and cancel on the memory provider, then read the file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bizcal_desktop.errors import ConflictError, PermanentError, TransientError
from bizcal_desktop.logging_setup import DEBUG_NAMES_NOTICE, configure_logging
from tests.sync.test_engine_memory import World, world  # noqa: F401 - the fixture

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


async def run_a_booking_through_everything(world: World) -> None:  # noqa: F811
    calendar = world.calendars[world.first]
    booking = world.book(CUSTOMER)
    calendar.fail_next("upsert", TransientError(f"busy for {CUSTOMER}"), times=1)
    await world.engine.drain()
    world.services.bookings.move(booking.id, "2026-12-01T14:00")
    calendar.fail_next("upsert", ConflictError("changed meanwhile"), times=1)
    await world.engine.drain()
    world.services.bookings.move(booking.id, "2026-12-01T15:00")
    calendar.fail_next("upsert", PermanentError("refused"), times=1)
    await world.engine.drain()
    world.services.bookings.cancel(booking.id)
    await world.engine.drain()
    assert calendar.events() == []


async def test_the_default_level_logs_booking_ids_and_no_customer_name(world: World, log_file: Path) -> None:  # noqa: F811
    configure_logging(log_file)
    await run_a_booking_through_everything(world)
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = log_file.read_text(encoding="utf-8")
    assert "booking" in text and "retrying" in text  # the run was logged, by booking id
    assert "Zelda" not in text and "Quixotewright" not in text


async def test_debug_says_first_that_names_may_appear(world: World, log_file: Path,  # noqa: F811
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_file, verbose=True)
    for handler in logging.getLogger().handlers:
        handler.flush()

    first_line = log_file.read_text(encoding="utf-8").splitlines()[0]
    assert DEBUG_NAMES_NOTICE in first_line
    assert capsys.readouterr().err.splitlines()[0].endswith(DEBUG_NAMES_NOTICE)


def test_a_cli_error_naming_a_customer_reaches_stderr_not_the_log(log_file: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A command's error sentence may name a customer: the person at the keyboard reads it; the log
    file says only which kind of error ended the command."""
    import argparse

    from bizcal_desktop.cli.entry import run_command
    from bizcal_desktop.errors import UserInputError

    def refuse(*_args: object) -> int:
        raise UserInputError(f"Booking 7 ({CUSTOMER}) overlaps this time.")

    configure_logging(log_file)
    code = run_command(argparse.Namespace(func=refuse), object(), log_file, False)  # type: ignore[arg-type]
    for handler in logging.getLogger().handlers:
        handler.flush()

    assert code == 1 and CUSTOMER in capsys.readouterr().err
    text = log_file.read_text(encoding="utf-8")
    assert "command failed: UserInputError" in text and "Zelda" not in text
