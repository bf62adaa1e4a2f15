"""Free times for customers: the store's bookings and busy blocks fed to the pure slot rules.

All I/O is here (two indexed queries per call); the arithmetic is ``domain.scheduling``. Busy blocks
come from every active connection whose ``import_busy`` is on; cancelled bookings are left out, which
is what reopens their slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bizcal_desktop.domain.local_time import local_midnight_utc
from bizcal_desktop.domain.scheduling import (
    Blocker,
    Explanation,
    SchedulingRules,
    ServiceSpec,
    explain,
    generate_slots,
)
from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.directory import DirectoryService, ServiceView, StaffView
from bizcal_desktop.store.connections import importing_busy
from bizcal_desktop.store.database import Database
from bizcal_desktop.store.models import Booking, BookingStatus, BusyBlock, CalendarConnection
from bizcal_desktop.store.settings import SettingsStore


@dataclass(frozen=True)
class BusyBlockView:
    id: int
    connection_id: int
    connection_name: str
    start: datetime
    end: datetime
    all_day: bool
    title: str | None


class AvailabilityService:
    """Slots, explanations and the blockers behind them, for one staff member at a time."""

    def __init__(self, db: Database, directory: DirectoryService, settings: SettingsStore) -> None:
        self._db = db
        self._directory = directory
        self._settings = settings

    def rules_for(self, staff: StaffView) -> SchedulingRules:
        business = self._settings.get()
        return SchedulingRules(
            zone=staff.timezone,
            working_hours=self._settings.hours_for(staff.id),
            buffer_before=timedelta(minutes=business.buffer_before_minutes),
            buffer_after=timedelta(minutes=business.buffer_after_minutes),
            step=timedelta(minutes=business.slot_step_minutes),
            min_notice=timedelta(minutes=business.min_notice_minutes),
            window_days=business.booking_window_days,
        )

    @staticmethod
    def service_spec(service: ServiceView) -> ServiceSpec:
        return ServiceSpec(
            duration=timedelta(minutes=service.duration_minutes),
            buffer_before=timedelta(minutes=service.buffer_before_minutes),
            buffer_after=timedelta(minutes=service.buffer_after_minutes),
        )

    def busy_blocks(self, staff: str | int, start: datetime, end: datetime) -> list[BusyBlockView]:
        staff_view = self._directory.find_staff(staff)
        with self._db.session() as s:
            rows = s.execute(
                select(BusyBlock, CalendarConnection.display_name)
                .join(CalendarConnection, BusyBlock.connection_id == CalendarConnection.id)
                .where(
                    CalendarConnection.staff_id == staff_view.id,
                    *importing_busy(),
                    BusyBlock.end_utc > start,
                    BusyBlock.start_utc < end,
                )
                .order_by(BusyBlock.start_utc)
            ).all()
            return [
                BusyBlockView(b.id, b.connection_id, name, b.start_utc, b.end_utc, b.all_day, b.title)
                for b, name in rows
            ]

    def blockers(self, staff: StaffView, start: datetime, end: datetime) -> list[Blocker]:
        """Confirmed bookings and busy blocks overlapping ``[start, end)``."""
        blockers: list[Blocker] = []
        with self._db.session() as s:
            bookings = s.scalars(
                select(Booking).where(
                    Booking.staff_id == staff.id,
                    Booking.status == BookingStatus.CONFIRMED,
                    Booking.end_utc > start,
                    Booking.start_utc < end,
                )
            ).all()
            for b in bookings:
                blockers.append(
                    Blocker(TimeRange(b.start_utc, b.end_utc), "booking",
                            f"booking {b.id} ({b.service.name} – {b.customer_name})", str(b.id))
                )
        for block in self.busy_blocks(staff.id, start, end):
            label = f"a busy time in {block.connection_name}"
            if block.title:
                label += f" (“{block.title}”)"
            blockers.append(Blocker(TimeRange(block.start, block.end), "busy", label, str(block.id)))
        return blockers

    def slots(
        self,
        staff: str | int,
        service: str | int,
        start_day: date,
        days: int = 1,
        now: datetime | None = None,
    ) -> list[TimeRange]:
        if not 1 <= days <= 366:
            raise UserInputError("Ask for between 1 and 366 days of slots.")
        staff_view = self._directory.find_staff(staff)
        if staff_view.archived:
            raise UserInputError(
                f"{staff_view.name} is archived, so no times are offered; restore them in Staff & Services "
                "to book them again."
            )
        spec = self.service_spec(self._directory.find_service(service))
        rules = self.rules_for(staff_view)
        # Padding of a day on each side covers buffers and blockers that cross midnight.
        start = local_midnight_utc(start_day, staff_view.timezone) - timedelta(days=1)
        end = local_midnight_utc(start_day + timedelta(days=days), staff_view.timezone) + timedelta(days=1)
        blockers = self.blockers(staff_view, start, end)
        return generate_slots(rules, spec, blockers, now or datetime.now(UTC), start_day, days)

    def explain(
        self, staff: str | int, service: str | int, at: datetime, now: datetime | None = None
    ) -> Explanation:
        staff_view = self._directory.find_staff(staff)
        spec = self.service_spec(self._directory.find_service(service))
        rules = self.rules_for(staff_view)
        blockers = self.blockers(staff_view, at - timedelta(days=2), at + timedelta(days=2))
        return explain(rules, spec, blockers, now or datetime.now(UTC), at)
