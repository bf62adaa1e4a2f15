"""The guard against mass deletion: one drain never empties a calendar without the user's word.

Why at claim time, per connection: a restore of an old database, a wrong "cancel all" or a bug
shows as many bookings claimed at once whose plans delete events. Before any of them is planned, the
guard counts, per calendar, every deletion those plans would make — a cancelled booking's events,
and events left behind by failover in a calendar that works again — with the planner's own rules
(``store/event_deletions.py``). When that is more than the limit (20) or more than half of what
BizCal has in that calendar (when it has at least 6 there), the jobs of those bookings are *held*
(``store/deletion_holds.py``: pending, not failed, not claimed again) and one sync-log row says what
waits. The calm alerts then ask the user; confirming (the Sync Log, ``bizcal sync
--confirm-deletions``, ``bizcal connections confirm-deletions ID``) marks the jobs confirmed — a mark
that survives a deferral — and the next drain deletes exactly them. Everything else the drain
claimed runs as before.

A disconnect's removal is not held: the user confirmed it with its count in the disconnect itself,
and it does not go through the drain (``services/event_removal.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bizcal_desktop.store import deletion_holds, sync_log
from bizcal_desktop.store.event_deletions import planned_deletions
from bizcal_desktop.store.models import Outcome, SyncAction
from bizcal_desktop.store.settings import business_in

#: Below this many events in a calendar, the share does not apply (removing 3 of 4 is ordinary).
SHARE_FROM = 6


@dataclass(frozen=True)
class DeletionLimit:
    """When deletions in one calendar wait for the user."""

    most: int = 20
    percent: int = 50

    def trips(self, deletions: int, events: int) -> bool:
        return deletions > self.most or (events >= SHARE_FROM and deletions * 100 > events * self.percent)


def hold_mass_deletions(s: Session, claimed: dict[int, list[int]], actor: str) -> tuple[dict[int, list[int]], int]:
    """The claimed bookings left to run, and how many were held for the user's confirmation."""
    settings = business_in(s)
    limit = DeletionLimit(settings.mass_deletion_limit, settings.mass_deletion_percent)
    confirmed = deletion_holds.confirmed_among(s, [job for jobs in claimed.values() for job in jobs])
    per_calendar = planned_deletions(s, [b for b in claimed if b not in confirmed])
    held: set[int] = set()
    for connection_id, booking_ids in sorted(per_calendar.items()):
        events = deletion_holds.events_in(s, connection_id)
        if limit.trips(len(booking_ids), events):
            held |= booking_ids
            sync_log.record(
                s, actor=actor, action=SyncAction.DELETE, outcome=Outcome.SKIPPED, connection_id=connection_id,
                message=(f"Held: this sync would remove {len(booking_ids)} of BizCal's {events} event(s) from "
                         f"{deletion_holds.connection_label(s, connection_id)}; confirm in the Sync Log "
                         "(bizcal sync --confirm-deletions)"),
            )
    if not held:
        return claimed, 0
    deletion_holds.hold(s, [job for booking_id in held for job in claimed[booking_id]])
    return {b: jobs for b, jobs in claimed.items() if b not in held}, len(held)
