"""The sync engine: drains the outbox and makes each booking's calendar event match the booking.

Why it is shaped like this
--------------------------
* A job only names a booking. The engine reads the booking's *current* state and converges on it
  (upsert while confirmed, delete once cancelled), so a crash at any point is healed by running the
  job again, and five quick reschedules cost one provider call.
* The mapping row is created (state ``pending``) and committed *before* the provider is called. If the
  process dies between the server write and the mapping update, the next run finds a pending mapping
  with no ETag and upserts with ``known=None``; the provider's create-if-absent (``If-None-Match: *``,
  client-supplied ids) turns that into an adoption, never a duplicate.
* One booking's failure never stops another: jobs run concurrently (bounded by a semaphore), each
  with its own retry loop; only its own mapping is marked failed.
* Database work runs in worker threads (``asyncio.to_thread``) so the Qt/asyncio loop never blocks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bizcal_desktop.errors import AuthError, BizCalError, ConflictError, TransientError
from bizcal_desktop.providers.base import CalendarProvider, ConnectionInfo, EventRef, EventSpec
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.connections import connection_info, usable_connections
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    Booking,
    BookingStatus,
    CalendarConnection,
    CalendarEventMapping,
    ConnectionStatus,
    JobStatus,
    MappingState,
    OutboxJob,
    Outcome,
    SyncAction,
)
from bizcal_desktop.store.types import utcnow
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.listeners import Listeners

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncEvent:
    """Told to listeners (the tray) after each provider write: what happened to which booking."""

    booking_id: int
    mapping_id: int | None
    connection_id: int | None
    action: str
    outcome: str
    message: str


@dataclass
class DrainReport:
    """What one drain did; the CLI prints it and the tray turns failures into one notification."""

    bookings: int = 0
    synced: int = 0
    failed: int = 0
    skipped: int = 0
    events: list[SyncEvent] = field(default_factory=list)

    def merge(self, other: DrainReport) -> None:
        self.bookings += other.bookings
        self.synced += other.synced
        self.failed += other.failed
        self.skipped += other.skipped
        self.events.extend(other.events)


@dataclass(frozen=True)
class _Target:
    """One provider call the plan asks for."""

    action: str  # SyncAction.CREATE / UPDATE / DELETE
    booking_id: int
    mapping_id: int
    connection: ConnectionInfo
    connection_name: str
    spec: EventSpec
    known: EventRef | None


@dataclass(frozen=True)
class _Plan:
    booking_id: int
    targets: list[_Target]
    skip_reason: str | None = None


def build_event_spec(booking: Booking) -> EventSpec:
    """The event a booking becomes: "Service – Customer", in the staff member's zone."""
    zone = ZoneInfo(booking.timezone)
    local_start = booking.start_utc.astimezone(zone)
    minutes = int((booking.end_utc - booking.start_utc).total_seconds() // 60)
    description = "\n".join(
        [
            f"Service: {booking.service.name} ({minutes} min)",
            f"Customer: {booking.customer_name}",
            f"Staff: {booking.staff.name}",
            f"When: {local_start:%A %d %B %Y, %H:%M} ({booking.timezone})",
            f"Booking #{booking.id} — managed by BizCal Desktop; change it there, not here.",
        ]
    )
    return EventSpec(
        booking_public_id=booking.public_id,
        summary=f"{booking.service.name} – {booking.customer_name}",
        description=description,
        start=booking.start_utc,
        end=booking.end_utc,
        timezone=booking.timezone,
        sequence=booking.version,
    )


class ProviderPool:
    """Providers built once per drain and shared by its jobs (one HTTP client per connection)."""

    def __init__(self, factory: ProviderSource) -> None:
        self._factory = factory
        self._providers: dict[int, CalendarProvider] = {}
        self._lock = asyncio.Lock()

    async def get(self, info: ConnectionInfo) -> CalendarProvider:
        async with self._lock:
            provider = self._providers.get(info.id)
            if provider is None:
                # Reading the secret may talk to the keychain daemon: keep it off the loop.
                provider = await asyncio.to_thread(self._factory.build, info)
                self._providers[info.id] = provider
            return provider

    async def aclose(self) -> None:
        for provider in self._providers.values():
            try:
                await provider.aclose()
            except Exception:  # noqa: BLE001 - closing must not hide the drain's result
                log.debug("closing provider failed", exc_info=True)
        self._providers.clear()


class SyncEngine:
    """Turns outbox jobs into provider calls, mapping rows and sync-log rows."""

    def __init__(
        self,
        db: Database,
        factory: ProviderSource,
        backoff: BackoffPolicy,
        concurrency: int = 4,
        actor: str = "engine",
    ) -> None:
        self._db = db
        self._factory = factory
        self._backoff = backoff
        self._concurrency = max(1, concurrency)
        self._actor = actor
        self._drain_lock = asyncio.Lock()
        self.listeners: Listeners[SyncEvent] = Listeners("sync")
        #: Set by tests and the crash-simulation tool: called after a provider write succeeded and
        #: before the mapping is committed (raising there simulates a crash at that exact point).
        self.after_write_hook: Callable[[int], None] | None = None

    # ----- public ----------------------------------------------------------------------------
    async def drain(self, booking_ids: set[int] | None = None, max_rounds: int = 20) -> DrainReport:
        """Process every pending job (or those of ``booking_ids``) until none is left.

        Jobs added while a round runs (a reschedule during a sync) are picked up by the next round.
        """
        report = DrainReport()
        async with self._drain_lock:
            pool = ProviderPool(self._factory)
            try:
                for _ in range(max_rounds):
                    pending = await asyncio.to_thread(self._pending_jobs, booking_ids)
                    if not pending:
                        break
                    semaphore = asyncio.Semaphore(self._concurrency)
                    rounds = await asyncio.gather(
                        *(
                            self._run_booking(booking_id, job_ids, pool, semaphore)
                            for booking_id, job_ids in pending.items()
                        )
                    )
                    for part in rounds:
                        report.merge(part)
            finally:
                await pool.aclose()
        return report

    def pending_count(self) -> int:
        with self._db.session() as s:
            return len(s.scalars(select(OutboxJob.id).where(OutboxJob.status == JobStatus.PENDING)).all())

    # ----- one booking -----------------------------------------------------------------------
    async def _run_booking(
        self, booking_id: int, job_ids: list[int], pool: ProviderPool, semaphore: asyncio.Semaphore
    ) -> DrainReport:
        report = DrainReport(bookings=1)
        async with semaphore:
            try:
                plan = await asyncio.to_thread(self._plan, booking_id)
            except Exception as exc:  # noqa: BLE001 - a broken row must not stop other bookings
                log.exception("planning booking %s failed", booking_id)
                await asyncio.to_thread(self._finish_jobs, job_ids, f"Could not plan the sync: {exc}")
                report.failed += 1
                return report
            if plan.skip_reason is not None:
                await asyncio.to_thread(self._record_skip, booking_id, plan.skip_reason)
                await asyncio.to_thread(self._finish_jobs, job_ids, None)
                report.skipped += 1
                return report
            errors: list[str] = []
            for target in plan.targets:
                event = await self._execute(target, pool)
                report.events.append(event)
                if event.outcome == Outcome.SUCCESS:
                    report.synced += 1
                else:
                    report.failed += 1
                    errors.append(event.message)
            await asyncio.to_thread(self._finish_jobs, job_ids, "; ".join(errors) or None)
        for event in report.events:
            self._notify(event)
        return report

    async def _execute(self, target: _Target, pool: ProviderPool) -> SyncEvent:
        attempt = 0
        while True:
            attempt += 1
            try:
                provider = await pool.get(target.connection)
                if target.action == SyncAction.DELETE:
                    await provider.delete_event(target.spec.booking_public_id, target.known)
                    ref = target.known
                else:
                    ref = await provider.upsert_event(target.spec, target.known)
                if self.after_write_hook is not None:
                    self.after_write_hook(target.mapping_id)
                message = await asyncio.to_thread(self._record_success, target, ref, attempt)
                return self._event(target, Outcome.SUCCESS, message)
            except (TransientError, ConflictError) as exc:
                retry_after = getattr(exc, "retry_after", None)
                if self._backoff.gives_up(attempt, retry_after):
                    message = await asyncio.to_thread(
                        self._record_failure, target, attempt, f"{exc} (gave up after {attempt} attempts)"
                    )
                    return self._event(target, Outcome.FAILURE, message)
                delay = self._backoff.delay(attempt, retry_after)
                log.info("booking %s: %s; retrying in %.1fs", target.spec.booking_public_id, exc, delay)
                await asyncio.to_thread(self._record_attempt, target, attempt, str(exc))
                await asyncio.sleep(delay)
            except AuthError as exc:
                # The user must reconnect; until then bookings go to the next usable connection.
                message = await asyncio.to_thread(
                    self._record_failure, target, attempt, str(exc), True
                )
                return self._event(target, Outcome.FAILURE, message)
            except BizCalError as exc:
                message = await asyncio.to_thread(self._record_failure, target, attempt, str(exc))
                return self._event(target, Outcome.FAILURE, message)
            except Exception as exc:  # noqa: BLE001 - an unexpected bug fails this job only
                log.exception("unexpected error syncing booking %s", target.spec.booking_public_id)
                message = await asyncio.to_thread(
                    self._record_failure, target, attempt, f"Unexpected error: {exc.__class__.__name__}: {exc}"
                )
                return self._event(target, Outcome.FAILURE, message)

    @staticmethod
    def _event(target: _Target, outcome: str, message: str) -> SyncEvent:
        return SyncEvent(target.booking_id, target.mapping_id, target.connection.id, target.action, outcome, message)

    def _notify(self, event: SyncEvent) -> None:
        self.listeners.notify(event)

    # ----- database steps (run in worker threads) ---------------------------------------------
    def _pending_jobs(self, booking_ids: set[int] | None) -> dict[int, list[int]]:
        with self._db.session() as s:
            query = select(OutboxJob.id, OutboxJob.booking_id).where(OutboxJob.status == JobStatus.PENDING)
            if booking_ids is not None:
                query = query.where(OutboxJob.booking_id.in_(booking_ids))
            grouped: dict[int, list[int]] = {}
            for job_id, booking_id in s.execute(query.order_by(OutboxJob.id)):
                grouped.setdefault(booking_id, []).append(job_id)
            return grouped

    def _plan(self, booking_id: int) -> _Plan:
        """Decide the provider calls for a booking and make sure their mapping rows exist."""
        with self._db.session() as s:
            booking = s.get(Booking, booking_id)
            if booking is None:
                return _Plan(booking_id, [], skip_reason="the booking no longer exists")
            spec = build_event_spec(booking)
            mappings = s.scalars(
                select(CalendarEventMapping).where(CalendarEventMapping.booking_id == booking_id)
            ).all()
            if booking.status == BookingStatus.CANCELLED:
                return self._plan_delete(s, booking, spec, mappings)
            return self._plan_upsert(s, booking, spec, mappings)

    def _plan_upsert(
        self, s: Session, booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]
    ) -> _Plan:
        # Keep the event where it already lives while that connection works; otherwise the staff
        # member's default, or the next active connection when the default is switched off.
        live = [m for m in mappings if m.connection.usable and not m.deleted]
        if live:
            mapping = live[0]
            connection = mapping.connection
        else:
            connection = self._target_connection(s, booking.staff_id)
            if connection is None:
                return _Plan(
                    booking.id, [],
                    skip_reason=f"{booking.staff.name} has no active calendar connection; "
                    "connect one, then run Resync",
                )
            for stale in mappings:
                if stale.connection_id != connection.id and not stale.connection.usable:
                    stale.state = MappingState.SUPERSEDED
            mapping = next((m for m in mappings if m.connection_id == connection.id), None)
            if mapping is None:
                mapping = CalendarEventMapping(
                    booking_id=booking.id, connection_id=connection.id, state=MappingState.PENDING
                )
                s.add(mapping)
            mapping.deleted = False
        if mapping.state != MappingState.PENDING:
            mapping.state = MappingState.PENDING
        s.flush()
        known = EventRef(mapping.external_id, mapping.href, mapping.etag) if mapping.external_id else None
        action = SyncAction.UPDATE if mapping.synced_version is not None else SyncAction.CREATE
        return _Plan(
            booking.id,
            [_Target(action, booking.id, mapping.id, connection_info(connection), connection.display_name, spec, known)],
        )

    def _plan_delete(
        self, s: Session, booking: Booking, spec: EventSpec, mappings: list[CalendarEventMapping]
    ) -> _Plan:
        # A mapping row is committed before any write, so no mapping means no event was ever made.
        targets = []
        for mapping in mappings:
            if mapping.deleted:
                continue
            if not mapping.connection.usable:
                continue
            mapping.state = MappingState.PENDING
            known = EventRef(mapping.external_id, mapping.href, mapping.etag) if mapping.external_id else None
            targets.append(
                _Target(
                    SyncAction.DELETE, booking.id, mapping.id, connection_info(mapping.connection),
                    mapping.connection.display_name, spec, known,
                )
            )
        if not targets:
            if any(not m.deleted for m in mappings):
                reason = "its calendar connection needs attention; reconnect it, then run Resync"
            else:
                reason = "cancelled before any calendar event was made"
            return _Plan(booking.id, [], skip_reason=reason)
        return _Plan(booking.id, targets)

    @staticmethod
    def _target_connection(s: Session, staff_id: int) -> CalendarConnection | None:
        return s.scalars(usable_connections(staff_id)).first()

    def _record_success(self, target: _Target, ref: EventRef | None, attempts: int) -> str:
        with self._db.session() as s:
            mapping = s.get(CalendarEventMapping, target.mapping_id)
            assert mapping is not None
            booking = mapping.booking
            mapping.state = MappingState.SYNCED
            mapping.attempts += attempts
            mapping.last_error = None
            if target.action == SyncAction.DELETE:
                mapping.deleted = True
            else:
                assert ref is not None
                mapping.external_id = ref.external_id
                mapping.href = ref.href
                mapping.etag = ref.etag
                # The booking may have changed while we wrote: record what we actually sent.
                mapping.synced_start_utc = target.spec.start
                mapping.synced_end_utc = target.spec.end
                mapping.synced_version = target.spec.sequence
            connection = mapping.connection
            connection.last_success_at = utcnow()
            connection.last_error = None
            message = self._describe(target)
            sync_log.record(
                s, actor=self._actor, action=target.action, outcome=Outcome.SUCCESS, message=message,
                booking_id=booking.id, connection_id=connection.id, mapping_id=mapping.id,
            )
            return message

    def _record_attempt(self, target: _Target, attempt: int, error: str) -> None:
        with self._db.session() as s:
            mapping = s.get(CalendarEventMapping, target.mapping_id)
            if mapping is not None:
                mapping.last_error = f"attempt {attempt}: {error}"

    def _record_failure(
        self, target: _Target, attempts: int, error: str, needs_reconnect: bool = False
    ) -> str:
        with self._db.session() as s:
            mapping = s.get(CalendarEventMapping, target.mapping_id)
            assert mapping is not None
            mapping.state = MappingState.FAILED
            mapping.attempts += attempts
            mapping.last_error = error
            mapping.connection.last_error = error
            if needs_reconnect and mapping.connection.status == ConnectionStatus.ACTIVE:
                mapping.connection.status = ConnectionStatus.NEEDS_RECONNECT
            message = f"Could not {target.action} the event of booking {mapping.booking_id} " \
                      f"in {target.connection_name}: {error}"
            sync_log.record(
                s, actor=self._actor, action=target.action, outcome=Outcome.FAILURE, message=message,
                booking_id=mapping.booking_id, connection_id=mapping.connection_id, mapping_id=mapping.id,
            )
            return message

    def _record_skip(self, booking_id: int, reason: str) -> None:
        with self._db.session() as s:
            exists = s.get(Booking, booking_id) is not None
            sync_log.record(
                s, actor=self._actor, action=SyncAction.CREATE, outcome=Outcome.SKIPPED,
                message=f"Booking {booking_id}: nothing to sync ({reason})",
                booking_id=booking_id if exists else None,
            )

    def _finish_jobs(self, job_ids: list[int], error: str | None) -> None:
        with self._db.session() as s:
            now = utcnow()
            for job in s.scalars(select(OutboxJob).where(OutboxJob.id.in_(job_ids))):
                job.status = JobStatus.FAILED if error else JobStatus.DONE
                job.last_error = error
                job.finished_at = now

    @staticmethod
    def _describe(target: _Target) -> str:
        zone = ZoneInfo(target.spec.timezone)
        start: datetime = target.spec.start.astimezone(zone)
        end: datetime = target.spec.end.astimezone(zone)
        verb = {"create": "Created", "update": "Updated", "delete": "Deleted"}[str(target.action)]
        return (
            f"{verb} “{target.spec.summary}” {start:%Y-%m-%d %H:%M}–{end:%H:%M} {target.spec.timezone} "
            f"in {target.connection_name}"
        )
