"""`bizcal`: the headless face of BizCal Desktop, on the same services as the tray app.

Conventions scripts depend on: ``bizcal NOUN VERB``; a bare noun lists; ``--json`` on every command
prints one JSON object (or an array for listings) and nothing else on stdout; failures exit 1 (2 for
usage errors) with one human line on stderr and no traceback unless ``--debug``.

Why a package: one module per noun (``staff``, ``booking``, ``connect`` …), each holding its own
sub-parser next to the handler that reads it, so a flag and its use are read together and a new noun
is one new module plus one line in :mod:`.parser`. :mod:`.output` and :mod:`.command` are what every
noun shares; :mod:`.entry` owns start-up, error handling and exit codes. Only :func:`main` is public:
it is the ``bizcal`` script's entry point (``bizcal_desktop.cli:main`` in ``pyproject.toml``).

Why :func:`main` imports :mod:`.entry` itself: run as the program (no ``argv``: it reads the command
line), it loads the command's modules with the garbage collector paused and tells the collector when
the command is done (``runtime.py`` says why: a quarter of a short command's time was the collector's). A
caller in Python that passes ``argv`` (a test, a script) gets the command alone, its process untouched.
"""

from __future__ import annotations

from collections.abc import Sequence

from bizcal_desktop import runtime

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``bizcal`` command (``argv``, else the process's command line); its exit code."""
    if argv is not None:
        from bizcal_desktop.cli.entry import main as run_one

        return run_one(argv)
    with runtime.loading_a_command():
        from bizcal_desktop.cli.entry import main as run_one
    try:
        return run_one()
    finally:
        runtime.command_done()
