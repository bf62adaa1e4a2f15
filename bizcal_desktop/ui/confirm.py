"""Non-blocking confirmation boxes.

Why not ``QMessageBox.question``: it runs a nested event loop, inside which our asyncio callbacks
(a drain finishing) would run re-entrantly under a half-finished slot. ``open()`` is window-modal
but returns at once; the answer arrives as a signal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str, yes_text: str, on_yes: Callable[[], None]) -> QMessageBox:
    """Ask; call ``on_yes`` if the person confirms. Returns the box (tests click its buttons)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def done(_result: int) -> None:
        if box.clickedButton() is yes:
            on_yes()
        box.hide()

    box.finished.connect(done)
    box.open()
    return box
