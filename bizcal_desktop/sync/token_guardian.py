"""The token guardian: renew OAuth access before it dies, and stop a connection whose grant is refused.

Why
---
An access token that expires in the middle of a burst of booking syncs turns into a row of failures
the user did not cause. So every few minutes the guardian renews any token expiring within
``threshold`` (10 minutes); the provider writes the renewed token to the keychain at once (the
provider factory's callback), so a rotated refresh token is saved before it is used again.

Only a definite refusal counts against a connection: an :class:`~bizcal_desktop.errors.AuthError`
(``invalid_grant``: the user revoked access, the grant expired; a secret gone from the keychain). It
marks the connection *needs reconnect* at once, and three within 24 hours deactivate it — bookings
fail over to the staff member's next active connection, the dead token stops clogging the log, and
listeners (the tray) are told, so the user is alerted once instead of discovering it a month later.
Everything else (no network, a timeout, a 5xx or 429 from the token endpoint, a keychain that would
not open) is logged as *skipped* — transient, not counted — and the next check simply tries again: a
laptop twenty minutes off the network must not lose a working connection (issue 15).

Only this device's connections are checked (``device``): another device's token is in that device's
keychain, and asking for it here would find nothing and count as a refusal.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bizcal_desktop.errors import AuthError, BizCalError, TransientError
from bizcal_desktop.logging_setup import log_unexpected
from bizcal_desktop.providers.base import ConnectionInfo
from bizcal_desktop.providers.factory_protocol import ProviderSource
from bizcal_desktop.store import sync_log
from bizcal_desktop.store.connections import connection_info, in_use, switch_off
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import (
    CalendarConnection,
    CalendarSyncLog,
    ConnectionStatus,
    Outcome,
    SyncAction,
)
from bizcal_desktop.store.ownership import owned_by
from bizcal_desktop.sync.listeners import Listeners

log = logging.getLogger(__name__)

#: Providers whose credentials expire and can be renewed.
OAUTH_PROVIDERS = ("google", "microsoft")


@dataclass(frozen=True)
class DeactivationEvent:
    """A connection was switched off after repeated refresh failures; the user must reconnect."""

    connection_id: int
    connection_name: str
    staff_name: str
    message: str


@dataclass
class GuardianReport:
    checked: int = 0
    refreshed: list[int] = field(default_factory=list)
    #: Every connection whose renewal failed, for whatever reason (``bizcal tokens`` exits 1).
    failed: list[int] = field(default_factory=list)
    #: Those of ``failed`` whose credential was definitely refused (counted towards deactivation).
    refused: list[int] = field(default_factory=list)
    deactivated: list[DeactivationEvent] = field(default_factory=list)


class TokenGuardian:
    def __init__(
        self,
        db: Database,
        factory: ProviderSource,
        threshold: timedelta = timedelta(minutes=10),
        max_failures: int = 3,
        failure_period: timedelta = timedelta(hours=24),
        actor: str = "token-guardian",
        device: str | None = None,
    ) -> None:
        self._db = db
        self._factory = factory
        self._threshold = threshold
        self._max_failures = max_failures
        self._period = failure_period
        self._actor = actor
        self._device = device  #: only this device's connections are renewed (None: every one)
        self._lock = asyncio.Lock()
        self.listeners: Listeners[DeactivationEvent] = Listeners("deactivation")

    async def check_all(self, now: datetime | None = None) -> GuardianReport:
        """Renew every expiring OAuth credential of an active connection; never raises for one.

        ``now`` (tests) dates the failure rows this check writes and the 24 hours counted back from it.
        """
        report = GuardianReport()
        now = now or datetime.now(UTC)
        async with self._lock:
            targets = await asyncio.to_thread(self._targets)
            for info, name in targets:
                report.checked += 1
                try:
                    provider = await asyncio.to_thread(self._factory.build, info)
                    async with provider:
                        outcome = await provider.refresh_credentials(self._threshold)
                except AuthError as exc:  # a definite refusal: the only failure that counts
                    report.failed.append(info.id)
                    report.refused.append(info.id)
                    event = await asyncio.to_thread(
                        self._record_refusal, info.id, name, exc, now
                    )
                    if event is not None:
                        report.deactivated.append(event)
                    continue
                except Exception as exc:  # noqa: BLE001 - one broken connection must not stop the rest
                    report.failed.append(info.id)
                    await asyncio.to_thread(self._record_not_counted, info.id, name, exc, now)
                    continue
                if outcome.refreshed:
                    report.refreshed.append(info.id)
                    await asyncio.to_thread(self._record_success, info.id, name, outcome.expires_at)
        for event in report.deactivated:
            self.listeners.notify(event)
        return report

    # ----- database steps (worker threads) --------------------------------------------------------
    def _targets(self) -> list[tuple[ConnectionInfo, str]]:
        with self._db.session() as s:
            rows = s.scalars(
                select(CalendarConnection).where(
                    in_use(),
                    CalendarConnection.provider.in_(OAUTH_PROVIDERS),
                    *owned_by(self._device),
                )
            ).all()
            return [(connection_info(c), c.display_name) for c in rows]

    def _record_success(self, connection_id: int, name: str, expires_at: datetime | None) -> None:
        until = f" (valid until {expires_at:%Y-%m-%d %H:%M} UTC)" if expires_at else ""
        with self._db.session() as s:
            connection = s.get(CalendarConnection, connection_id)
            if connection is not None:
                connection.last_success_at = datetime.now(UTC)
            sync_log.record(
                s, actor=self._actor, action=SyncAction.REFRESH, outcome=Outcome.SUCCESS,
                connection_id=connection_id, message=f"Renewed the access token of {name}{until}",
            )

    def _record_not_counted(self, connection_id: int, name: str, error: BaseException, now: datetime) -> None:
        """A renewal that failed for now: a *skipped* log row, and the connection left as it is."""
        detail = str(error)
        if isinstance(error, TransientError):
            kind = "transient"
            log.info("token renewal of connection %s failed (transient): %s; will try again at the next check",
                     connection_id, error)
        elif isinstance(error, BizCalError):
            kind = "not a refusal of the credential"
            log.warning("token renewal of connection %s failed: %s; will try again at the next check",
                        connection_id, error)
        else:
            kind, detail = "unexpected error", f"{error.__class__.__name__} (details in the log file)."
            log_unexpected(log, f"token renewal of connection {connection_id} failed unexpectedly", error)
        with self._db.session() as s:
            if s.get(CalendarConnection, connection_id) is None:
                return
            row = sync_log.record(
                s, actor=self._actor, action=SyncAction.REFRESH, outcome=Outcome.SKIPPED,
                connection_id=connection_id,
                message=(f"Could not renew the access of {name} this time ({kind}, not counted against "
                         f"the connection): {detail} Will try again at the next check."),
            )
            row.at = now

    def _record_refusal(
        self, connection_id: int, name: str, error: AuthError, now: datetime
    ) -> DeactivationEvent | None:
        """A definite refusal: a *failure* row, *needs reconnect*, and off after ``max_failures``."""
        with self._db.session() as s:
            connection = s.get(CalendarConnection, connection_id)
            if connection is None:
                return None
            row = sync_log.record(
                s, actor=self._actor, action=SyncAction.REFRESH, outcome=Outcome.FAILURE,
                connection_id=connection_id, message=f"Could not renew the access of {name}: {error}",
            )
            row.at = now  # the 24 hours below are counted back from the same clock
            connection.last_error = str(error)
            if connection.status == ConnectionStatus.ACTIVE:
                connection.status = ConnectionStatus.NEEDS_RECONNECT
            s.flush()
            failures = s.scalar(
                select(func.count())
                .select_from(CalendarSyncLog)
                .where(
                    CalendarSyncLog.connection_id == connection_id,
                    CalendarSyncLog.action == SyncAction.REFRESH,
                    CalendarSyncLog.outcome == Outcome.FAILURE,
                    CalendarSyncLog.at > now - self._period,
                )
            )
            if (failures or 0) < self._max_failures:
                return None
            switch_off(s, connection, ConnectionStatus.DEACTIVATED)
            message = (
                f"{name} was switched off after its access was refused {failures} times in 24 hours; "
                "reconnect it in Calendar Integrations"
            )
            sync_log.record(
                s, actor=self._actor, action=SyncAction.DISCONNECT, outcome=Outcome.FAILURE,
                connection_id=connection_id, message=message,
            )
            return DeactivationEvent(connection_id, name, connection.staff.name, message)
