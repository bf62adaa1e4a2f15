"""Calendar Integrations' line for each disconnect still removing events: its progress and Forget now.

Why a line of its own and not a row of the connections tree: a connection being removed has left the
user's list (it is disconnected, nothing is written there any more), yet its secret is still in the
keychain for the removal alone (``services/event_removal.py``). The line says how far the removal is
("Removing BizCal's events from Work: 3 of 12") and offers *Forget now*, which ends it at once: the
secret is deleted and the events not yet removed stay — what someone who disconnects because a
laptop was lost expects to be able to do. The CLI's door is ``bizcal connections disconnect ID
--forget-now``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from bizcal_desktop.services.event_removal import RemovalState

#: A notice's look (an information bar), so the line does not read as a stray caption above the list.
_LINE_STYLE = "QFrame#removalLine { background: #e8f0fe; border: 1px solid #aecbfa; border-radius: 4px; }"


class RemovalBanner(QWidget):
    """One line per removal in progress; hidden when there is none."""

    def __init__(self, on_forget: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_forget = on_forget
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.lines: dict[int, tuple[QLabel, QPushButton]] = {}
        self.setVisible(False)

    def show_states(self, states: list[RemovalState]) -> None:
        """Show exactly these removals (a refresh)."""
        wanted = {s.connection_id for s in states if not s.finished}
        for connection_id in [c for c in self.lines if c not in wanted]:
            label, _button = self.lines.pop(connection_id)
            label.parentWidget().deleteLater()
        for state in states:
            if not state.finished:
                self.show_progress(state.connection_id, state.name, state.removed, state.total)
        self.setVisible(bool(self.lines))

    def show_progress(self, connection_id: int, name: str, done: int, total: int) -> None:
        if connection_id not in self.lines:
            self.lines[connection_id] = self._add_line(connection_id)
        label, _button = self.lines[connection_id]
        label.setText(self.tr("Removing BizCal's events from {name}: {done} of {total}. Its password or token "
                              "is kept until they are removed.").format(name=name, done=done, total=total))
        self.setVisible(True)

    def _add_line(self, connection_id: int) -> tuple[QLabel, QPushButton]:
        line = QFrame(self)
        line.setObjectName("removalLine")
        line.setStyleSheet(_LINE_STYLE)
        row = QHBoxLayout(line)
        row.setContentsMargins(8, 4, 4, 4)
        label = QLabel(line)
        label.setWordWrap(True)
        button = QPushButton(self.tr("Forget now"), line)
        button.setToolTip(self.tr("Stop removing: delete its password or token now; the events not yet "
                                  "removed stay in the calendar"))
        button.clicked.connect(lambda: self._on_forget(connection_id))
        row.addWidget(label, 1)
        row.addWidget(button)
        self._layout.addWidget(line)
        return label, button
