"""A saved calendar connection as the CLI and the desktop UI see it: a frozen copy, never the ORM row.

Why its own module: both halves of the connection use cases return it — the connect flow
(``connect_flow``) when it saves a tested connection, and the management (``connections``) when it
lists, switches the default or disconnects — and neither half should import the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bizcal_desktop.store.models import CalendarConnection


@dataclass(frozen=True)
class ConnectionView:
    id: int
    staff_id: int
    staff_name: str
    provider: str
    provider_type: str | None
    display_name: str
    server_url: str | None
    username: str | None
    calendar_id: str | None
    calendar_name: str | None
    calendar_href: str | None
    is_default: bool
    active: bool
    status: str
    import_busy: bool
    created_at: datetime
    last_success_at: datetime | None
    last_import_at: datetime | None
    last_error: str | None
    #: What its events show of a booking, when it overrides the business's level; None = follows it.
    event_privacy: str | None = None
    #: Paused by the user: its bookings wait, its busy times are not read again (``store/pauses``).
    paused: bool = False
    #: The device whose keychain holds its secret (``device.json`` id) and that device's name;
    #: None: connected before devices were recorded, not claimed yet (``store/ownership``).
    owner_device: str | None = None
    owner_device_name: str | None = None

    def used_here(self, device: str) -> bool:
        """Whether ``device`` (this installation's id) writes to and reads from this calendar."""
        return self.owner_device == device

    @property
    def needs_user(self) -> bool:
        """Only the user can make it work again: Reconnect… (a new sign-in or password, or a calendar)."""
        return self.status in ("needs_reconnect", "deactivated", "calendar_missing")


def connection_view(c: CalendarConnection) -> ConnectionView:
    return ConnectionView(
        id=c.id,
        staff_id=c.staff_id,
        staff_name=c.staff.name,
        provider=c.provider,
        provider_type=c.provider_type,
        display_name=c.display_name,
        server_url=c.server_url,
        username=c.username,
        calendar_id=c.calendar_id,
        calendar_name=c.calendar_name,
        calendar_href=c.calendar_href,
        is_default=c.is_default,
        active=c.active,
        status=c.status,
        import_busy=c.import_busy,
        created_at=c.created_at,
        last_success_at=c.last_success_at,
        last_import_at=c.last_import_at,
        last_error=c.last_error,
        event_privacy=c.event_privacy,
        paused=c.paused,
        owner_device=c.owner_device,
        owner_device_name=c.owner_device_name,
    )
