"""A command line is read the same by the one-noun parser ``bizcal`` uses as by the whole parser.

Why these tests: to start quickly, ``bizcal`` builds only the named noun's sub-parser
(``cli/parser.py``: a noun finder reads the line first). Scripts depend on what the whole parser
answers - the parsed flags, ``--help``, ``--version``, every usage error and its exit code - so each
line here is given to both and the answers compared; and the table of which module adds which noun
is checked against what the modules add.
"""

from __future__ import annotations

import argparse

import pytest

from bizcal_desktop.cli.parser import NOUNS, build_parser, named_noun, noun_finder, parser_for

#: Lines a script might write, and the unusual ones the finder must leave to the whole parser.
LINES = [
    ["staff", "list"],
    ["staff"],
    ["--json", "staff", "list", "--all"],
    ["staff", "--data-dir", "/tmp/x", "add", "Mark", "--timezone", "Europe/Berlin", "--json"],
    ["--data", "/tmp/x", "staff", "list"],  # an abbreviation of --data-dir
    ["--data-dir=/tmp/x", "--as", "staff", "booking", "list"],  # a flag's value that is a noun's name
    ["--debug", "resync", "--from", "2026-01-05"],
    ["retry", "7"],
    ["retry", "seven"],
    ["import", "--staff", "Mark"],
    ["log", "--limit", "5", "--failed"],
    ["connections"],
    ["connections", "set-privacy", "3", "initials"],
    ["connections", "set-privacy", "3", "everything"],
    ["db", "status"],
    ["db"],
    ["settings", "set", "--mass-deletion-limit", "3"],
    ["about", "--json"],
    [],
    ["stuff", "list"],
    ["-h"],
    ["--he"],
    ["--help", "staff", "list"],
    ["staff", "-h"],
    ["staff", "list", "--help"],
    ["--version"],
    ["--vers", "staff"],
    ["staff", "list", "--version"],
    ["staff", "list", "--bogus"],
    ["--bogus", "staff", "list"],
    ["--bogus", "x", "staff", "list"],
    ["--d", "x", "staff", "list"],  # ambiguous: --data-dir, --database-url, --debug
    ["--data-dir"],
    ["staff", "--data-dir"],
    ["staff", "add", "Mark"],
    ["--", "staff", "list"],
    ["slots", "--staff", "1"],
]


def _answer(parser: argparse.ArgumentParser, line: list[str],
            capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        answer: object = vars(parser.parse_args(line))
    except SystemExit as exit_:
        answer = ("exit", exit_.code)
    out, err = capsys.readouterr()
    return answer, out, err


@pytest.mark.parametrize("line", LINES, ids=lambda line: " ".join(line) or "(nothing)")
def test_the_one_noun_parser_answers_as_the_whole_one(line: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    whole = _answer(build_parser(), line, capsys)

    one_noun = _answer(parser_for(line), line, capsys)

    assert one_noun == whole


def test_the_finder_names_the_noun_or_leaves_the_line_to_the_whole_parser() -> None:
    assert named_noun(["staff", "list", "--help"]) == "staff"  # the first word; its own parser helps
    assert named_noun(["--json", "resync", "--from", "2026-01-05"]) == "resync"
    assert named_noun(["--as", "staff", "booking", "list"]) == "booking"
    assert named_noun(["-h"]) is None
    assert named_noun(["--vers", "staff"]) is None
    assert named_noun(["stuff"]) is None
    assert named_noun([]) is None


def _flags(parser: argparse.ArgumentParser) -> list[tuple[tuple[str, ...], object]]:
    return sorted((tuple(action.option_strings), action.nargs) for action in parser._actions if action.option_strings)


def test_the_finder_reads_the_top_level_flags_of_the_whole_parser() -> None:
    """The same option strings, each taking as many values: both come to the same noun on any line."""
    assert _flags(noun_finder()) == _flags(build_parser())


def test_the_table_of_nouns_is_what_the_modules_add() -> None:
    nouns = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))

    assert list(nouns.choices) == [name for _, names in NOUNS for name in names]
