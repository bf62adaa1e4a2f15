"""``bizcal-desktop``: the tray app. Wiring: config → services (same as the CLI) → scheduler → UI.

Why the loop is built like this: Qt and asyncio share ONE thread through qasync, so a coroutine
awaiting the network never freezes a window, and every blocking service call is pushed to a worker
thread (``asyncio.to_thread``). The app lives in the tray: closing the last window does not quit;
only *Quit* (or the session ending) does, and it waits briefly for a drain in progress. Killing the
process loses nothing: every change is already in the database's outbox. The network monitor is
picked here, once the QApplication exists (Qt's needs it); tests hand in their own.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence

# First, before anything large is imported: PySide6 would keep every module's source in memory.
from bizcal_desktop.ui import pyside_sources  # noqa: F401

# isort: split
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from bizcal_desktop import __version__
from bizcal_desktop.config import Config
from bizcal_desktop.logging_setup import configure_logging, log_unexpected
from bizcal_desktop.runtime import tune_for_the_ui_thread
from bizcal_desktop.services.attention import Alert
from bizcal_desktop.sync.network import NetworkStatus
from bizcal_desktop.ui import resources
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.network_monitor import pick_network_status
from bizcal_desktop.ui.notifications import Notifier
from bizcal_desktop.ui.person_picker import PersonDialog
from bizcal_desktop.ui.single_instance import SingleInstanceServer, claim_single_instance
from bizcal_desktop.ui.tasks import off_thread, spawn
from bizcal_desktop.ui.termination import install_termination_watcher
from bizcal_desktop.ui.tray import Tray
from bizcal_desktop.ui.window_manager import WindowManager
from bizcal_desktop.wiring import Services, build_services

log = logging.getLogger(__name__)


class DesktopApp(QObject):
    """Everything the running app holds, wired once; tests build it the same way."""

    quit_finished = Signal()

    def __init__(
        self,
        services: Services,
        show_window: bool = False,
        parent: QObject | None = None,
        clock: Callable[[], float] | None = None,
        network: NetworkStatus | None = None,
        wake_clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.controller = DesktopController(
            services, parent=self, clock=clock, network=network, wake_clock=wake_clock
        )
        self.windows = WindowManager(self.controller, parent=self)
        self.tray = Tray(self.controller, parent=self)
        self.notifier = Notifier(self.tray.icon, parent=self)
        self.controller.alert.connect(self.notifier.show)
        self.notifier.notice_clicked.connect(self._notice_clicked)
        self.tray.open_requested.connect(self.windows.open)
        self.tray.quit_requested.connect(self.request_quit)
        self.controller.data_changed.connect(self._data_changed)
        self._show_window = show_window
        self._quitting = False
        self.instance_server: SingleInstanceServer | None = None
        #: "Who uses this computer?", while it is open (asked once at start on a team database).
        self.person_dialog: PersonDialog | None = None

    def start(self) -> None:
        self.tray.show()
        self.controller.start()
        log.info("BizCal Desktop started; timers started: %s; live updates from other computers: %s",
                 ", ".join(self.controller.scheduler.names),
                 "on" if self.controller.team_changes is not None else "off (one computer: the timers sync)")
        if self._show_window or not QSystemTrayIcon.isSystemTrayAvailable():
            # Without a tray (some Linux desktops) the main window is the only way in.
            self.windows.show_main()
        self.setup_check = spawn(self.check_setup(first_start=True))

    async def check_setup(self, first_start: bool = False) -> None:
        """First run (no staff member yet): open the set-up wizard; until set-up is finished the
        tray offers it."""
        status = await off_thread(self.services.setup.status)
        self.tray.show_setup_needed(not status.finished)
        if first_start and status.needs_wizard:
            log.info("no staff member yet: opening the set-up wizard")
            self.windows.open("setup")
        elif first_start and await off_thread(self.services.person.needs_asking):
            self.ask_who_uses_this_computer()

    def ask_who_uses_this_computer(self) -> None:
        """On a team database, once: which staff member uses this computer (the audit trail's person)."""
        log.info("team database: asking who uses this computer")
        self.person_dialog = PersonDialog(self.services.person, self.services.directory)
        self.person_dialog.open()

    def _data_changed(self) -> None:
        if not self._quitting:
            spawn(self.check_setup())

    def show_main_for_second_launch(self) -> None:
        log.info("showing the main window (asked by a second launch)")
        self.windows.show_main()

    def _notice_clicked(self, alert: Alert) -> None:
        if alert.opens == "sync_log":
            self.windows.open_sync_log_failures()
        elif alert.opens:
            self.windows.open(alert.opens)

    def request_quit(self) -> None:
        if not self._quitting:
            self._quitting = True
            spawn(self.quit())

    async def quit(self) -> None:
        """Close the windows, let an in-flight drain finish briefly, stop, and end the loop."""
        self.windows.close_all()
        self.tray.hide()
        if self.instance_server is not None:
            self.instance_server.close()
        try:
            await self.controller.shutdown()
        finally:
            self.quit_finished.emit()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bizcal-desktop", description="BizCal Desktop tray app")
    parser.add_argument("--data-dir", help="data folder (default: BIZCAL_HOME or the per-user folder)")
    parser.add_argument("--show", action="store_true", help="open the Bookings window at start")
    parser.add_argument("--debug", action="store_true", help="verbose log file")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


async def _run(app: QApplication, config: Config, show_window: bool, instance: SingleInstanceServer) -> int:
    try:
        services = await off_thread(build_services, config)
    except Exception as exc:
        log_unexpected(log, "could not open the data folder", exc)
        QMessageBox.critical(
            None,
            app.tr("BizCal Desktop"),
            app.tr("Could not open the data folder {path}: {error}").format(path=config.data_dir, error=exc),
        )
        return 1
    desktop = DesktopApp(services, show_window=show_window, network=pick_network_status(services))
    desktop.instance_server = instance
    instance.activation_requested.connect(desktop.show_main_for_second_launch)
    done = asyncio.Event()
    desktop.quit_finished.connect(done.set)
    termination = install_termination_watcher(parent=desktop)
    if termination is not None:
        termination.requested.connect(desktop.request_quit)
    desktop.start()
    tune_for_the_ui_thread()  # after start-up: every long-lived object exists now
    await done.wait()
    if termination is not None:
        termination.close()
    log.info("BizCal Desktop stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bizcal-desktop`` and ``python -m bizcal_desktop``."""
    import qasync

    args = parse_args(argv if argv is not None else sys.argv[1:])
    config = Config.load(args.data_dir)
    configure_logging(config.log_path, verbose=args.debug)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("BizCal Desktop")
    app.setOrganizationName("BizCal")
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(resources.icon("app"))

    instance = claim_single_instance(config.data_dir)
    if instance is None:
        log.info("BizCal Desktop already runs for %s; asked it to show its window", config.data_dir)
        return 0

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # Ctrl+C in a terminal ends the app (Qt would otherwise swallow SIGINT); the outbox keeps
    # every queued change, so nothing is lost.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        with loop:
            return loop.run_until_complete(_run(app, config, args.show, instance))
    except RuntimeError as exc:
        # The desktop session ended (QApplication quit) before Quit ran: nothing is lost.
        log.info("event loop ended: %s", exc)
        return 0
    finally:
        instance.close()
