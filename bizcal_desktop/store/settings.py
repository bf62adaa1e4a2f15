"""Business settings (working hours, buffer policy, slot step, notice, booking window, import interval).

Stored as JSON values in the ``setting`` table, so adding a setting needs no migration. Working hours
can be overridden per staff member; everything else is one policy for the business. The store is
where they live because the importer (sync) and the services both read them, and a setting is read and
validated the same way wherever it is used.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bizcal_desktop.domain.privacy import DEFAULT_PRIVACY, parse_level
from bizcal_desktop.domain.working_hours import WorkingHours
from bizcal_desktop.domain.zones import validate_zone
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.store import audit, privacy
from bizcal_desktop.store.audit import Door, Kind
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import AuditEvent, Setting

DEFAULT_HOURS: dict[str, list[str]] = {
    day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")
}

_KEY = "business"
_STAFF_HOURS_KEY = "working_hours:staff:{}"
#: The New booking dialog starts with the staff member and service booked last.
_LAST_CHOICE_KEY = "ui:last_booking_choice"


@dataclass(frozen=True)
class BusinessSettings:
    timezone: str = "UTC"
    working_hours: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    slot_step_minutes: int = 15
    min_notice_minutes: int = 120
    booking_window_days: int = 60
    #: Minutes between the periodic imports: an incremental read costs about one request per
    #: calendar, so it runs often; the first read of a day is a full one (the window moved).
    #: A value stored earlier is kept (settings hold every field once saved).
    import_interval_minutes: int = 15
    #: Store the titles of imported busy events (off by default: keep no more personal data than needed).
    keep_busy_titles: bool = False
    start_at_login: bool = False
    #: What calendar events show of a booking: "full", "initials", "service" or "busy"; a
    #: connection may override it. New installs: service only (``domain/privacy.py`` says why).
    event_privacy: str = DEFAULT_PRIVACY.value
    #: Days the audit trail keeps a change (``store/audit.py``); None keeps everything (the default).
    audit_retention_days: int | None = None
    #: The mass-deletion guard (``sync/deletion_guard.py``): one drain removing more than this many
    #: events from one calendar, or more than this percent of BizCal's events there (when it has at
    #: least 6), waits for the user's confirmation.
    mass_deletion_limit: int = 20
    mass_deletion_percent: int = 50

    def validate(self) -> BusinessSettings:
        validate_zone(self.timezone)
        if self.audit_retention_days is not None and not 30 <= self.audit_retention_days <= 36500:
            raise UserInputError("The audit trail is kept for at least 30 days, or for good.")
        try:
            parse_level(self.event_privacy)
        except ValueError as exc:
            raise UserInputError(f"Event privacy: {exc}") from None
        try:
            WorkingHours.from_dict(self.working_hours)
        except ValueError as exc:
            raise UserInputError(f"Working hours: {exc}") from None
        if self.mass_deletion_limit < 0 or not 1 <= self.mass_deletion_percent <= 100:
            raise UserInputError("The mass-deletion guard needs a limit of 0 or more and a percent from 1 to 100.")
        for name in ("buffer_before_minutes", "buffer_after_minutes", "min_notice_minutes"):
            if getattr(self, name) < 0:
                raise UserInputError(f"{name.replace('_', ' ')} cannot be negative.")
        if not 1 <= self.slot_step_minutes <= 24 * 60:
            raise UserInputError("The slot step is between 1 minute and 24 hours.")
        if not 1 <= self.booking_window_days <= 730:
            raise UserInputError("The booking window is between 1 and 730 days.")
        if not 5 <= self.import_interval_minutes <= 24 * 60:
            raise UserInputError("The import interval is between 5 minutes and 24 hours.")
        return self


class SettingsStore:
    """Reads and writes the business settings and per-staff working hours."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self) -> BusinessSettings:
        with self._db.session() as s:
            return business_in(s)

    def update(self, *, door: str = Door.UNKNOWN, **changes: Any) -> BusinessSettings:
        """Change some settings (validated together, audited as coming through ``door``); a new
        event privacy queues its rewrites."""
        return self._update(changes, door)[0]

    def set_event_privacy(self, level: str, door: str = Door.UNKNOWN) -> privacy.PrivacyChange:
        """The business's privacy level; says how many future events will be rewritten."""
        return self._update({"event_privacy": level}, door)[1]

    def _update(self, changes: dict[str, Any], door: str) -> tuple[BusinessSettings, privacy.PrivacyChange]:
        unknown = set(changes) - {f.name for f in dataclasses.fields(BusinessSettings)}
        if unknown:
            raise UserInputError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        if isinstance(changes.get("event_privacy"), str):
            changes["event_privacy"] = changes["event_privacy"].strip().lower()
        with self._db.session() as s:
            before = business_in(s)
            settings = dataclasses.replace(before, **changes).validate()
            if "working_hours" in changes:
                settings = dataclasses.replace(
                    settings, working_hours=WorkingHours.from_dict(settings.working_hours).to_dict()
                )
            _put_in(s, _KEY, dataclasses.asdict(settings))
            event = _audit_change(s, door, "business settings", _comparable(before), _comparable(settings))
            change = privacy.business_level_changed(s, before.event_privacy, settings.event_privacy, "user",
                                                    event.id if event is not None else None)
        return settings, change

    def staff_hours(self, staff_id: int) -> dict[str, list[str]] | None:
        with self._db.session() as s:
            row = s.get(Setting, _STAFF_HOURS_KEY.format(staff_id))
            return json.loads(row.value_json) if row else None

    def set_staff_hours(
        self, staff_id: int, hours: dict[str, list[str]] | None, door: str = Door.UNKNOWN
    ) -> None:
        """Override the business hours for one staff member (``None`` goes back to the business's)."""
        key = _STAFF_HOURS_KEY.format(staff_id)
        normalised = None
        if hours is not None:
            try:
                normalised = WorkingHours.from_dict(hours).to_dict()
            except ValueError as exc:
                raise UserInputError(f"Working hours: {exc}") from None
        with self._db.session() as s:
            row = s.get(Setting, key)
            before = json.loads(row.value_json) if row is not None else None
            if normalised is not None:
                _put_in(s, key, normalised)
            elif row is not None:
                s.delete(row)
            _audit_change(s, door, f"working hours of staff {staff_id}", {"working_hours": before},
                          {"working_hours": normalised})

    def hours_for(self, staff_id: int) -> WorkingHours:
        return WorkingHours.from_dict(self.staff_hours(staff_id) or self.get().working_hours)

    def last_booking_choice(self) -> tuple[int | None, int | None]:
        """The staff member and service of the last booking made in the app (ids; None if none yet)."""
        with self._db.session() as s:
            row = s.get(Setting, _LAST_CHOICE_KEY)
            stored: dict[str, Any] = json.loads(row.value_json) if row else {}
        return stored.get("staff_id"), stored.get("service_id")

    def remember_booking_choice(self, staff_id: int, service_id: int) -> None:
        """Kept in the database beside the settings, so the choice follows the data folder."""
        self._put(_LAST_CHOICE_KEY, {"staff_id": staff_id, "service_id": service_id})

    def _put(self, key: str, value: Any) -> None:
        with self._db.session() as s:
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value_json=json.dumps(value)))
            else:
                row.value_json = json.dumps(value)

    # ----- first-run set-up ---------------------------------------------------------------------
    #: Present once the set-up wizard reached its last page (the tray stops offering it).
    SETUP_KEY = "setup"

    def put_hours_in(
        self, session: Session, hours: dict[str, list[str]], staff_id: int | None = None,
        timezone: str | None = None, door: str = Door.UNKNOWN,
    ) -> None:
        """Working hours written in the caller's transaction: a staff member's own, or the business's
        (with the business's time zone when ``timezone`` is given).

        The set-up wizard saves them in the one transaction that also creates the staff member and
        the services, so a failure leaves none of the three behind. Audited like any setting change.
        """
        try:
            normalised = WorkingHours.from_dict(hours).to_dict()
        except ValueError as exc:
            raise UserInputError(f"Working hours: {exc}") from None
        if staff_id is not None:
            key = _STAFF_HOURS_KEY.format(staff_id)
            row = session.get(Setting, key)
            _put_in(session, key, normalised)
            _audit_change(session, door, f"working hours of staff {staff_id}",
                          {"working_hours": json.loads(row.value_json) if row is not None else None},
                          {"working_hours": normalised})
            return
        changes: dict[str, Any] = {"working_hours": normalised}
        if timezone:
            changes["timezone"] = timezone
        before = business_in(session)
        business = dataclasses.replace(before, **changes).validate()
        _put_in(session, _KEY, dataclasses.asdict(business))
        _audit_change(session, door, "business settings", _comparable(before), _comparable(business))

    def setup_finished(self) -> bool:
        with self._db.session() as s:
            return s.get(Setting, self.SETUP_KEY) is not None

    def mark_setup_finished(self) -> None:
        self._put(self.SETUP_KEY, {"finished_at": datetime.now(UTC).isoformat()})


