"""The one way a window shows rows: a read-only list where a row is the thing you act on.

Why a helper: Bookings, the Sync Log and a connection's details all pick one row and act on it
(reschedule, show details, retry), so they share one look — whole-row single selection, no row
numbers, banded rows, columns as wide as their content with the last one taking the rest. Set up
in three copies, the windows drifted apart one setting at a time. The two logs (Sync Log, Audit)
also share their shape: one-line rows above a read-only pane with the selected row in full.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPlainTextEdit, QSplitter, QTableView


def row_table(model: QAbstractItemModel, *, wrap_text: bool = True) -> QTableView:
    """A table over ``model``: one whole row selected at a time, columns sized to their content.

    ``wrap_text`` False keeps every row one line high (log messages and ids are long).
    """
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(wrap_text)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def selected_row(table: QTableView, model: Any) -> Any | None:
    """The row object behind the table's selected row (``model`` is a ``RowModel``), or None."""
    rows = table.selectionModel().selectedRows()
    return model.row_at(rows[0].row()) if rows else None


def select_row_with_id(table: QTableView, model: Any, row_id: int) -> None:
    """Select the row whose object has ``id == row_id`` (a refresh keeps the user's selection)."""
    for i, row in enumerate(model.rows()):
        if row.id == row_id:
            table.selectRow(i)


def replace_rows(table: QTableView, model: Any, rows: list[Any]) -> None:
    """Show ``rows``; the selected row stays selected while it is among them (found by ``id``).

    A log refreshes after any change anywhere in the app; without this, a row the user had just
    chosen (to retry it, to copy it) was deselected under the pointer.
    """
    kept = selected_row(table, model)
    model.set_rows(rows)
    if kept is not None:
        select_row_with_id(table, model, kept.id)


def rows_over_details(
    model: QAbstractItemModel, placeholder: str, sizes: tuple[int, int],
) -> tuple[QTableView, QPlainTextEdit, QSplitter]:
    """One-line rows above a read-only details pane (``placeholder`` until a row is chosen)."""
    table = row_table(model, wrap_text=False)
    details = QPlainTextEdit()
    details.setReadOnly(True)
    details.setPlaceholderText(placeholder)
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(table)
    splitter.addWidget(details)
    splitter.setSizes(list(sizes))
    return table, details, splitter
