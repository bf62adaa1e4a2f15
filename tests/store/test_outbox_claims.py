"""Two processes share one outbox: a booking's jobs are worked on by one of them at a time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, select, update

from bizcal_desktop.store import booking_changes, outbox
from bizcal_desktop.store.database import Database, open_database
from bizcal_desktop.store.models import Booking, JobStatus, OutboxJob, Service, Staff
from bizcal_desktop.store.types import utcnow

LEASE = timedelta(minutes=5)


def _booking(db: Database) -> int:
    with db.session() as s:
        staff = Staff(name="Mark", timezone="Europe/Berlin")
        service = Service(name="Massage", duration_minutes=60)
        s.add_all([staff, service])
        s.flush()
        return booking_changes.create_booking(s, staff, service, "Emma", utcnow() + timedelta(days=1)).id


def _two_processes(tmp_path: Path) -> tuple[Database, Database]:
    path = tmp_path / "bizcal.sqlite3"
    return open_database(path), Database(path)


def test_a_claimed_booking_is_not_claimed_by_another_process(tmp_path: Path) -> None:
    tray, cli = _two_processes(tmp_path)
    booking_id = _booking(tray)
    with tray.session() as s:
        assert list(outbox.claim_bookings(s, "tray", LEASE)) == [booking_id]
    with cli.session() as s:
        assert outbox.claim_bookings(s, "cli", LEASE) == {}
    # a change made while the tray holds the booking waits for the tray too
    with cli.session() as s:
        booking_changes.reschedule(s, s.get(Booking, booking_id), utcnow() + timedelta(days=2))
    with cli.session() as s:
        assert outbox.claim_bookings(s, "cli", LEASE) == {}
    with tray.session() as s:
        claimed = outbox.claim_bookings(s, "tray", LEASE)
        assert len(claimed[booking_id]) == 2


def test_an_expired_lease_is_taken_over(tmp_path: Path) -> None:
    tray, cli = _two_processes(tmp_path)
    booking_id = _booking(tray)
    with tray.session() as s:
        outbox.claim_bookings(s, "tray", LEASE)
    with tray.session() as s:  # the tray was killed; its lease ran out
        s.execute(update(OutboxJob).values(lease_until=utcnow() - timedelta(seconds=1)))
    with cli.session() as s:
        assert list(outbox.claim_bookings(s, "cli", LEASE)) == [booking_id]


def test_finishing_releases_the_claim_and_a_success_closes_earlier_failures(tmp_path: Path) -> None:
    db, _ = _two_processes(tmp_path)
    booking_id = _booking(db)
    with db.session() as s:
        first = outbox.claim_bookings(s, "tray", LEASE)[booking_id]
        outbox.finish_jobs(s, first, "the server was down")
    with db.session() as s:
        booking_changes.enqueue(s, booking_id, "retry")
    with db.session() as s:
        retry = outbox.claim_bookings(s, "cli", LEASE)[booking_id]
        outbox.finish_jobs(s, retry, None)
    with db.session() as s:
        jobs = s.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()
        assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE]
        assert "closed by a later successful sync" in (jobs[0].last_error or "")
        assert all(j.claimed_by is None and j.lease_until is None for j in jobs)


def test_two_concurrent_moves_both_count(tmp_path: Path) -> None:
    tray, cli = _two_processes(tmp_path)
    booking_id = _booking(tray)
    with tray.session() as a, cli.session() as b:
        in_tray = a.get(Booking, booking_id)
        in_cli = b.get(Booking, booking_id)
        assert in_tray.version == in_cli.version == 1  # both read version 1 before either writes
        booking_changes.reschedule(a, in_tray, utcnow() + timedelta(days=3))
        a.commit()
        booking_changes.reschedule(b, in_cli, utcnow() + timedelta(days=4))
    with tray.session() as s:
        assert s.get(Booking, booking_id).version == 3


def test_claiming_looks_a_bookings_other_jobs_up_by_index(tmp_path: Path) -> None:
    """The claim's "held elsewhere" question is asked per pending job; answered by scanning the outbox it
    made a claim quadratic in the queue (375 ms for 2,000 queued jobs). SQLite's own plan of every
    statement the claim runs must find a booking's jobs through ``ix_outbox_booking``."""
    tray = open_database(tmp_path / "bizcal.sqlite3")
    _booking(tray)
    statements: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(tray.engine, "before_cursor_execute", keep)
    with tray.session() as s:
        outbox.claim_bookings(s, "tray", LEASE)
    event.remove(tray.engine, "before_cursor_execute", keep)
    correlated = [(sql, params) for sql, params in statements if "outbox_job AS other_job" in sql]
    assert correlated, "the claim no longer asks about a booking's other jobs; update this test"
    with tray.engine.connect() as c:
        for sql, params in correlated:
            plan = " | ".join(row[-1] for row in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "USING INDEX ix_outbox_booking" in plan or "USING COVERING INDEX ix_outbox_booking" in plan, plan
