"""Several devices claim from one outbox at the same moment: every booking goes to exactly one of them.

Run on both engines. On PostgreSQL the claim locks the booking's row (``FOR NO KEY UPDATE SKIP
LOCKED``) before it checks the lease, so two devices that both saw a booking free cannot both take it;
without that lock READ COMMITTED lets them, and this test catches it. A device killed mid-job leaves
its lease, which the others respect until it ends and then take over.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from bizcal_desktop.store import booking_changes, outbox
from bizcal_desktop.store.database import Database, open_database
from bizcal_desktop.store.models import Service, Staff
from bizcal_desktop.store.types import utcnow

LEASE = timedelta(minutes=5)


def _devices(database_url: str, tmp_path: Path, count: int) -> list[Database]:
    path = tmp_path / "bizcal.sqlite3"
    first = open_database(path, database_url)
    return [first] + [Database(path, url=database_url) for _ in range(count - 1)]


def _bookings(db: Database, count: int) -> list[int]:
    with db.session() as s:
        staff = Staff(name="Mark", timezone="Europe/Berlin")
        service = Service(name="Massage", duration_minutes=60)
        s.add_all([staff, service])
        s.flush()
        start = utcnow() + timedelta(days=1)
        return [booking_changes.create_booking(s, staff, service, f"Customer {n}", start + timedelta(hours=n)).id
                for n in range(count)]


def test_devices_claiming_at_once_never_share_a_booking(database_url: str, tmp_path: Path) -> None:
    devices = _devices(database_url, tmp_path, 4)
    try:
        booking_ids = _bookings(devices[0], 60)
        start = threading.Barrier(len(devices))
        claimed: dict[str, dict[int, list[int]]] = {}

        def claim(name: str, db: Database) -> None:
            start.wait()
            with db.session() as s:
                claimed[name] = outbox.claim_bookings(s, name, LEASE)

        threads = [threading.Thread(target=claim, args=(f"device-{n}", db)) for n, db in enumerate(devices)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        seen = [booking for mine in claimed.values() for booking in mine]
        assert len(seen) == len(set(seen)), "a booking was claimed by two devices"
        assert sorted(seen) == sorted(booking_ids)  # and none was left behind
    finally:
        for db in devices:
            db.dispose()


def test_a_killed_device_s_booking_is_taken_over_after_its_lease(database_url: str, tmp_path: Path) -> None:
    killed, survivor = _devices(database_url, tmp_path, 2)
    try:
        [booking_id] = _bookings(killed, 1)
        now = utcnow()
        with killed.session() as s:
            assert list(outbox.claim_bookings(s, "laptop-a:1:dead", LEASE, now=now)) == [booking_id]
        killed.dispose()  # the device is gone: its claim stays in the database
        with survivor.session() as s:
            assert outbox.claim_bookings(s, "laptop-b:2:live", LEASE, now=now + LEASE / 2) == {}
        with survivor.session() as s:
            taken = outbox.claim_bookings(s, "laptop-b:2:live", LEASE, now=now + LEASE + timedelta(seconds=1))
        assert list(taken) == [booking_id]
    finally:
        survivor.dispose()
