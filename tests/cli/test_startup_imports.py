"""What a plain CLI command loads, and how the composition root builds services (issue 20, CLI start-up).

Why these tests: ``bizcal staff list`` once imported the sync engine, the importer, the connect flows
and every provider stack before reading one row, because the wiring built every service and the noun
modules imported what their handlers use. The speed itself is measured by
``benchmarks/bench_cli_startup.py``; these tests keep the cause from coming back: a new process runs
the command and reports which modules it loaded (no timing), and :class:`~bizcal_desktop.wiring.Services`
is checked to build each service once, also when threads ask at the same moment. The program's own
path (``bizcal_desktop.cli.main()`` reading the command line) is checked to leave the garbage
collector running with what it loaded frozen (``runtime.py``: loading with the collector paused).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from bizcal_desktop import runtime
from bizcal_desktop.config import Config
from bizcal_desktop.wiring import build_services

ROOT = Path(__file__).resolve().parents[2]

#: Modules ``staff list`` has no use for: the sync stack, the connect flows, other nouns, providers, Qt, psycopg.
NOT_FOR_STAFF_LIST = (
    "bizcal_desktop.sync.engine",
    "bizcal_desktop.sync.importer",
    "bizcal_desktop.services.connections",
    "bizcal_desktop.services.booking_check",
    "bizcal_desktop.cli.booking",  # another noun's module (cli/parser.py builds the named noun only)
    "bizcal_desktop.cli.connect",
    "bizcal_desktop.provider_factory",
    "bizcal_desktop.providers.base",
    "bizcal_desktop.providers.caldav.provider",
    "httpx",
    "caldav",
    "keyring",
    "alembic",
    "PySide6",
    "psycopg",
)

LIST_AND_REPORT = """
import json, sys
from bizcal_desktop.cli.entry import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _run(data_dir: Path, *args: str) -> tuple[int, list[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BIZCAL_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", LIST_AND_REPORT, *args, "--data-dir", str(data_dir)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["modules"], done.stdout


def test_staff_list_loads_neither_the_sync_stack_nor_any_provider(tmp_path: Path) -> None:
    code, _, _ = _run(tmp_path / "data", "staff", "add", "Mark", "--timezone", "Europe/Berlin")
    assert code == 0

    code, modules, out = _run(tmp_path / "data", "staff", "list")

    assert code == 0
    assert "Mark" in out
    loaded = [name for name in NOT_FOR_STAFF_LIST if name in modules]
    assert loaded == []

AS_THE_PROGRAM = """
import gc, json, sys
from bizcal_desktop import cli
sys.argv = ["bizcal", *sys.argv[1:]]
code = cli.main()
print(json.dumps({"code": code, "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}), file=sys.stderr)
"""


def test_the_program_loads_with_the_collector_paused_and_leaves_it_running(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BIZCAL_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", AS_THE_PROGRAM, "staff", "list", "--data-dir", str(tmp_path)],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)

    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["collecting"] is True
    assert report["frozen"] > 0  # what the command loaded is never walked again


def test_loading_a_command_leaves_a_paused_collector_paused() -> None:
    gc.disable()
    try:
        with runtime.loading_a_command():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_each_service_is_built_once_even_when_threads_ask_together(tmp_path: Path) -> None:
    services = build_services(Config.load(tmp_path / "data"))
    try:
        seen: list[object] = []
        start = threading.Barrier(8)

        def ask() -> None:
            start.wait()
            seen.append(services.booking_check)  # builds the importer, availability, directory, settings

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len({id(service) for service in seen}) == 1
        assert services.importer is services.importer
        assert services.directory is services.booking_check._directory  # type: ignore[attr-defined]
    finally:
        services.close()
