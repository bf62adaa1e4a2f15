"""The tray app's resident memory: idle with a CalDAV connection, and after its first busy-time import.

What is measured, and why this way
----------------------------------
* The real tray (``bizcal_desktop.app.main``, offscreen Qt) runs in its own process on a data folder
  with one staff member and a CalDAV connection to a Radicale server started like the tests start
  it; ``VmRSS`` is read from ``/proc`` every half second (Linux only).
* *Idle* is the median of the samples from 15 s to 28 s after start: the app is up, the first drain
  has run, and the periodic import (30 s after start) has not. *After the first import* is the sample
  5 s after the import's sync-log row appears, *peak* the largest sample on the way. The calendar
  holds the import benchmark's 5,000 events (a quarter weekly series), placed from today on, so the
  import reads and expands them all.
* Baseline, same run: the *Qt + ORM floor*, a process that creates a ``QApplication`` and a tray icon,
  imports SQLAlchemy's ORM and the app's models and idles, sampled the same way (with the app's
  :mod:`bizcal_desktop.ui.pyside_sources`, so PySide6 keeps no module sources there either). What the tray holds
  above it is the app's own (its windows' code, the sync stack, the CalDAV and HTTP libraries).
* Offscreen Qt has no system tray, so the app opens its Bookings window at start, as it does on a
  desktop without one: the idle figure includes that window.
* The keychain: the real one when a Secret Service answers (``with-keychain``), else an in-memory
  one that ``keyring`` creates in the tray's process on first use (:mod:`.env_keyring`; the row says which).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import keyring

from benchmarks.bench_import import EVENTS, _event_text
from benchmarks.env_keyring import SECRETS_ENV, PrefilledKeyring
from tests.fixtures.request_log import LoggingRadicale
from tests.support.connections import seed_connection
from tests.support.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVERY = 0.5
IDLE_FROM, IDLE_UNTIL = 15.0, 28.0  # the periodic import starts 30 s after start
AFTER_IMPORT = 5.0
IMPORT_TIMEOUT = 180.0
MIB = 1024 * 1024

#: The floor: Qt with a tray icon, the ORM and the models, idling on Qt's loop.
FLOOR = """
import sys
import bizcal_desktop.ui.pyside_sources  # as the app does: PySide6 keeps no module sources
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
import sqlalchemy.orm
import bizcal_desktop.store.models
sqlalchemy.orm.configure_mappers()
app = QApplication(sys.argv[:1])
tray = QSystemTrayIcon(QIcon())
tray.show()
app.exec()
"""


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _idle_samples(process: subprocess.Popen[bytes], started: float) -> list[int]:
    samples = []
    while (elapsed := time.monotonic() - started) < IDLE_UNTIL:
        if process.poll() is not None:
            raise RuntimeError(f"the process ended early: {process.stderr.read().decode()[-800:]}")  # type: ignore[union-attr]
        if elapsed >= IDLE_FROM:
            samples.append(rss_bytes(process.pid))
        time.sleep(SAMPLE_EVERY)
    return samples


def _imports_logged(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        (count,) = connection.execute("SELECT count(*) FROM calendar_sync_log WHERE action = 'import'").fetchone()
    return int(count)


def _after_import(process: subprocess.Popen[bytes], database: Path) -> tuple[int, int, float]:
    """(RSS 5 s after the first import's log row, the peak until then, seconds the import took to log)."""
    started, peak = time.monotonic(), 0
    while _imports_logged(database) == 0:
        if time.monotonic() - started > IMPORT_TIMEOUT or process.poll() is not None:
            raise RuntimeError("the tray logged no import")
        peak = max(peak, rss_bytes(process.pid))
        time.sleep(SAMPLE_EVERY)
    logged = time.monotonic() - started
    until = time.monotonic() + AFTER_IMPORT
    while time.monotonic() < until:
        peak = max(peak, rss_bytes(process.pid))
        time.sleep(SAMPLE_EVERY)
    return rss_bytes(process.pid), max(peak, rss_bytes(process.pid)), logged


def _seed(data_dir: Path, server: LoggingRadicale, calendar_url: str) -> None:
    from bizcal_desktop.config import Config
    from bizcal_desktop.wiring import build_services

    services = build_services(Config.load(data_dir))
    try:
        services.directory.add_staff("Mark", "Europe/Berlin")
        seed_connection(services, staff="Mark", provider="caldav", provider_type="generic",
                        display_name="Bench Radicale", server_url=server.url, username=server.username,
                        calendar_id=calendar_url, calendar_href=calendar_url, calendar_name="Bench",
                        secret=server.password)
    finally:
        services.close()


def _fill_from_today(server: LoggingRadicale, calendar_url: str) -> None:
    folder = server.storage_dir / "collection-root" / urlsplit(calendar_url).path.strip("/")
    for index in range(EVENTS):
        text = _event_text(index, first_day=date.today())
        (folder / f"bench-{index}.ics").write_text(text, encoding="utf-8", newline="")


def _real_keychain() -> bool:
    return "SecretService" in type(keyring.get_keyring()).__module__ + type(keyring.get_keyring()).__name__


def run() -> list[tuple[str, float, str]]:
    if not Path("/proc/self/status").exists():
        raise RuntimeError("bench_tray_rss reads VmRSS from /proc: Linux only")
    real = _real_keychain()
    previous_keyring = keyring.get_keyring()
    memory = None if real else MemoryKeyring()
    if memory is not None:
        keyring.set_keyring(memory)
    with tempfile.TemporaryDirectory(prefix="bench-tray-rss-") as tmp:
        base = Path(tmp)
        server = LoggingRadicale(base / "radicale")
        server.start()
        try:
            calendar_url = server.make_calendar("bench", "Bench")
            _fill_from_today(server, calendar_url)
            _seed(base / "data", server, calendar_url)
            env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "BIZCAL_HOME": str(base / "data")}
            env.pop("BIZCAL_DATABASE_URL", None)
            if memory is not None:
                env[SECRETS_ENV] = json.dumps([[s, n, v] for (s, n), v in memory.store.items()])
                env["PYTHON_KEYRING_BACKEND"] = f"{PrefilledKeyring.__module__}.{PrefilledKeyring.__name__}"

            floor_process = _start(["-c", FLOOR], env)
            try:
                floor = statistics.median(_idle_samples(floor_process, time.monotonic()))
            finally:
                _stop(floor_process)

            tray = _start(["-m", "bizcal_desktop", "--data-dir", str(base / "data")], env)
            try:
                idle = statistics.median(_idle_samples(tray, time.monotonic()))
                after, peak, import_seconds = _after_import(tray, base / "data" / "bizcal.sqlite3")
            finally:
                _stop(tray)
        finally:
            server.stop()
            keyring.set_keyring(previous_keyring)
    label = f"tray RSS ({'real keychain' if real else 'in-memory keychain'})"
    return [
        (f"{label}: Qt + ORM floor (QApplication, tray icon, sqlalchemy.orm, models)", floor / MIB, "MiB"),
        (f"{label}: idle, one CalDAV connection (median {IDLE_FROM:g}-{IDLE_UNTIL:g} s)", idle / MIB, "MiB"),
        (f"{label}: idle / floor", idle / floor, "x"),
        (f"{label}: after the first import of {EVENTS} events (+{AFTER_IMPORT:g} s)", after / MIB, "MiB"),
        (f"{label}: peak during that import", peak / MIB, "MiB"),
        (f"{label}: after the import / floor", after / floor, "x"),
        (f"{label}: the import logged after the idle window", import_seconds, "s"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.4g} {unit}")
