"""Choosing an IANA time zone: this computer's zone preselected, any other found by typing.

Why it matters: working hours are wall-clock times in the practitioner's zone, so a wrong zone
offers every slot an hour or more off. A new user should not have to know what "IANA" means: the
zone this computer runs in is preselected, and typing any part of a name ("Berlin", "New_York",
"Sydney") narrows the list to the zones that contain it.

Qt knows the system's zone on every platform (on Windows it maps Windows zone names to IANA ones);
where it answers with something the tz database does not know, ``/etc/localtime``'s link target or
the ``TZ`` variable is tried, then UTC.
"""

from __future__ import annotations

import os
import zoneinfo
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt, QTimeZone
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget


@lru_cache(maxsize=1)
def known_zones() -> tuple[str, ...]:
    """The zone names worth offering: regions and cities, plus UTC (no ``posix/`` or ``right/`` copies)."""
    names = {
        z for z in zoneinfo.available_timezones()
        if "/" in z and not z.startswith(("posix/", "right/", "Etc/", "SystemV/", "US/"))
    }
    return tuple(sorted(names | {"UTC"}))


def system_zone() -> str:
    """This computer's IANA zone, or ``UTC`` when none can be found."""
    candidates = [bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "ignore")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    candidates.append(os.environ.get("TZ", "").lstrip(":"))
    for name in candidates:
        if name in ("Etc/UTC", "Etc/GMT", "GMT", "UCT", "Universal", "Zulu"):
            return "UTC"
        if name and name in zoneinfo.available_timezones():
            return name
    return "UTC"


class ZoneCombo(QComboBox):
    """An editable combo of IANA zones; typing any part of a name filters the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.addItems(known_zones())
        self.setMaxVisibleItems(15)
        completer = QCompleter(self.model(), self)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        self.lineEdit().setPlaceholderText(self.tr("Type a city, e.g. Berlin"))

    def zone(self) -> str:
        """The zone typed or chosen; a city alone is enough ("new york" is America/New_York)."""
        text = self.currentText().strip().replace(" ", "_").casefold()
        exact = [n for n in known_zones() if n.casefold() == text]
        cities = [n for n in known_zones() if n.casefold().endswith("/" + text)]
        found = exact or (cities if len(cities) == 1 else [])
        return found[0] if found else self.currentText().strip()

    def set_zone(self, name: str) -> None:
        index = self.findText(name)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(name)
