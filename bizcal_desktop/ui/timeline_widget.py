"""The Availability picture: one row per day, hours across; hovering says why a time is blocked.

Painting only reads a :class:`~bizcal_desktop.ui.models.timeline.Timeline`; the hover question
("why not 14:30?") is answered by the availability service's ``explain`` off the Qt thread, via
the ``explain_requested`` signal, so the widget stays free of services.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from bizcal_desktop.domain.time_range import TimeRange
from bizcal_desktop.ui.models.timeline import Timeline, TimelineDay

LABEL_WIDTH = 110
HEADER_HEIGHT = 24
ROW_HEIGHT = 58
BUSY_COLOURS = ("#d84315", "#6a1b9a", "#00838f", "#ad1457", "#4e342e")
BOOKING_COLOUR = "#1565c0"
OPEN_COLOUR = "#e8f5e9"
CLOSED_COLOUR = "#eceff1"
SLOT_COLOUR = "#2e7d32"
BUFFER_COLOUR = QColor(255, 179, 0, 90)


class TimelineWidget(QWidget):
    #: Emitted (debounced) with the UTC instant under the mouse.
    explain_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline: Timeline | None = None
        self.first_hour = 7
        self.last_hour = 20
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._hover_at: datetime | None = None
        self._hover_pos = QPoint()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._emit_explain)

    # ----- data ----------------------------------------------------------------------------------
    def set_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        tz = ZoneInfo(timeline.zone)
        hours = [r.start.astimezone(tz).hour for d in timeline.days for r in d.open]
        ends = [
            (r.end - timedelta(microseconds=1)).astimezone(tz).hour + 1 for d in timeline.days for r in d.open
        ]
        self.first_hour = max(0, min(hours, default=8) - 1)
        self.last_hour = min(24, max(ends, default=18) + 1)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        rows = len(self.timeline.days) if self.timeline else 1
        return QSize(900, HEADER_HEIGHT + rows * ROW_HEIGHT + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(500, self.sizeHint().height())

    # ----- geometry ------------------------------------------------------------------------------
    def _plot_width(self) -> float:
        return max(1.0, self.width() - LABEL_WIDTH - 10)

    def _x(self, day: TimelineDay, instant: datetime, tz: ZoneInfo) -> float:
        local = instant.astimezone(tz)
        base = datetime.combine(day.day, datetime.min.time())
        hours = (local.replace(tzinfo=None) - base).total_seconds() / 3600
        hours = min(max(hours, self.first_hour), self.last_hour)
        return (
            LABEL_WIDTH + (hours - self.first_hour) / (self.last_hour - self.first_hour) * self._plot_width()
        )

    def _rect(
        self, row: int, day: TimelineDay, span: TimeRange, tz: ZoneInfo, top: float, height: float
    ) -> QRectF:
        x1, x2 = self._x(day, span.start, tz), self._x(day, span.end, tz)
        y = HEADER_HEIGHT + row * ROW_HEIGHT
        return QRectF(x1, y + top, max(1.0, x2 - x1), height)

    def instant_at(self, pos: QPoint) -> datetime | None:
        """The UTC instant under a point of the picture (None outside the rows)."""
        if self.timeline is None or pos.x() < LABEL_WIDTH:
            return None
        row = (pos.y() - HEADER_HEIGHT) // ROW_HEIGHT
        if pos.y() < HEADER_HEIGHT or row >= len(self.timeline.days):
            return None
        day = self.timeline.days[row]
        hours = self.first_hour + (pos.x() - LABEL_WIDTH) / self._plot_width() * (
            self.last_hour - self.first_hour
        )
        if not self.first_hour <= hours < self.last_hour:
            return None
        minutes = int(hours * 60) // 5 * 5
        local = datetime.combine(day.day, datetime.min.time()) + timedelta(minutes=minutes)
        return local.replace(tzinfo=ZoneInfo(self.timeline.zone)).astimezone(ZoneInfo("UTC"))

    # ----- painting ------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        if self.timeline is None:
            return
        tz = ZoneInfo(self.timeline.zone)
        text_pen = QPen(self.palette().text().color())
        grid_pen = QPen(QColor(0, 0, 0, 40))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        self._paint_hour_labels(p, len(self.timeline.days), text_pen, grid_pen, small)
        for row, day in enumerate(self.timeline.days):
            self._paint_day(p, row, day, tz, text_pen, grid_pen, small)
        p.end()

    def _paint_hour_labels(
        self, p: QPainter, rows: int, text_pen: QPen, grid_pen: QPen, small: QFont
    ) -> None:
        """A grid line per hour down all ``rows``, and the hour above it."""
        p.setFont(small)
        span = self.last_hour - self.first_hour
        for h in range(self.first_hour, self.last_hour + 1):
            x = LABEL_WIDTH + (h - self.first_hour) / span * self._plot_width()
            p.setPen(grid_pen)
            p.drawLine(int(x), HEADER_HEIGHT - 4, int(x), HEADER_HEIGHT + rows * ROW_HEIGHT)
            if h < self.last_hour:
                p.setPen(text_pen)
                p.drawText(QRectF(x + 2, 2, 60, HEADER_HEIGHT - 6), Qt.AlignmentFlag.AlignLeft, f"{h:02d}:00")

    def _paint_day(
        self,
        p: QPainter,
        row: int,
        day: TimelineDay,
        tz: ZoneInfo,
        text_pen: QPen,
        grid_pen: QPen,
        small: QFont,
    ) -> None:
        """One row: the day's name, closed/open hours, buffers, blocks, slot ticks, and a frame."""
        y = HEADER_HEIGHT + row * ROW_HEIGHT
        p.setPen(text_pen)
        p.setFont(self.font())
        p.drawText(
            QRectF(6, y, LABEL_WIDTH - 10, ROW_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter,
            day.day.strftime("%a %d %b"),
        )
        row_rect = QRectF(LABEL_WIDTH, y + 4, self._plot_width(), ROW_HEIGHT - 8)
        p.fillRect(row_rect, QColor(CLOSED_COLOUR))
        for r in day.open:
            p.fillRect(self._rect(row, day, r, tz, 4, ROW_HEIGHT - 8), QColor(OPEN_COLOUR))
        for r in day.buffers:
            p.fillRect(self._rect(row, day, r, tz, 6, ROW_HEIGHT - 26), QBrush(BUFFER_COLOUR))
        p.setFont(small)
        self._paint_blocks(p, row, day, tz)
        self._paint_slot_ticks(p, day, tz, y)
        p.setPen(grid_pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(row_rect)

    def _paint_blocks(self, p: QPainter, row: int, day: TimelineDay, tz: ZoneInfo) -> None:
        """Bookings and busy blocks as rounded bars, each labelled (elided to fit)."""
        for b in day.blocks:
            colour = QColor(
                BOOKING_COLOUR if b.kind == "booking" else BUSY_COLOURS[b.calendar % len(BUSY_COLOURS)]
            )
            rect = self._rect(row, day, b.range, tz, 10, ROW_HEIGHT - 38)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(rect, 3, 3)
            p.setPen(QPen(QColor("white")))
            p.drawText(
                rect.adjusted(3, 0, -2, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                p.fontMetrics().elidedText(b.label, Qt.TextElideMode.ElideRight, int(rect.width()) - 5),
            )

    def _paint_slot_ticks(self, p: QPainter, day: TimelineDay, tz: ZoneInfo, y: float) -> None:
        """A small green tick at each free start."""
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(SLOT_COLOUR))
        for s in day.slots:
            x = self._x(day, s.start, tz)
            p.drawRect(QRectF(x, y + ROW_HEIGHT - 22, 3, 12))

    # ----- hover ---------------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        at = self.instant_at(event.position().toPoint())
        self._hover_pos = event.globalPosition().toPoint()
        if at != self._hover_at:
            self._hover_at = at
            if at is None:
                QToolTip.hideText()
            else:
                self._debounce.start()
        super().mouseMoveEvent(event)

    def _emit_explain(self) -> None:
        if self._hover_at is not None:
            self.explain_requested.emit(self._hover_at)

    def show_explanation(self, at: datetime, text: str) -> None:
        """Show the answer if the mouse is still over the same time."""
        if at == self._hover_at:
            QToolTip.showText(self._hover_pos, text, self)
        self.last_explanation = text
