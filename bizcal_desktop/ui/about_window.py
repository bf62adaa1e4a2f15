"""About BizCal Desktop: the version, where the data and the log file are, and what the app is made
of with each part's licence.

Why these four: support asks for the version and the log file first, a practitioner moving to a new
computer asks where the data is, and the licences of the bundled parts (Qt under the LGPL above
all) must be reachable from the app a packaged build installs. The component list is read from the
installed packages' metadata (:mod:`bizcal_desktop.components`), off the Qt thread, so it is the
list that was really shipped.
"""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bizcal_desktop import __version__
from bizcal_desktop.components import (
    RUNTIME_PARTS,
    Component,
    components,
    is_frozen,
    third_party_licences_file,
)
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.base_window import BaseWindow
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.tasks import off_thread


def _link(path: Path, text: str | None = None) -> str:
    url = QUrl.fromLocalFile(str(path)).toString()
    shown = (text or str(path)).replace("&", "&amp;").replace("<", "&lt;")
    return f'<a href="{url}">{shown}</a>'


class AboutWindow(BaseWindow):
    """Version, data folder, log file, and the bundled parts with their licences."""

    def __init__(self, controller: DesktopController, parent: QWidget | None = None) -> None:
        super().__init__(controller, self.tr("About BizCal Desktop"), "app", parent)
        config = controller.services.config
        self.data_dir = config.data_dir
        self.log_path = config.log_path
        self.resize(620, 560)

        self.layout_.addLayout(self._header())
        self.layout_.addLayout(self._where())
        self._components_table()
        self.layout_.addWidget(self._buttons())
        self.finish_layout()
        self.components: list[Component] = []

    def _header(self) -> QHBoxLayout:
        """The logo beside the name, the version and what the app does."""
        header = QHBoxLayout()
        logo = QLabel(self)
        logo.setPixmap(resources.icon("app").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        header.addWidget(logo)
        title = QVBoxLayout()
        name = QLabel(self.tr("BizCal Desktop"), self)
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        name.setFont(font)
        title.addWidget(name)
        self.version_label = QLabel(self.version_text(), self)
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title.addWidget(self.version_label)
        title.addWidget(QLabel(self.tr("Keeps bookings and your calendars in sync."), self))
        title.addStretch(1)
        header.addLayout(title, 1)
        return header

    def _where(self) -> QFormLayout:
        """Where the data and the log file are, as links that open the file manager."""
        where = QFormLayout()
        self.data_label = self._path_label(self.data_dir)
        self.log_label = self._path_label(self.log_path)
        where.addRow(self.tr("Data folder:"), self.data_label)
        where.addRow(self.tr("Log file:"), self.log_label)
        return where

    def _components_table(self) -> None:
        """The bundled parts with their versions and licences, and the note on the licence texts."""
        self.layout_.addWidget(QLabel(self.tr("Bundled parts and their licences:"), self))
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Component"), self.tr("Version"), self.tr("Licence")])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header_view = self.table.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.layout_.addWidget(self.table, 1)
        self.licence_note = QLabel(self.licence_note_text(), self)
        self.licence_note.setWordWrap(True)
        self.licence_note.setOpenExternalLinks(True)
        self.layout_.addWidget(self.licence_note)

    def _buttons(self) -> QDialogButtonBox:
        """Close, and Copy details (version, folders) for a message to support."""
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton(self.tr("Copy details"), self)
        self.copy_button.setToolTip(self.tr("Version, data folder and log file, for a message to support"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.close)
        return buttons


    def _path_label(self, path: Path) -> QLabel:
        label = QLabel(_link(path), self)
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        label.setToolTip(self.tr("Open in the file manager"))
        label.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        return label

    def version_text(self) -> str:
        kind = self.tr("packaged build") if is_frozen() else self.tr("installed from source or PyPI")
        return self.tr("Version {version} ({kind}) · Python {python} · Qt {qt}").format(
            version=__version__, kind=kind, python=platform.python_version(), qt=qVersion()
        )

    def licence_note_text(self) -> str:
        note = self.tr(
            "Qt and PySide6 are used under the GNU LGPL v3; in a packaged build they are separate "
            "shared libraries that can be replaced."
        )
        texts = third_party_licences_file()
        if texts is not None:
            return note + " " + self.tr("Full licence texts: {link}").format(link=_link(texts, texts.name))
        return note + " " + self.tr("Each component's licence text is in its installed package.")

    def details_text(self) -> str:
        return "\n".join(
            [
                f"BizCal Desktop {__version__}",
                self.version_label.text(),
                f"Data folder: {self.data_dir}",
                f"Log file: {self.log_path}",
                f"System: {platform.platform()}",
            ]
        )

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.show_message(self.tr("Copied: version, data folder and log file."))

    async def refresh(self) -> None:
        if self.components:
            return
        self.components = await off_thread(components)
        rows: list[tuple[str, str, str]] = [
            (RUNTIME_PARTS[0][0], platform.python_version(), RUNTIME_PARTS[0][1]),
            (RUNTIME_PARTS[1][0], qVersion(), RUNTIME_PARTS[1][1]),
        ]
        rows += [(c.name, c.version, c.licence) for c in self.components]
        self.table.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
