"""A read-only table model over a list of frozen rows (the services' view dataclasses).

Why one generic model: every list in the app shows immutable snapshots a service returned; the
columns differ, the mechanics (display, icon, tooltip, sort key, row lookup) do not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

R = TypeVar("R")

Index = QModelIndex | QPersistentModelIndex

#: The role that gives a column's sort key (proxies sort by it instead of the display text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The role that gives the whole row object.
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    text: Callable[[R], str]
    icon: Callable[[R], QIcon | None] | None = None
    tooltip: Callable[[R], str | None] | None = None
    sort_key: Callable[[R], Any] | None = None


class RowTableModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []

    # ----- data in -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, row: int) -> R:
        return self._rows[row]

    # ----- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.DecorationRole and column.icon is not None:
            return column.icon(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key is not None else column.text(row)
        if role == ROW_ROLE:
            return row
        return None
