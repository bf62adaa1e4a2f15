"""Keeps PySide6 from holding the source text of every module the app imports (about 19 MiB in the tray).

Why: PySide6's per-module feature switch (``from __feature__ import snake_case``) decides, for every
module imported after PySide6, whether that module uses PySide6 by reading its source with
``inspect.getsource`` and looking for the word. ``inspect`` reads through ``linecache``, which keeps
every line of every file it read for the life of the process. Measured in the idle tray
(``benchmarks/bench_tray_rss.py``): 507 files, 237,000 lines, ~19 MiB of Python strings (SQLAlchemy
about half of it), and the CalDAV stack adds its own when the first import loads it. Clearing the
cache later frees the strings but not the memory (the pools stay fragmented), so the reading itself
is replaced: the same test on the file's bytes, read and let go.

Importing this module applies it, because it must happen after PySide6 is imported and before
anything large is: :mod:`bizcal_desktop.app` imports it first. A PySide6 whose feature module looks
different is left as it is (nothing breaks; the memory is not saved).
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6  # noqa: F401 - installs the import hook this module adjusts

_FEATURE_MODULE = "PySide6.support.feature"


def uses_pyside(module: ModuleType) -> bool:
    """PySide6's own test (the word in the module's source), without keeping the source in memory.

    A module without a ``.py`` file (built in, extension, bytecode only) counts as not using PySide6,
    as in PySide6, where reading its source fails.
    """
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def read_sources_uncached() -> bool:
    """Put :func:`uses_pyside` in place of PySide6's check; False when this PySide6 has no such check."""
    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = uses_pyside
    return True


read_sources_uncached()
