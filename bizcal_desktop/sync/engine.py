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
* Two processes (the tray and a CLI) may drain one outbox: a booking's jobs are *claimed* with a
  lease before anything is planned (:mod:`bizcal_desktop.store.outbox`), so only one of them works
  on a booking at a time, and a killed process's lease simply runs out.
* A conflict (the event changed under us: 412) is answered by planning again from the booking's
  current row, never by re-sending the plan we held.
* Offline is a state, not an error (:mod:`.network`). While the network status says offline the
  engine claims nothing; a transient error met as the status turns offline gives the booking's jobs
  back untouched (pending, nothing counted). A transient failure while online that outlasts the
  quick retries *defers* the jobs — pending, with a next-attempt time that grows from minutes to
  hours (:meth:`BackoffPolicy.later`) — so "it will be tried again" is true; only permanent errors and
  connections that need the user leave a job *failed* until the user acts.
* A booking whose write would go to a connection the user paused is *held*
  (:mod:`bizcal_desktop.store.pauses`): its jobs stay pending until Resume, and it neither fails
  nor moves to another connection.
* On a team's shared database a device writes only to connections whose secret its keychain holds
  (``device``): a booking whose calendar another device holds is *handed* to that device — its jobs
  pending, nothing counted — and this device claims them no more (:mod:`bizcal_desktop.store.ownership`).
* Bookings go in groups (:data:`GROUP`): one transaction plans a group and one records its plain
  successes and finishes their jobs (:mod:`.batches`); the mapping rows are still committed before
  any write. A booking whose write does anything but succeed plainly leaves the group's path and
  is converged and finished on its own, exactly as a single booking is.
* Database work runs in worker threads (``asyncio.to_thread``) so the Qt/asyncio loop never blocks.
  Planning lives in :mod:`.planning`, the records each call leaves in :mod:`.outcomes`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bizcal_desktop.errors import (
    AuthError,
    BizCalError,
    ConflictError,
    NotFoundError,
    TransientError,
    internal_error_sentence,
)
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import outbox, ownership, pauses
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import ConnectionStatus, Outcome, SyncAction
from bizcal_desktop.store.types import utcnow
from bizcal_desktop.sync import batches, deletion_guard, outcomes
from bizcal_desktop.sync.backoff import BackoffPolicy
from bizcal_desktop.sync.batches import BookingRun
from bizcal_desktop.sync.claimants import engine_owner, is_dead_local_owner
from bizcal_desktop.sync.drain_report import DrainReport, FailureKind, SyncEvent
from bizcal_desktop.sync.listeners import Listeners
from bizcal_desktop.sync.network import NetworkState, NetworkStatus, NullNetworkStatus
from bizcal_desktop.sync.outbox_view import OutboxView
from bizcal_desktop.sync.planning import BookingPlan, SyncTarget, plan_booking
from bizcal_desktop.sync.provider_pool import ProviderPool

log = logging.getLogger(__name__)

#: How long a claim on a booking's jobs holds without being renewed (each attempt renews it).
LEASE = timedelta(minutes=5)
#: Bookings claimed per round: a second drainer finds work left, and a round ends well within its lease.
ROUND = 200
#: Bookings planned in one transaction and recorded in one (:mod:`.batches`). 50 saved 3-4 % of a
#: 500-booking push's client CPU but lengthened the Qt loop's longest stall (median 33 -> 36 ms, the
#: loop's own CPU in it 2-22 -> 30-45 ms, interleaved `bench_loop_stall` runs): the UI comes first.
GROUP = 25
#: Groups under way at once: one is planned or recorded while another's writes keep the server busy.
GROUPS_IN_FLIGHT = 2


class _WentOffline(Exception):
    """A write met a transient error and the network status now says offline: give the jobs back."""

    def __init__(self, target: SyncTarget | None, error: str) -> None:
        super().__init__(error)
        self.target = target  #: the write that met it (None: the booking's turn had not come)


