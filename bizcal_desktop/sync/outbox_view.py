"""The outbox as the user sees and steers it: what waits here, what waits elsewhere, what is held.

Why apart from the engine: the engine drains the outbox; these are the few questions and commands
around a drain that the tray, the sync log and the CLI ask between drains ("how many changes are
waiting?", "sync now", "yes, remove those events"). Each is one transaction on the store, with no
provider and no plan, so it needs nothing of the engine but this device's id: on a team's shared
database a change whose calendar another device holds waits for that device, not here
(:mod:`bizcal_desktop.store.ownership`). The engine keeps one (``SyncEngine.outbox_view``) and reads
its own report's counts from it, so the tray and the engine never count differently.

Every method does blocking database work: callers on the Qt loop run them off it (``off_thread``,
``asyncio.to_thread``).
"""

from __future__ import annotations

from bizcal_desktop.store import deletion_holds, outbox, ownership
from bizcal_desktop.store.database import Database


class OutboxView:
    """This device's outbox, read and steered between drains."""

    def __init__(self, db: Database, device: str | None = None) -> None:
        self._db = db
        #: This installation's device id (None: every connection is this device's).
        self.device = device

    def pending_count(self) -> int:
        """Changes this device has to sync (not those handed to other devices)."""
        with self._db.session() as s:
            return ownership.pending_here(s, self.device)

    def waiting_elsewhere(self) -> list[ownership.Waiting]:
        """Changes handed to other devices (they hold the calendar's secret), per device."""
        with self._db.session() as s:
            return ownership.waiting_elsewhere(s, self.device)

    def held_deletions(self) -> list[deletion_holds.HeldDeletions]:
        """Removals a drain held back because they would empty much of a calendar, per calendar."""
        with self._db.session() as s:
            return deletion_holds.held(s)

    def bring_forward(self) -> int:
        """Make every deferred job due now (the user asked to sync now); how many there were."""
        with self._db.session() as s:
            return outbox.bring_forward(s)

    def confirm_deletions(self, connection_id: int | None = None) -> int:
        """The user confirmed the held deletions of one calendar (None: all); how many bookings."""
        with self._db.session() as s:
            return deletion_holds.confirm(s, connection_id, "user")
