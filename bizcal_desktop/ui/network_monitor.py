"""The network monitor picked at start: Qt's ``QNetworkInformation``, else a probe, else the Null one.

Why Qt first: the operating system knows at once when the network goes (NetworkManager, GLib's
GNetworkMonitor or ConnMan on Linux, the system's own service on Windows and macOS) and tells Qt
with a signal; nothing is sent over the wire to find out. Where no backend loads, or the one that
does cannot tell reachability, a TCP probe of the configured servers answers instead
(:mod:`bizcal_desktop.sync.network_probe`). ``BIZCAL_NETWORK_MONITOR`` (``auto``, ``qt``, ``probe``,
``none``) chooses by hand. Every monitor is a :class:`~bizcal_desktop.sync.network.NetworkStatus`,
which is all the engine and the scheduler know of it.

Qt's *Local* and *Site* (a network without a route to the internet) are read as *unknown*: a
calendar server on the same LAN may still answer, so the engine tries, and a failure is retried
later. A captive portal (a hotel's sign-in page) is offline: nothing would get through it.
"""

from __future__ import annotations

import logging

from PySide6.QtNetwork import QNetworkInformation

from bizcal_desktop.sync.network import NetworkState, NetworkStatus, NullNetworkStatus
from bizcal_desktop.sync.network_probe import ProbeNetworkStatus, configured_servers
from bizcal_desktop.wiring import Services

log = logging.getLogger(__name__)

Reachability = QNetworkInformation.Reachability
_STATES = {
    Reachability.Online: NetworkState.ONLINE,
    Reachability.Disconnected: NetworkState.OFFLINE,
    Reachability.Local: NetworkState.UNKNOWN,
    Reachability.Site: NetworkState.UNKNOWN,
    Reachability.Unknown: NetworkState.UNKNOWN,
}


class QtNetworkStatus(NetworkStatus):
    """Follows ``QNetworkInformation``'s reachability and captive-portal signals (on the Qt thread)."""

    def __init__(self, info: QNetworkInformation) -> None:
        super().__init__()
        self._info = info
        self.name = f"qt:{info.backendName()}"
        self._watching = False

    def start(self) -> None:
        if not self._watching:
            self._watching = True
            self._info.reachabilityChanged.connect(self._changed)
            self._info.isBehindCaptivePortalChanged.connect(self._changed)
        self._changed()

    async def stop(self) -> None:
        if self._watching:
            self._watching = False
            self._info.reachabilityChanged.disconnect(self._changed)
            self._info.isBehindCaptivePortalChanged.disconnect(self._changed)

    def _changed(self, *_args: object) -> None:
        reachability = self._info.reachability()
        if self._info.isBehindCaptivePortal():
            self.report(NetworkState.OFFLINE, "behind a captive portal: sign in to the network first")
            return
        self.report(_STATES.get(reachability, NetworkState.UNKNOWN), f"reachability {reachability.name}")


def load_qt_monitor() -> QtNetworkStatus | None:
    """Qt's monitor if a backend that tells reachability loads here (a QCoreApplication must exist)."""
    feature = QNetworkInformation.Feature.Reachability
    if not QNetworkInformation.loadBackendByFeatures(feature):
        log.info("network: no QNetworkInformation backend tells reachability (available: %s)",
                 ", ".join(QNetworkInformation.availableBackends()) or "none")
        return None
    info = QNetworkInformation.instance()
    if info is None or not info.supports(feature):
        return None
    return QtNetworkStatus(info)


def pick_network_status(services: Services, choice: str | None = None) -> NetworkStatus:
    """The monitor for this platform (``choice`` overrides the configuration's)."""
    choice = (choice or services.config.network_monitor or "auto").lower()
    monitor: NetworkStatus | None = None
    if choice in ("auto", "qt"):
        monitor = load_qt_monitor()
    if monitor is None and choice in ("auto", "probe"):
        monitor = ProbeNetworkStatus(configured_servers(services.db, services.config),
                                     timeout=min(3.0, services.config.request_timeout))
    if monitor is None:
        monitor = NullNetworkStatus()
    log.info("network monitor: %s (asked for %s)", monitor.name, choice)
    return monitor
