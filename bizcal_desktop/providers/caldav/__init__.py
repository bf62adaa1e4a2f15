"""CalDAV (iCloud, Fastmail, Nextcloud, any RFC 4791 server): the provider, its presets, its parts.

Why the provider is exported lazily: the connect wizard and the CLI need the presets
(:mod:`.presets`) at start-up, while :class:`CalDAVProvider` pulls in the ``caldav`` library (about
150 ms of imports) that only a connection test or a sync needs. ``from bizcal_desktop.providers.caldav
import CalDAVProvider`` works as usual; the import happens on first use.

Modules, one job each: ``session`` (HTTP, error translation), ``discovery`` (calendars, Test
Connection), ``writes`` (conditional PUT/DELETE, adoption), ``busy_import`` (full and incremental
reads), ``own_events`` (our events and their ETags, for resync), ``reports`` (the REPORT/PROPFIND XML), ``ical_event`` (the booking's VEVENT), ``ical_busy``
(one resource -> busy intervals), ``presets`` (known services), ``provider`` (the façade).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bizcal_desktop.providers.caldav.presets import PRESETS, CalDAVPreset, nextcloud_url, resolve_server_url

if TYPE_CHECKING:
    from bizcal_desktop.providers.caldav.provider import CalDAVProvider


def __getattr__(name: str) -> Any:
    if name == "CalDAVProvider":
        from bizcal_desktop.providers.caldav.provider import CalDAVProvider

        return CalDAVProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PRESETS", "CalDAVPreset", "CalDAVProvider", "nextcloud_url", "resolve_server_url"]
