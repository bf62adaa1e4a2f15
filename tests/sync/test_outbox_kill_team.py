"""Two engines drain one team outbox into Radicale; one is killed mid-run: every event exactly once.

Issue 19: "Two engines draining one outbox against Radicale, with 500 queued bookings and one of them
killed mid-run: every event exactly once." Both drainers are processes of their own
(``tests/support/outbox_drainer.py``) on the real PostgreSQL; their claim holders are named as if
they ran on two machines, so the survivor cannot see that the other died and must wait for its lease
to end (shortened to seconds there). Drainer A is SIGKILLed while it holds claims, after the first
jobs are done; B must take A's bookings over and finish. The calendar is then read back with a plain
WebDAV reader: 500 events, one per booking, no UID twice, and every booking's mapping synced.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bizcal_desktop.config import Config
from bizcal_desktop.store import booking_changes
from bizcal_desktop.store.models import Booking, CalendarEventMapping, JobStatus, OutboxJob, Service, Staff
from bizcal_desktop.wiring import Services, build_services
from tests.support.connections import seed_connection

BOOKINGS = 500
#: Longer than the first jobs take, shorter than either drainer's share (the survivor waits it out).
LEASE_SECONDS = 30
REPO = Path(__file__).resolve().parents[2]


def queue_bookings(services: Services, count: int) -> None:
    """``count`` confirmed bookings, one transaction; each its own hour (ten a day), none overlapping."""
    first = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    with services.db.session() as s:
        staff = s.scalars(select(Staff)).one()
        service = s.scalars(select(Service)).one()
        for n in range(count):
            start = first + timedelta(days=n // 10, hours=n % 10)
            booking_changes.create_booking(s, staff, service, f"Customer {n}", start)


def start_drainer(data_dir: Path, name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.outbox_drainer", str(data_dir), name, str(LEASE_SECONDS)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def counts(services: Services) -> tuple[int, int]:
    """(jobs done, pending jobs drainer A holds a live claim on)."""
    now = datetime.now(UTC)
    with services.db.session() as s:
        done = s.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.status == JobStatus.DONE))
        held_by_a = s.scalar(select(func.count(OutboxJob.id)).where(
            OutboxJob.status == JobStatus.PENDING, OutboxJob.claimed_by.like("a.drainer.example:%"),
            OutboxJob.lease_until >= now))
    return int(done or 0), int(held_by_a or 0)


@pytest.fixture
def device(postgres_url: str, tmp_path: Path, caldav_calendar) -> Services:  # type: ignore[no-untyped-def]
    services = build_services(Config(data_dir=tmp_path / "desk", keyring_service="bizcal-test-kill",
                                     database_url=postgres_url))
    services.directory.add_staff("Sarah", "Europe/Berlin")
    services.directory.add_service("Cut", 30)
    calendar = caldav_calendar
    seed_connection(services, staff="Sarah", provider="caldav", provider_type="generic",
                    display_name="Sarah's calendar", server_url=calendar.server.url, username=calendar.username,
                    calendar_id=calendar.url, calendar_href=calendar.url, calendar_name=calendar.display_name,
                    secret=calendar.password)
    yield services
    services.close()


def test_two_drainers_one_killed_mid_run_every_event_exactly_once(device: Services, postgres_url: str,
                                                                  caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    queue_bookings(device, BOOKINGS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIZCAL_")}
    env.update(BIZCAL_DATABASE_URL=postgres_url, BIZCAL_KEYRING_SERVICE="bizcal-test-kill",
               BIZCAL_DRAINER_SECRET=caldav_calendar.password, BIZCAL_REQUEST_TIMEOUT="10",
               PYTHONPATH=str(REPO))
    a = start_drainer(device.config.data_dir, "a", env)
    b = start_drainer(device.config.data_dir, "b", env)
    try:
        deadline = time.monotonic() + 240
        while True:
            done, held_by_a = counts(device)
            if done >= 20 and held_by_a >= 20:
                break
            assert a.poll() is None, f"drainer A ended before it could be killed: {a.stdout.read()!r}"  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the drainers did not get under way"
            time.sleep(0.05)
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
        with device.db.session() as s:
            left_by_a = set(s.scalars(select(OutboxJob.booking_id).where(
                OutboxJob.status == JobStatus.PENDING, OutboxJob.claimed_by.like("a.drainer.example:%"))))
        assert left_by_a, "A was killed holding no claim"
        out, _ = b.communicate(timeout=300)
        assert b.returncode == 0, f"drainer B did not finish the outbox: {out.decode(errors='replace')[-2000:]}"
    finally:
        for process in (a, b):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    events = caldav_calendar.reader().events()
    uids = [str(event.get("UID")).split("@")[0] for event in events]
    with device.db.session() as s:
        public_ids = set(s.scalars(select(Booking.public_id)))
        synced = s.scalar(select(func.count(func.distinct(CalendarEventMapping.booking_id))).where(
            CalendarEventMapping.state == "synced", CalendarEventMapping.deleted.is_(False)))
        pending = s.scalar(select(func.count(OutboxJob.id)).where(OutboxJob.status != JobStatus.DONE))
        taken_over = s.scalars(select(OutboxJob.status).where(OutboxJob.booking_id.in_(left_by_a))).all()
    assert len(events) == BOOKINGS
    assert len(set(uids)) == BOOKINGS, "an event was written twice"
    assert set(uids) == public_ids
    assert synced == BOOKINGS and pending == 0
    assert set(taken_over) == {JobStatus.DONE}  # what A held when it died, B finished after A's lease
