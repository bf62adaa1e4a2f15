"""`bizcal`: the headless face of BizCal Desktop, on the same services as the tray app.

Conventions scripts depend on: ``bizcal NOUN VERB``; a bare noun lists; ``--json`` on every command
prints one JSON object (or an array for listings) and nothing else on stdout; failures exit 1 (2 for
usage errors) with one human line on stderr and no traceback unless ``--debug``.

Why a package: one module per noun (``staff``, ``booking``, ``connect`` …), each holding its own
sub-parser next to the handler that reads it, so a flag and its use are read together and a new noun
is one new module plus one line in :mod:`.parser`. :mod:`.output` and :mod:`.command` are what every
noun shares; :mod:`.entry` owns start-up, error handling and exit codes. Only :func:`main` is public:
it is the ``bizcal`` script's entry point (``bizcal_desktop.cli:main`` in ``pyproject.toml``).
"""

from bizcal_desktop.cli.entry import main

__all__ = ["main"]
