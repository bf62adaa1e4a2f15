"""Run every benchmark module and print one aligned table.

A benchmark is any ``benchmarks/bench_*.py`` module with a ``run() -> list[tuple[str, float, str]]``
function returning rows of (name, value, unit); new benchmarks need no registration here.

Usage: ``python -m benchmarks.run [NAME_FILTER ...]`` (or ``python benchmarks/run.py``); a filter
keeps the modules whose name contains it, e.g. ``python -m benchmarks.run slots``. Exit status is 1
if any benchmark raised, so a broken benchmark cannot go unnoticed in CI.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
Row = tuple[str, float, str]


def discover(filters: Sequence[str] = ()) -> list[str]:
    """Module names (``benchmarks.bench_x``) of the benchmarks, sorted, optionally filtered."""
    names = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    if filters:
        names = [name for name in names if any(f in name for f in filters)]
    return [f"{BENCH_DIR.name}.{name}" for name in names]


def format_value(value: float, unit: str) -> str:
    """Seconds are shown in the most readable unit; any other unit is printed as given."""
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.1f} µs"
        if value < 1:
            return f"{value * 1e3:.2f} ms"
        return f"{value:.3f} s"
    return f"{value:,.4g} {unit}".rstrip()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if str(BENCH_DIR.parent) not in sys.path:  # so `python benchmarks/run.py` imports like `-m`
        sys.path.insert(0, str(BENCH_DIR.parent))
    modules = discover(args)
    if not modules:
        print(
            f"No benchmark matches {' '.join(args)!r}; modules are named benchmarks/bench_*.py.",
            file=sys.stderr,
        )
        return 2
    failed = False
    for module_name in modules:
        started = time.perf_counter()
        try:
            bench: Callable[[], list[Row]] = importlib.import_module(module_name).run
            rows = bench()
        except Exception:  # noqa: BLE001 - report every broken benchmark and keep going
            failed = True
            print(f"{module_name}: FAILED", flush=True)
            traceback.print_exc()
            sys.stderr.flush()
            continue
        print(f"{module_name} ({time.perf_counter() - started:.1f} s)")
        width = max((len(name) for name, _, _ in rows), default=0)
        for name, value, unit in rows:
            print(f"  {name:<{width}}  {format_value(value, unit)}")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
