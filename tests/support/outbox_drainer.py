"""One sync engine draining a team's outbox in a process of its own, until no job is pending.

Why a process: the kill test of issue 19 ends one drainer with SIGKILL in the middle of its work, as a
laptop's battery or a crash would, and only a process can be killed like that. It is the app's own
code — ``build_services`` on the data folder of the device that holds the calendar, the real provider
factory, the real engine — with three things a test sets: the keychain is an in-memory one holding
the CalDAV password it is given (``BIZCAL_DRAINER_SECRET``), the claim holder is named as if it ran on
another machine (so a survivor must wait for the lease, not see a dead local process), and the lease
is seconds instead of minutes (the engine's ``LEASE``), so the test need not wait five minutes.

Usage: ``python -m tests.support.outbox_drainer DATA_DIR NAME LEASE_SECONDS`` with
``BIZCAL_DATABASE_URL`` and ``BIZCAL_KEYRING_SERVICE`` set. Exit status 0 once the outbox holds no
pending job, 3 if that did not happen within ``BIZCAL_DRAINER_DEADLINE`` seconds (default 300).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from datetime import timedelta

import keyring
from sqlalchemy import func, select

from bizcal_desktop.config import Config
from bizcal_desktop.store.models import CalendarConnection, JobStatus, OutboxJob
from bizcal_desktop.sync import engine as sync_engine
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.engine import SyncEngine
from bizcal_desktop.wiring import build_services
from tests.support.memory_keyring import MemoryKeyring


def pending_jobs(services) -> int:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return int(s.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.status == JobStatus.PENDING)) or 0)


async def drain_until_empty(engine: SyncEngine, services, deadline: float) -> int:  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        await engine.drain()
        if await asyncio.to_thread(pending_jobs, services) == 0:
            return 0
        await asyncio.sleep(0.2)  # jobs another drainer holds: wait for them, or for its lease to end
    return 3


def main(argv: list[str]) -> int:
    data_dir, name, lease_seconds = argv[0], argv[1], float(argv[2])
    keyring.set_keyring(MemoryKeyring())
    if not isinstance(getattr(sync_engine, "LEASE", None), timedelta):  # loud, not a silent 5-minute wait
        raise SystemExit("sync/engine.py has no LEASE any more: give the drainer its short lease another way")
    sync_engine.LEASE = timedelta(seconds=lease_seconds)
    services = build_services(Config.load(data_dir))
    with services.db.session() as s:
        for secret_key in s.scalars(select(CalendarConnection.secret_key)):
            services.secrets.set(secret_key, "password", os.environ["BIZCAL_DRAINER_SECRET"])
    engine = SyncEngine(
        services.db, services.providers, BackoffPolicy(base=0.05, cap=0.5, max_attempts=5), concurrency=4,
        owner=f"{name}.drainer.example:{os.getpid()}:{uuid.uuid4().hex[:8]}", device=services.config.device.id,
    )
    deadline = time.monotonic() + float(os.environ.get("BIZCAL_DRAINER_DEADLINE", "300"))
    try:
        return asyncio.run(drain_until_empty(engine, services, deadline))
    finally:
        services.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
