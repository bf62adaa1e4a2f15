"""Choosing what calendar events show of a booking: the same four choices wherever they are offered.

Why one widget: the Settings window (the business's level) and Calendar Integrations (one
calendar's override) must name the levels alike and show the same example, so a person sees what
the choice does to an event before making it ("Massage – E. S.").
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox

from bizcal_desktop.domain.privacy import PrivacyLevel

#: The value a connection stores to follow the business's level.
FOLLOW_BUSINESS = "default"


def _tr(text: str) -> str:
    return QCoreApplication.translate("PrivacyChoice", text)


def level_text(level: str) -> str:
    """A level with what an event then looks like."""
    return {
        PrivacyLevel.FULL: _tr("Full — “Massage – Emma Schmidt”"),
        PrivacyLevel.INITIALS: _tr("Initials — “Massage – E. S.”"),
        PrivacyLevel.SERVICE: _tr("Service only — “Massage”"),
        PrivacyLevel.BUSY: _tr("Busy — “Busy”, nothing else"),
    }[PrivacyLevel(level)]


def privacy_combo(business_level: str | None = None) -> QComboBox:
    """The four levels; with ``business_level``, first a choice that follows the business's level."""
    combo = QComboBox()
    if business_level is not None:
        combo.addItem(_tr("As the business: {level}").format(level=level_text(business_level)), FOLLOW_BUSINESS)
    for level in PrivacyLevel:
        combo.addItem(level_text(level), level.value)
    combo.setToolTip(_tr("What the calendar events of bookings show. Customers are never invited or "
                         "added as attendees. Changing it rewrites the future events."))
    return combo


def select(combo: QComboBox, value: str | None) -> None:
    index = combo.findData(value or FOLLOW_BUSINESS)
    combo.setCurrentIndex(max(index, 0))
