"""How long ``bizcal staff list`` takes from the shell (no network), beside what any Python process pays.

What is measured, and why this way
----------------------------------
* A new process runs ``python -m bizcal_desktop.cli staff list`` on a data folder that already has a
  staff member and an up-to-date schema: what a user or a script pays for every command.
* Baselines run in the same loop, interleaved: ``python -c pass`` (the interpreter alone),
  ``python -c "import sqlalchemy"`` (the chosen database library's Core alone, no ORM: what even a
  command that bypassed the ORM would pay), ``python -c "import sqlalchemy.orm"`` (the one library
  every command needs) and the *ORM floor*:
  that import, the app's declarative models and SQLAlchemy's one-off mapper configuration (which the
  first query of any process pays), with nothing of the app's own. "CLI / ORM floor" is what a user
  feels against any process that uses the ORM.
* ``bizcal`` loads its modules with the garbage collector paused and freezes them, so the collector
  does not walk them while they are made nor at exit (``runtime.py``). Any process could do the same,
  so the app's own share is measured against the *command floor*: the ORM floor loaded and ended that
  way (``runtime.loading_a_command``, ``runtime.command_done``). The CLI cannot be faster than the
  command floor: "CLI - command floor" is what the app adds of its own.
* Bytecode is cached as in an installed app (pip compiles it at install): the runs write and read it
  under a temporary ``PYTHONPYCACHEPREFIX`` even when the caller's environment sets
  ``PYTHONDONTWRITEBYTECODE`` (with it, every run compiled ~60 app modules from source: +70 ms).
  One untimed run of each command warms that cache.
* Medians of the repetitions, wall time and the process's CPU time (user + system): start-up is one
  thread, so on a quiet machine the two agree, and on a loaded one the CPU time is the steadier
  figure. ``python -X importtime`` says where a regression comes from.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = int(os.environ.get("BIZCAL_BENCH_CLI_REPEATS", "7"))
ROOT = Path(__file__).resolve().parent.parent
#: What any command that reads a row pays before the app's own code: the ORM, the models, mapping them.
ORM_FLOOR = "ORM floor (import sqlalchemy.orm + the models + configure_mappers)"
ORM_FLOOR_CODE = "import sqlalchemy.orm, bizcal_desktop.store.models; sqlalchemy.orm.configure_mappers()"
#: The ORM floor, loaded and ended as ``bizcal`` loads and ends a command (the collector's part left out).
COMMAND_FLOOR = "command floor (the ORM floor, collector paused while loading, frozen at exit)"
COMMAND_FLOOR_CODE = (
    "from bizcal_desktop import runtime\n"
    "with runtime.loading_a_command():\n    import sqlalchemy.orm, bizcal_desktop.store.models\n"
    "sqlalchemy.orm.configure_mappers()\nruntime.command_done()"
)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _seconds(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``python args``."""
    cpu_before, started = _cpu_of_children(), time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, _cpu_of_children() - cpu_before
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return seconds, cpu


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="bizcal-bench-cli-") as tmp:
        env = {**os.environ, "BIZCAL_HOME": tmp, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": f"{tmp}/pycache"}
        env.pop("BIZCAL_DATABASE_URL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _seconds(["-m", "bizcal_desktop.cli", "staff", "add", "Mark", "--timezone", "Europe/Berlin"], env)
        commands = {
            "python -c pass": ["-c", "pass"],
            "python -c 'import sqlalchemy'": ["-c", "import sqlalchemy"],
            "python -c 'import sqlalchemy.orm'": ["-c", "import sqlalchemy.orm"],
            ORM_FLOOR: ["-c", ORM_FLOOR_CODE],
            COMMAND_FLOOR: ["-c", COMMAND_FLOOR_CODE],
            "bizcal staff list": ["-m", "bizcal_desktop.cli", "staff", "list"],
        }
        for args in commands.values():  # warm the bytecode cache
            _seconds(args, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu_times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(REPEATS):
            for name, args in commands.items():
                wall, cpu = _seconds(args, env)
                times[name].append(wall)
                cpu_times[name].append(cpu)
    median = {name: statistics.median(values) for name, values in times.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu_times.items()}
    cli, bare, sqla = median["bizcal staff list"], median["python -c pass"], median["python -c 'import sqlalchemy.orm'"]
    floor, core = median[ORM_FLOOR], median["python -c 'import sqlalchemy'"]
    command_floor = median[COMMAND_FLOOR]
    label = f"CLI start-up (median of {REPEATS}, interleaved)"
    return [
        (f"{label}: python -c pass", bare, "s"),
        (f"{label}: python -c 'import sqlalchemy' (Core alone, no ORM)", core, "s"),
        (f"{label}: python -c 'import sqlalchemy.orm'", sqla, "s"),
        (f"{label}: {ORM_FLOOR}", floor, "s"),
        (f"{label}: {COMMAND_FLOOR}", command_floor, "s"),
        (f"{label}: bizcal staff list", cli, "s"),
        (f"{label}: bizcal staff list / python -c pass", cli / bare, "x"),
        (f"{label}: bizcal staff list / import sqlalchemy (Core)", cli / core, "x"),
        (f"{label}: bizcal staff list / import sqlalchemy.orm", cli / sqla, "x"),
        (f"{label}: bizcal staff list / ORM floor", cli / floor, "x"),
        (f"{label}: bizcal staff list / command floor", cli / command_floor, "x"),
        (f"{label}: bizcal staff list - command floor (the app's own)", cli - command_floor, "s"),
        (f"{label}: CPU time, bizcal staff list", cpu_median["bizcal staff list"], "s"),
        (f"{label}: CPU time, ORM floor", cpu_median[ORM_FLOOR], "s"),
        (f"{label}: CPU time, bizcal staff list / ORM floor", cpu_median["bizcal staff list"] / cpu_median[ORM_FLOOR], "x"),
        (f"{label}: CPU time, bizcal staff list / command floor",
         cpu_median["bizcal staff list"] / cpu_median[COMMAND_FLOOR], "x"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