def _comparable(settings: BusinessSettings) -> dict[str, Any]:
    """The settings as a dict whose working hours are spelled one way (a Save that changed nothing
    must not look like a change to the audit trail)."""
    values = dataclasses.asdict(settings)
    try:
        values["working_hours"] = WorkingHours.from_dict(settings.working_hours).to_dict()
    except ValueError:
        pass  # stored before validation existed: compared as it is
    return values


def _audit_change(
    session: Session, door: str, subject: str, before: dict[str, Any], after: dict[str, Any]
) -> AuditEvent | None:
    """An audit event of the fields that changed; None when nothing did (a Save without edits)."""
    old, new = audit.changed_fields(before, after)
    if not new:
        return None
    return audit.record(session, door=door, kind=Kind.SETTING, action="update", subject=subject,
                        summary=f"Changed {', '.join(k.replace('_', ' ') for k in new)} ({subject})",
                        before=old, after=new)


def business_in(session: Session) -> BusinessSettings:
    """The business settings as stored (defaults for fields never saved), in the caller's transaction."""
    row = session.get(Setting, _KEY)
    stored: dict[str, Any] = json.loads(row.value_json) if row is not None else {}
    known = {f.name for f in dataclasses.fields(BusinessSettings)}
    return BusinessSettings(**{k: v for k, v in stored.items() if k in known})


def _put_in(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value_json=json.dumps(value)))
    else:
        row.value_json = json.dumps(value)
