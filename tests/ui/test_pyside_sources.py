"""PySide6 keeps no module's source in memory once ``ui/pyside_sources.py`` is imported (issue 20, tray RSS).

Why: PySide6's feature switch reads every module imported after it with ``inspect.getsource``, and
``linecache`` then holds every line for the life of the process (~19 MiB in the idle tray, measured by
``benchmarks/bench_tray_rss.py``). The replacement must give PySide6 the same answer - does the file
name PySide6 - without caching, and the app must import it before anything large.
"""

from __future__ import annotations

import importlib
import linecache
import sys
from pathlib import Path

import pytest

from bizcal_desktop.ui import pyside_sources


def test_pyside6_asks_the_uncached_check() -> None:
    assert pyside_sources.read_sources_uncached()
    assert sys.modules["PySide6.support.feature"]._mod_uses_pyside is pyside_sources.uses_pyside


def test_a_module_imported_after_pyside6_leaves_no_source_behind(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pyside_sources.read_sources_uncached()
    module_file = tmp_path / "bizcal_sample_imported_late.py"
    module_file.write_text("VALUE = 'a module of four lines'\n" * 4, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    module = importlib.import_module("bizcal_sample_imported_late")

    assert module.VALUE == "a module of four lines"
    assert str(module_file) not in linecache.cache
    monkeypatch.delitem(sys.modules, "bizcal_sample_imported_late")


def test_the_answer_is_pyside6s_own(tmp_path: Path) -> None:
    uses = tmp_path / "uses.py"
    uses.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    plain = tmp_path / "plain.py"
    plain.write_text("import json\n", encoding="utf-8")

    def module(path: Path | None) -> object:
        return type(sys)("sample") if path is None else type("M", (), {"__file__": str(path)})()

    assert pyside_sources.uses_pyside(module(uses))  # type: ignore[arg-type]
    assert not pyside_sources.uses_pyside(module(plain))  # type: ignore[arg-type]
    assert not pyside_sources.uses_pyside(module(None))  # type: ignore[arg-type] - a built-in: no file
    assert not pyside_sources.uses_pyside(module(tmp_path / "gone.py"))  # type: ignore[arg-type]


def test_the_app_imports_it_before_anything_large() -> None:
    app_source = (Path(pyside_sources.__file__).parent.parent / "app.py").read_text(encoding="utf-8")
    first_project_or_qt = next(line for line in app_source.splitlines() if line.startswith(("from bizcal", "from PySide")))
    assert first_project_or_qt.startswith("from bizcal_desktop.ui import pyside_sources")