class SyncEngine:
    """Turns outbox jobs into provider calls, mapping rows and sync-log rows."""

    def __init__(
        self,
        db: Database,
        factory: ProviderSource,
        backoff: BackoffPolicy,
        concurrency: int = 4,
        actor: str = "engine",
        owner: str | None = None,
        network: NetworkStatus | None = None,
        clock: Callable[[], datetime] = utcnow,
        device: str | None = None,
    ) -> None:
        self._db = db
        self._factory = factory
        self._backoff = backoff
        #: Asked before claiming and after a transient error; the app sets its monitor here.
        self.network: NetworkStatus = network or NullNetworkStatus()
        self._clock = clock
        self._concurrency = max(1, concurrency)
        self._actor = actor
        #: Who holds a claim: unique per engine, readable in the database (host and process).
        self.owner = owner or engine_owner()
        #: This installation's device id: only its own connections are written (None: every one).
        self.device = device
        #: What waits here and elsewhere, what is held; "sync now" and confirmed removals (:mod:`.outbox_view`).
        self.outbox_view = OutboxView(db, device)
        self._drain_lock = asyncio.Lock()
        self.listeners: Listeners[SyncEvent] = Listeners("sync")
        #: Set by tests and the crash-simulation tool: called after a provider write succeeded and
        #: before the mapping is committed (raising there simulates a crash at that exact point).
        self.after_write_hook: Callable[[int], None] | None = None

    # ----- public ----------------------------------------------------------------------------
    async def drain(self, booking_ids: set[int] | None = None, max_rounds: int = 50) -> DrainReport:
        """Process every pending job (or those of ``booking_ids``) this process can claim.

        A round claims up to :data:`ROUND` bookings; jobs added while a round runs (a reschedule during
        a sync) are picked up by the next round; jobs another process holds are left to it.
        """
        report = DrainReport()
        async with self._drain_lock:
            pool = ProviderPool(self._factory)
            try:
                for _ in range(max_rounds):
                    if self.network.offline:
                        report.offline = True
                        report.pending = await asyncio.to_thread(self.outbox_view.pending_count)
                        log.debug("offline: %d change(s) wait for the network", report.pending)
                        break
                    claimed = await asyncio.to_thread(self._claim, booking_ids)
                    if not claimed:
                        break
                    claimed, held = await asyncio.to_thread(self._hold_mass_deletions, claimed)
                    report.deletions_held += held
                    runs = [BookingRun(booking_id, job_ids) for booking_id, job_ids in claimed.items()]
                    semaphore, groups = asyncio.Semaphore(self._concurrency), asyncio.Semaphore(GROUPS_IN_FLIGHT)
                    rounds = await asyncio.gather(
                        *(self._run_group(runs[i:i + GROUP], pool, semaphore, groups) for i in range(0, len(runs), GROUP))
                    )
                    for part in rounds:
                        report.merge(part)
            finally:
                await pool.aclose()
            report.elsewhere = await asyncio.to_thread(self.outbox_view.waiting_elsewhere)
        return report

    # ----- a group of bookings ---------------------------------------------------------------
    async def _run_group(self, runs: list[BookingRun], pool: ProviderPool, semaphore: asyncio.Semaphore,
                         groups: asyncio.Semaphore) -> DrainReport:
        """Plan the group in one transaction, write its bookings, record the plain successes in one.

        Anything but a plain success (a conflict, a failure, a skip, a pause, a handover) takes the
        single-booking path from where it stands (:meth:`_converge`), as it did before groups existed.
        """
        report = DrainReport()
        async with groups:
            plans = await asyncio.to_thread(batches.plan_in_one, self._db, [run.booking_id for run in runs], self.device)
            succeeded: list[tuple[BookingRun, DrainReport]] = []
            parts = await asyncio.gather(
                *(self._run_booking(run, pool, semaphore, plans.get(run.booking_id), succeeded) for run in runs)
            )
            if succeeded:
                await asyncio.to_thread(batches.record_runs, self._db, self._actor, [run for run, _part in succeeded])
                for _run, part in succeeded:
                    self._tell(part)
        for part in parts:
            report.merge(part)
        return report

    # ----- one booking -----------------------------------------------------------------------
    async def _run_booking(self, run: BookingRun, pool: ProviderPool, semaphore: asyncio.Semaphore,
                           plan: BookingPlan | None = None,
                           succeeded: list[tuple[BookingRun, DrainReport]] | None = None) -> DrainReport:
        """Converge one booking (from ``plan`` if its group planned it); a plain success joins ``succeeded``,
        whose jobs the group finishes, anything else is finished here."""
        report = DrainReport(bookings=1)
        async with semaphore:
            try:
                if self.network.offline:  # it went while other bookings were being written
                    raise _WentOffline(None, "the network went away before this booking's turn")
                error = await self._converge(run, pool, report, plan)
            except _WentOffline as gone:
                report.waiting += 1
                await asyncio.to_thread(self._give_back, run, gone)
            else:
                if succeeded is not None and error is None and run.retry_at is None and run.hand_to is None:
                    succeeded.append((run, report))  # told once the group's record is committed
                    return report
                await asyncio.to_thread(self._finish_jobs, run, error)
        self._tell(report)
        return report

    def _tell(self, report: DrainReport) -> None:
        for event in report.events:
            self.listeners.notify(event)

    async def _converge(self, run: BookingRun, pool: ProviderPool, report: DrainReport,
                        planned: BookingPlan | None = None) -> str | None:
        """Plan (unless ``planned``) and execute until the booking's calendars match it; the jobs' error, if any."""
        booking_id = run.booking_id
        conflicts = 0
        while True:
            try:
                plan = planned if planned is not None else await asyncio.to_thread(self._plan, run)
            except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
                log_unexpected(log, f"planning booking {booking_id} failed", exc)
                report.failed += 1
                return f"Could not plan the sync: {exc}"
            planned = None  # after a conflict: plan again from the booking as it is now
            if plan.skip_reason is not None:
                await asyncio.to_thread(self._record, run, outcomes.record_skip, booking_id, plan.skip_reason)
                report.skipped += 1
                return None
            if plan.wait_reason is not None:  # a paused connection: the jobs wait for Resume
                await asyncio.to_thread(self._record, run, pauses.record_held, booking_id, plan.wait_reason)
                run.retry_at, run.deferrals = pauses.HELD_UNTIL, 0
                report.held += 1
                return plan.wait_reason
            if plan.hand_to is not None and not plan.targets:  # another device holds the calendar
                hand_to = plan.hand_to
                await asyncio.to_thread(self._record, run, ownership.record_handed, booking_id, hand_to.holder,
                                        hand_to.connection_name)
                run.hand_to = hand_to
                report.handed += 1
                return None
            errors: list[str] = []
            for target in plan.targets:
                event = await self._execute(target, pool, run, conflicts)
                if event is None:  # the event changed under us: plan again from the booking as it is now
                    conflicts += 1
                    break
                report.events.append(event)
                if event.outcome == Outcome.SUCCESS:
                    report.synced += 1
                else:
                    report.failed += 1
                    errors.append(event.message)
            else:
                run.hand_to = None if errors else plan.hand_to  # the rest is another device's
                return "; ".join(errors) or None

    async def _execute(
        self, target: SyncTarget, pool: ProviderPool, run: BookingRun, conflicts: int
    ) -> SyncEvent | None:
        """One provider call with its retries; ``None`` asks for a new plan after a conflict.

        Raises :class:`_WentOffline` when a transient error meets a network status of *offline*.
        """
        attempt = 0
        last_error = ""
        while True:
            attempt += 1
            if attempt > 1 and self.network.offline:
                raise _WentOffline(target, last_error)
            try:
                provider = await pool.get(target.connection)
                if target.action == SyncAction.DELETE:
                    await provider.delete_event(target.spec.booking_public_id, target.known)
                    ref = target.known
                else:
                    ref = await provider.upsert_event(target.spec, target.known)
                if self.after_write_hook is not None:
                    self.after_write_hook(target.mapping_id)
                run.written.append((target, ref, attempt))  # recorded with the booking's next transaction
                return self._event(target, Outcome.SUCCESS, outcomes.describe(target))
            except (TransientError, ConflictError) as exc:
                if isinstance(exc, TransientError) and await self._went_offline():
                    raise _WentOffline(target, str(exc)) from exc
                tries = attempt + conflicts
                retry_after = exc.retry_after if isinstance(exc, TransientError) else None
                if self._backoff.gives_up(tries, retry_after):
                    retry_at = await asyncio.to_thread(self._defer, run, retry_after)
                    error = f"{exc} {outcomes.retry_phrase(tries, retry_at, self._clock())}"
                    message = await asyncio.to_thread(self._record, run, outcomes.record_failure, target, attempt, error)
                    return self._event(target, Outcome.FAILURE, message, FailureKind.TRANSIENT)
                delay = self._backoff.delay(tries, retry_after)
                # A server's answer may quote the event's title: the text only at DEBUG (issue 18 item 5).
                log.info("booking %s: %s; retrying in %.1fs", target.spec.booking_public_id, type(exc).__name__, delay)
                log.debug("booking %s: %s", target.spec.booking_public_id, exc)
                last_error = str(exc)
                await asyncio.to_thread(self._note_attempt, target, attempt, str(exc), run.job_ids, delay)
                await asyncio.sleep(delay)
                if isinstance(exc, ConflictError):
                    return None
            except (AuthError, NotFoundError) as exc:
                # The user must reconnect, or choose another calendar (this one is gone); until then
                # bookings go to the next usable connection.
                attention = (ConnectionStatus.NEEDS_RECONNECT if isinstance(exc, AuthError)
                             else ConnectionStatus.CALENDAR_MISSING)
                message = await asyncio.to_thread(
                    self._record, run, outcomes.record_failure, target, attempt, str(exc), attention
                )
                return self._event(target, Outcome.FAILURE, message, FailureKind.NEEDS_USER)
            except BizCalError as exc:
                message = await asyncio.to_thread(self._record, run, outcomes.record_failure, target, attempt, str(exc))
                return self._event(target, Outcome.FAILURE, message, FailureKind.PERMANENT)
            except Exception as exc:  # noqa: BLE001 - logged (log_unexpected)
                log_unexpected(log, f"unexpected error syncing booking {target.spec.booking_public_id}", exc)
                error = internal_error_sentence(exc, "writing this booking's event")
                message = await asyncio.to_thread(self._record, run, outcomes.record_failure, target, attempt, error)
                return self._event(target, Outcome.FAILURE, message, FailureKind.PERMANENT)

    async def _went_offline(self) -> bool:
        """A request just failed in a way the network's absence would explain: is the network gone?"""
        return await self.network.recheck() is NetworkState.OFFLINE

    @staticmethod
    def _event(target: SyncTarget, outcome: str, message: str, failure: FailureKind | None = None) -> SyncEvent:
        return SyncEvent(
            target.booking_id, target.mapping_id, target.connection.id, target.action, outcome, message,
            failure, target.connection_name,
        )

    # ----- database steps (run in worker threads) ---------------------------------------------
    def _claim(self, booking_ids: set[int] | None) -> dict[int, list[int]]:
        with self._db.session() as s:
            for holder in outbox.claim_holders(s):
                if holder != self.owner and is_dead_local_owner(holder):
                    log.info("taking over the outbox jobs of %s, which is no longer running", holder)
                    outbox.release_claims_of(s, holder)
            return outbox.claim_bookings(s, self.owner, LEASE, booking_ids, now=self._clock(), device=self.device,
                                         most=ROUND)

    def _hold_mass_deletions(self, claimed: dict[int, list[int]]) -> tuple[dict[int, list[int]], int]:
        with self._db.session() as s:
            return deletion_guard.hold_mass_deletions(s, claimed, self._actor)

    def _plan(self, run: BookingRun) -> BookingPlan:
        with self._db.session() as s:
            self._record_written(s, run)  # planning again must see what was already written
            return plan_booking(s, run.booking_id, self.device)

    def _record_written(self, s: Session, run: BookingRun) -> None:
        """Record the booking's successful writes not recorded yet, in ``s`` (in the order they were made)."""
        written, run.written = run.written, []
        for target, ref, attempts in written:
            outcomes.record_success(s, self._actor, target, ref, attempts)

    def _record(self, run: BookingRun, step: Callable[..., str | None], *args: object) -> str:
        """Run one of :mod:`.outcomes`' record steps in one transaction with the writes not recorded yet."""
        with self._db.session() as s:
            self._record_written(s, run)
            return step(s, self._actor, *args) or ""

    def _note_attempt(
        self, target: SyncTarget, attempt: int, error: str, job_ids: list[int], delay: float
    ) -> None:
        with self._db.session() as s:
            outcomes.record_attempt(s, target, attempt, error)
            outbox.renew_lease(s, self.owner, job_ids, LEASE + timedelta(seconds=delay), now=self._clock())

    def _defer(self, run: BookingRun, retry_after: float | None) -> datetime:
        """When the booking's jobs are tried again (the later of its targets' times); kept on ``run``."""
        with self._db.session() as s:
            deferrals = outbox.next_deferral(s, run.job_ids)
        when = self._clock() + timedelta(seconds=self._backoff.later(deferrals, retry_after))
        run.retry_at = max(when, run.retry_at) if run.retry_at is not None else when
        run.deferrals = deferrals
        return run.retry_at

    def _finish_jobs(self, run: BookingRun, error: str | None) -> None:
        with self._db.session() as s:
            self._record_written(s, run)
            if run.hand_to is not None and run.retry_at is None:
                holder = run.hand_to.holder
                ownership.hand_over(s, run.job_ids, holder, f"waits for {holder.name}, which holds the "
                                    f"secret of {run.hand_to.connection_name}")
            elif run.retry_at is not None:
                outbox.defer_jobs(s, run.job_ids, error or "", run.retry_at, run.deferrals)
            else:
                outbox.finish_jobs(s, run.job_ids, error)

    def _give_back(self, run: BookingRun, gone: _WentOffline) -> None:
        with self._db.session() as s:
            self._record_written(s, run)
            note = outcomes.record_waiting(s, self._actor, run.booking_id, gone.target, str(gone))
            outbox.release_jobs(s, run.job_ids, note)
