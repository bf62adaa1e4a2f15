"""The CalDAV wizard against a real Radicale: Save only after a passing test of what is on screen."""

from __future__ import annotations

import pytest

from bizcal_desktop.ui.caldav_wizard import CalDAVWizard
from bizcal_desktop.ui.controller import DesktopController
from tests.ui.conftest import run_async


@pytest.fixture
def wizard(qloop, qtbot, services, sample):  # type: ignore[no-untyped-def]
    controller = DesktopController(services)
    w = CalDAVWizard(controller, staff_id=sample[0].id)
    qtbot.addWidget(w)
    qtbot.waitUntil(w.load_task.done)
    return w


def fill(w: CalDAVWizard, url: str, user: str, password: str) -> None:
    w.provider.setCurrentIndex(w.provider.findData("generic"))
    w.server.setText(url)
    w.username.setText(user)
    w.password.setText(password)


def test_presets_prefill_the_server_and_show_the_hint(wizard: CalDAVWizard) -> None:
    wizard.provider.setCurrentIndex(wizard.provider.findData("icloud"))
    assert wizard.server.text() == "https://caldav.icloud.com/" and wizard.server.isReadOnly()
    assert "app-specific password" in wizard.hint.text()
    wizard.provider.setCurrentIndex(wizard.provider.findData("nextcloud"))
    assert wizard.server.text() == "" and not wizard.server.isReadOnly()
    assert wizard.password.echoMode() == wizard.password.EchoMode.Password


def test_save_waits_for_a_passing_test_and_any_change_voids_it(  # type: ignore[no-untyped-def]
    wizard: CalDAVWizard, qtbot, services, caldav_calendar, memory_keyring
) -> None:
    server = caldav_calendar.server
    fill(wizard, server.url, "alice", "wrong-password")
    assert not wizard.save_button.isEnabled()
    run_async(qtbot, wizard.test())
    assert wizard.result.text().startswith("✗")
    assert not wizard.save_button.isEnabled()

    wizard.password.setText(server.password)
    assert not wizard.save_button.isEnabled()
    run_async(qtbot, wizard.test())
    assert wizard.result.text().startswith("✓")
    assert wizard.save_button.isEnabled()
    names = [wizard.calendar.itemText(i) for i in range(wizard.calendar.count())]
    assert caldav_calendar.display_name in names

    wizard.username.setText("alice2")  # a change after the test: Save is off again
    assert not wizard.save_button.isEnabled()
    wizard.username.setText("alice")
    assert not wizard.save_button.isEnabled()  # still needs a new test
    run_async(qtbot, wizard.test())
    wizard.calendar.setCurrentIndex(names.index(caldav_calendar.display_name))
    saved = run_async(qtbot, wizard.save())
    assert saved is not None
    [conn] = services.connections.list()
    assert conn.calendar_name == caldav_calendar.display_name and conn.provider == "caldav"
    assert services.secrets.get(services.connections.info(conn.id).secret_key, "password") == server.password


def test_an_unreachable_server_says_why(wizard: CalDAVWizard, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.server_process import free_port

    fill(wizard, f"http://127.0.0.1:{free_port()}/", "alice", "pw")
    run_async(qtbot, wizard.test())
    assert wizard.result.text().startswith("✗") and len(wizard.result.text()) > 10
    assert not wizard.save_button.isEnabled()


def test_a_login_pasted_into_the_url_moves_to_its_fields(  # type: ignore[no-untyped-def]
    wizard: CalDAVWizard, qtbot, services, caldav_calendar, memory_keyring
) -> None:
    server = caldav_calendar.server
    wizard.provider.setCurrentIndex(wizard.provider.findData("generic"))
    wizard.server.setText(server.url.replace("://", f"://{server.username}:{server.password}@"))
    assert wizard.server.text() == server.url  # the URL field keeps only the server
    assert (wizard.username.text(), wizard.password.text()) == (server.username, server.password)
    assert wizard.test_button.isEnabled()
    run_async(qtbot, wizard.test())
    assert wizard.result.text().startswith("✓"), wizard.result.text()
    wizard.calendar.setCurrentIndex(wizard.calendar.findData(caldav_calendar.url))
    assert run_async(qtbot, wizard.save()) is not None
    [conn] = services.connections.list()
    assert conn.server_url == server.url
    assert services.secrets.get(services.connections.info(conn.id).secret_key, "password") == server.password


def test_a_url_naming_another_user_is_refused_until_they_agree(wizard: CalDAVWizard) -> None:
    wizard.provider.setCurrentIndex(wizard.provider.findData("generic"))
    wizard.username.setText("anna")
    wizard.server.setText("https://mark:secret-pw@dav.example.com/")
    assert wizard.result.text().startswith("✗") and "'mark'" in wizard.result.text()
    assert "secret-pw" not in wizard.result.text()
    assert not wizard.save_button.isEnabled()
    wizard.username.setText("mark")  # now they agree: the login leaves the URL
    assert wizard.server.text() == "https://dav.example.com/"
    assert (wizard.username.text(), wizard.password.text()) == ("mark", "secret-pw")
