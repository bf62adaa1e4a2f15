"""The tables, named after the product's words.

No column holds a secret: credentials live in the OS keychain under ``CalendarConnection.secret_key``.
Instants are UTC (``UTCDateTime``); the IANA zone they were meant in is kept beside them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bizcal_desktop.store.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"  #: credentials refused; the user must connect again
    #: The chosen calendar is gone (deleted, or no longer shared); the user must choose another one.
    CALENDAR_MISSING = "calendar_missing"
    DEACTIVATED = "deactivated"  #: switched off (repeated refresh failures or by the user)
    DISCONNECTED = "disconnected"  #: secrets deleted; kept only for the audit trail
    #: Disconnected, its events being removed (``services/event_removal.py``): the secret is kept
    #: for that alone, and nothing else is written to or read from the calendar.
    REMOVING = "removing"


class MappingState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    #: The booking's event moved to another connection because this one stopped working.
    SUPERSEDED = "superseded"
    #: Its connection was disconnected and the event was left in that calendar; connecting the same
    #: calendar again takes the mapping over (``store/disconnects.py``), so nothing is written twice.
    LEFT = "left"
    #: Its connection is being disconnected with removal: the event is to be deleted (and then REMOVED).
    REMOVING = "removing"
    #: Its event was deleted by a disconnect's removal.
    REMOVED = "removed"


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class SyncAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"
    REFRESH = "refresh"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    RETRY = "retry"
    CONFLICT = "conflict"
    NETWORK = "network"  #: offline, back online, woke from sleep
    PRIVACY = "privacy"  #: what events show changed; their rewrite is queued


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"


def new_public_id() -> str:
    return uuid.uuid4().hex


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))  #: IANA name, e.g. "Europe/Berlin"
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the staff member was archived: their bookings and history stay, new bookings are
    #: refused and their calendars are no longer read for busy times (``services/directory.py``).
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    connections: Mapped[list[CalendarConnection]] = relationship(back_populates="staff")


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: Whether new bookings of it can be made (switched off for a while, it stays in the lists).
    offered: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Set when the service was archived: gone from the lists, its bookings kept.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (Index("ix_booking_staff_start", "staff_id", "start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random id that never changes; every provider's event id is derived from it.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    customer_name: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))  #: the staff zone the booking was made in
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.CONFIRMED)
    #: Incremented on every change; written as the event's SEQUENCE and compared by resync.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: True for a confirmed booking that already overlapped another one of its staff member when the
    #: database began refusing overlaps (migration 0012): it is kept as it was, outside that rule,
    #: until it is moved (then the rule applies to it again). See ``store/booking_slots.py``.
    overlap_grandfathered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    service: Mapped[Service] = relationship()
    staff: Mapped[Staff] = relationship()


class CalendarConnection(Base):
    __tablename__ = "calendar_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    provider: Mapped[str] = mapped_column(String(16))  #: "caldav" | "google" | "microsoft"
    provider_type: Mapped[str | None] = mapped_column(String(32), default=None)  #: icloud, fastmail...
    display_name: Mapped[str] = mapped_column(String(200))
    server_url: Mapped[str | None] = mapped_column(Text, default=None)
    username: Mapped[str | None] = mapped_column(String(320), default=None)
    calendar_id: Mapped[str | None] = mapped_column(Text, default=None)
    calendar_href: Mapped[str | None] = mapped_column(Text, default=None)
    calendar_name: Mapped[str | None] = mapped_column(String(200), default=None)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(24), default=ConnectionStatus.ACTIVE)
    #: Whether this calendar's events count as busy time (availability import).
    import_busy: Mapped[bool] = mapped_column(Boolean, default=True)
    #: JSON list of further calendar ids of the same account whose events count as busy
    #: (REST providers; the written calendar always counts). None = only the written calendar.
    busy_calendar_ids: Mapped[str | None] = mapped_column(Text, default=None)
    #: What this calendar's events show of a booking ("full", "initials", "service", "busy");
    #: None = the business's level (``BusinessSettings.event_privacy``). See ``domain/privacy.py``.
    event_privacy: Mapped[str | None] = mapped_column(String(16), default=None)
    #: Key of this connection's secrets in the OS keychain (not a secret itself).
    secret_key: Mapped[str] = mapped_column(String(64), default=new_public_id)
    sync_cursor: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    #: Paused by the user: its bookings' writes wait (they do not move to another connection) and its
    #: busy times are kept but not read again until it is resumed.
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: It was its staff member's default when it was switched off (the default went to another
    #: connection); reconnecting it makes it the default again, unless the user chose one since.
    default_when_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The device whose keychain holds this connection's secret (its ``device.json`` id), and its name
    #: for people. Only that device writes to and reads from the calendar (``store/ownership.py``);
    #: None until the device that connected it, from before devices were recorded, claims it at start.
    owner_device: Mapped[str | None] = mapped_column(String(36), default=None)
    owner_device_name: Mapped[str | None] = mapped_column(String(200), default=None)

    staff: Mapped[Staff] = relationship(back_populates="connections")

    @property
    def usable(self) -> bool:
        """Switched on and nothing known to be wrong (credential, calendar): bookings may be written here."""
        return self.active and self.status == ConnectionStatus.ACTIVE


class CalendarEventMapping(Base):
    __tablename__ = "calendar_event_mapping"
    __table_args__ = (UniqueConstraint("booking_id", "connection_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("calendar_connection.id"))
    external_id: Mapped[str | None] = mapped_column(Text, default=None)  #: UID / event id
    href: Mapped[str | None] = mapped_column(Text, default=None)
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(16), default=MappingState.PENDING)
    #: True once the event was deleted because the booking was cancelled.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    #: What the calendar holds after the last successful write, so resync can tell drift.
    synced_start_utc: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    synced_end_utc: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    synced_version: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    booking: Mapped[Booking] = relationship()
    connection: Mapped[CalendarConnection] = relationship()


class OutboxJob(Base):
    """A booking changed and its calendars must be made to match.

    Written in the same transaction as the change, so a crash can never lose a sync. A job carries
    no instructions: the engine reads the booking's current state and converges on it, which makes
    several jobs for one booking collapse into one provider call.
    """

    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_status", "status", "id"), Index("ix_outbox_booking", "booking_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"))
    reason: Mapped[str] = mapped_column(String(32))  #: created, moved, cancelled, resync, retry
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    #: The engine (process) working on this job, and until when its claim holds: the tray and a CLI
    #: share one outbox, and a claim that outlives a killed process simply expires.
    claimed_by: Mapped[str | None] = mapped_column(String(96), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: A write that failed for a reason that may pass (the network, a server's 5xx) is tried again
    #: from this time on, not before; None = due now. ``deferrals`` counts such waits, each longer.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deferrals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Handed to this device (a ``device.json`` id): the booking's calendar is one only it can write.
    #: None = whichever device plans it first (``store/ownership.py``).
    for_device: Mapped[str | None] = mapped_column(String(36), default=None)
    #: The user confirmed the deletions this job makes (the mass-deletion guard held them): they are
    #: not held again, also after a deferral, until the job is done (``store/deletion_holds.py``).
    deletion_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The person's change this job follows (``AuditEvent``); None for jobs no one asked for (a
    #: retry, a resync). The engine's log rows copy it, so each write says what caused it.
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id"), default=None)


class CalendarSyncLog(Base):
    """The audit trail: who did what, when, to which booking/connection, and how it went."""

    __tablename__ = "calendar_sync_log"
    __table_args__ = (Index("ix_sync_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))  #: "user:<login>", "engine", "importer", ...
    action: Mapped[str] = mapped_column(String(16))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), default=None)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_connection.id"), default=None)
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_event_mapping.id"), default=None)
    outcome: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    #: The person's change this row follows from (``AuditEvent``), when there is one.
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id"), default=None)


class AuditEvent(Base):
    """Who changed a booking, a connection or a setting, what, when and through which door.

    Append-only (``store/audit.py``): the database refuses an UPDATE, and a DELETE of a row younger
    than the retention setting (triggers of migration 0009). Before and after are JSON without secrets.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    os_user: Mapped[str] = mapped_column(String(128))
    device: Mapped[str] = mapped_column(String(255))
    #: The staff member this computer's user said they are ("Who uses this computer?", ``--as``): an
    #: identification, not a sign-in. None on a solo SQLite file and on a computer several people share.
    staff_member_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    #: That staff member's name as it was at the change (a later rename does not rewrite history).
    staff_member_name: Mapped[str | None] = mapped_column(String(200), default=None)
    door: Mapped[str] = mapped_column(String(16))  #: "desktop", "cli", "calendar"
    kind: Mapped[str] = mapped_column(String(16))  #: "booking", "connection", "setting"
    action: Mapped[str] = mapped_column(String(32))  #: "create", "move", "cancel", "connect", ...
    subject: Mapped[str] = mapped_column(String(64))  #: "booking 12", "connection 3", "business settings"
    summary: Mapped[str] = mapped_column(Text, default="")
    before_json: Mapped[str | None] = mapped_column(Text, default=None)
    after_json: Mapped[str | None] = mapped_column(Text, default=None)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), default=None)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("calendar_connection.id"), default=None)


class BusyBlock(Base):
    """A time the staff member is busy elsewhere, imported from one connection's calendar."""

    __tablename__ = "busy_block"
    __table_args__ = (
        Index("ix_busy_connection_source", "connection_id", "source_key"),
        Index("ix_busy_start", "start_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("calendar_connection.id"))
    source_key: Mapped[str] = mapped_column(Text)  #: CalDAV href / provider event id
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(Text, default=None)  #: only if the user opted in
    #: The booking this block was reported to collide with (so a conflict is announced once).
    conflict_booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), default=None)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Setting(Base):
    """Business settings as JSON values (working hours, buffer policy, booking window, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
