"""Whether the calendars can be reached at all: online, offline, or unknown — a state, not an error.

Why a state: without one, a laptop on a train meets the network's absence as errors, spends every
job's retries in seconds and ends with a list of failed bookings. Knowing the network is gone, the
engine leaves jobs waiting (nothing counted against them), the scheduler holds its timers, the tray
says "Offline — N changes waiting", and the return of the network drains and imports at once.

The shape follows Vorta's ``network_status`` seam: one small interface (:class:`NetworkStatus`) the
engine and the scheduler ask, several monitors behind it picked at start — Qt's
``QNetworkInformation`` (``ui/network_monitor.py``), a reachability probe of the configured servers
(:mod:`.network_probe`), and :class:`NullNetworkStatus`, which always says *unknown*. Unknown is
read as "try": without a monitor the app behaves as if always online, and a failure that may pass is
retried later (:mod:`.backoff`). Qt-free, so the CLI and the tests use it as they are.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from bizcal_desktop.sync.listeners import Listeners

log = logging.getLogger(__name__)


class NetworkState(StrEnum):
    ONLINE = "online"  #: the calendars' servers can be reached (or the system says so)
    OFFLINE = "offline"  #: they cannot: jobs wait, timers hold
    UNKNOWN = "unknown"  #: no monitor can tell: behave as if online


class NetworkStatus:
    """The current network state, and who is told when it changes (on the event loop's thread).

    A monitor calls :meth:`report` with what it sees; :meth:`recheck` asks it to look again now (a
    request just failed: is the network gone?), which a monitor that can look on demand overrides.
    """

    #: Named in the log ("qt:networkmanager", "probe", "none").
    name = "manual"

    def __init__(self, state: NetworkState = NetworkState.UNKNOWN) -> None:
        self._state = state
        #: What the monitor said with its last change ("none of cal.example.com:443 answered").
        self.reason = ""
        self.listeners: Listeners[NetworkState] = Listeners("network")

    @property
    def state(self) -> NetworkState:
        return self._state

    @property
    def offline(self) -> bool:
        """True only when a monitor *knows* the network is gone (unknown is not offline)."""
        return self._state is NetworkState.OFFLINE

    def report(self, state: NetworkState, reason: str = "") -> None:
        """What the monitor sees now; listeners are told when it differs from before."""
        if state is self._state:
            return
        log.info("network: %s -> %s (%s%s)", self._state, state, self.name, f": {reason}" if reason else "")
        self._state = state
        self.reason = reason
        self.listeners.notify(state)

    def start(self) -> None:
        """Begin watching (the event loop runs); a monitor that needs no watching does nothing."""

    async def stop(self) -> None:
        """Stop watching."""

    async def recheck(self) -> NetworkState:
        """Look again now, if this monitor can; the state afterwards."""
        return self._state


class NullNetworkStatus(NetworkStatus):
    """No way to tell: always *unknown*, so everything runs as if online (the CLI, some platforms)."""

    name = "none"

    def report(self, state: NetworkState, reason: str = "") -> None:
        """Nothing to report: a Null monitor knows nothing."""
