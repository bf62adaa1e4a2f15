"""Settings' Team database group: Test connection against a real PostgreSQL, save (password to the
keychain, not the file), a refused URL explained, and back to this computer's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizcal_desktop.ui.autostart import Autostart
from bizcal_desktop.ui.controller import DesktopController
from bizcal_desktop.ui.settings_window import SettingsWindow
from tests.ui.conftest import run_async


@pytest.fixture
def window(qloop, qtbot, services, tmp_path: Path):  # type: ignore[no-untyped-def]
    w = SettingsWindow(DesktopController(services),
                       autostart=Autostart(platform="linux", home=tmp_path, xdg_config_home=tmp_path / "cfg"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_refresh is not None and w.last_refresh.done())
    return w


def test_test_connection_save_and_back_to_this_computer(window, qtbot, services, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    group = window.team_database
    assert "this computer's own file" in group.using.text()
    group.url.setText("https://not-a-database.example")
    run_async(qtbot, group.test())
    assert "Enter a PostgreSQL URL" in group.result.text()
    group.url.setText("postgresql://x@127.0.0.1:1/none")
    run_async(qtbot, group.test())
    assert "cannot reach its team database x@127.0.0.1:1/none" in group.result.text()
    group.url.setText(postgres_url)
    group.password.setText("not-needed-but-kept")
    run_async(qtbot, group.test())
    assert "Connected to" in group.result.text() and "it is empty" in group.result.text()
    run_async(qtbot, group.use())
    assert "BizCal uses it from its next start" in group.result.text()
    saved = (services.config.data_dir / "team-database.json").read_text()
    assert "not-needed-but-kept" not in saved
    assert services.team_database.choice().source == "settings"
    run_async(qtbot, window.refresh())
    assert group.url.text().startswith("postgresql+psycopg://bizcal@127.0.0.1")
    assert group.password.placeholderText() == "saved in the keychain"
    run_async(qtbot, group.use_local())
    assert services.team_database.choice().kind == "sqlite"
    assert not (services.config.data_dir / "team-database.json").exists()
