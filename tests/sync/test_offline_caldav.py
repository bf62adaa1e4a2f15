"""Offline end to end against a real Radicale server: the probe finds it gone, the jobs wait, its return drains.

The network status is the probe monitor the tray falls back to (a TCP connect to the configured
server), the timers and the connectivity watch are the real ones. Stopping the server is the outage:
the first write that fails asks the probe, the probe gets no answer, and the bookings are given back
to wait — no retries spent, nothing *failed*. Starting it again is the network's return, which the
probe notices on its own and which drains at once. Waits are guarded, never measured.
"""

from __future__ import annotations

from sqlalchemy import select

from bizcal_desktop.store.models import CalendarSyncLog, OutboxJob
from bizcal_desktop.sync.connectivity import ConnectivityWatch, sync_log_note
from bizcal_desktop.sync.network import NetworkState
from bizcal_desktop.sync.network_probe import ProbeNetworkStatus, configured_servers
from bizcal_desktop.sync.scheduler import DRAIN, build_scheduler
from tests.fixtures.radicale import CalendarReader
from tests.sync.test_engine_caldav import connect
from tests.sync.test_retry_later import within


def job_states(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return list(s.scalars(select(OutboxJob.status).order_by(OutboxJob.id)))


def network_log(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        query = select(CalendarSyncLog.message).where(CalendarSyncLog.actor == "network")
        return list(s.scalars(query.order_by(CalendarSyncLog.id)))


async def test_a_stopped_server_leaves_jobs_waiting_and_they_sync_when_it_is_back(  # type: ignore[no-untyped-def]
    services, fresh_radicale
) -> None:
    services.directory.add_staff("Mark", "Europe/Berlin")
    services.directory.add_service("Massage", 60)
    calendar_url = fresh_radicale.make_calendar()
    await connect(services, fresh_radicale, calendar_url)
    probe = ProbeNetworkStatus(configured_servers(services.db, services.config), interval=3600,
                               offline_interval=0.05, timeout=1.0, min_gap=0)
    engine = services.engine
    engine.network = probe
    scheduler = build_scheduler(drain=engine.drain, import_all=services.importer.import_all,
                                drain_interval=3600, import_interval=3600)
    watch = ConnectivityWatch(scheduler, probe, sync_log_note(services.db), engine.outbox_view.pending_count,
                              bring_forward=engine.outbox_view.bring_forward)
    watch.start()
    scheduler.start()
    try:
        await within(lambda: probe.state is NetworkState.ONLINE)
        fresh_radicale.stop()
        bookings = [services.bookings.add("Mark", "Massage", f"Customer {i}", f"2026-12-0{i + 1}T10:00")
                    for i in range(2)]

        report = await scheduler.run_now(DRAIN)

        assert (report.synced, report.failed, report.waiting) == (0, 0, 2)
        assert probe.state is NetworkState.OFFLINE and scheduler.held
        for booking in bookings:
            [mapping] = services.bookings.get(booking.id).mappings
            assert (mapping.state, mapping.attempts) == ("pending", 0)  # waiting, no retries spent
        assert job_states(services) == ["pending", "pending"]
        assert services.sync_log.entries(failed_only=True) == []
        assert (await engine.drain()).offline  # while offline nothing is claimed at all

        fresh_radicale.start()  # the probe notices by itself, and the return drains at once
        reader = CalendarReader(calendar_url, fresh_radicale.username, fresh_radicale.password)
        await within(lambda: len(reader.events()) == 2)
        await within(lambda: job_states(services) == ["done", "done"])
    finally:
        await watch.stop()
        await scheduler.stop()
    for booking in bookings:
        assert services.bookings.get(booking.id).sync_state == "synced"
    host = f"127.0.0.1:{fresh_radicale.port}"
    assert network_log(services) == [
        f"offline: 2 changes waiting (probe: none of {host} answered within 1 s)",
        "back online: draining 2 changes",
    ]
