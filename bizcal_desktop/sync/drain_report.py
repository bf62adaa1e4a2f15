"""What a drain tells the rest of the app: one event per provider write, one report per drain.

Apart from the engine so that the tray, the calm alerts and the CLI can read a drain's outcome without
importing the machinery that produced it, and so the engine's module is its loop and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bizcal_desktop.store import ownership


class FailureKind(StrEnum):
    """Why a write failed, in the words the tray's alerts decide on (see ``services/attention``)."""

    TRANSIENT = "transient"  #: retries ran out on an error that may go away by itself
    PERMANENT = "permanent"  #: retrying cannot fix it (refused data, a gone calendar, a bug)
    NEEDS_USER = "needs_user"  #: the connection needs the user (a refused credential, a calendar gone)


@dataclass(frozen=True)
class SyncEvent:
    """Told to listeners (the tray) after each provider write: what happened to which booking."""

    booking_id: int
    mapping_id: int | None
    connection_id: int | None
    action: str
    outcome: str
    message: str
    #: Set on a failure only.
    failure: FailureKind | None = None
    connection_name: str = ""


@dataclass
class DrainReport:
    """What one drain did; the CLI prints it and the tray turns failures into one notification."""

    bookings: int = 0
    synced: int = 0
    failed: int = 0
    skipped: int = 0
    events: list[SyncEvent] = field(default_factory=list)
    #: Bookings given back to wait for the network (nothing counted against them).
    waiting: int = 0
    #: The network status said offline: nothing was claimed; ``pending`` changes wait for it.
    offline: bool = False
    pending: int = 0
    #: Bookings whose calendar connection is paused: their jobs wait for Resume (store/pauses).
    held: int = 0
    #: Bookings handed to the device that holds their calendar's secret (store/ownership).
    handed: int = 0
    #: Bookings whose deletions (cancelled, or failover's clean-up) wait for the user's confirmation
    #: (sync/deletion_guard).
    deletions_held: int = 0
    #: After the drain: the changes that wait for other devices, per device.
    elsewhere: list[ownership.Waiting] = field(default_factory=list)

    def merge(self, other: DrainReport) -> None:
        self.bookings += other.bookings
        self.synced += other.synced
        self.failed += other.failed
        self.skipped += other.skipped
        self.waiting += other.waiting
        self.held += other.held
        self.handed += other.handed
        self.deletions_held += other.deletions_held
        self.events.extend(other.events)
