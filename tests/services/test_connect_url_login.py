"""A CalDAV URL pasted with ``user:password@`` connects, and the password ends up in the keychain only.

Against the real Radicale: begin_caldav takes the login out of the URL before anything sees it, so
the saved server URL, the calendar URLs, the sync log and the database file never hold the password.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.services.pending_connection import ConnectionTestFailed


def with_login(url: str, user: str, password: str = "") -> str:
    login = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return url.replace("://", f"://{login}@", 1)


def assert_nowhere_but_the_keychain(services, password: str) -> None:  # type: ignore[no-untyped-def]
    for view in services.connections.list(include_disconnected=True):
        assert password not in repr(view)
    for entry in services.sync_log.entries():
        assert password not in entry.message
    for path in services.config.data_dir.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), f"password in {path.name}"


async def test_the_url_gives_username_and_password(services, caldav_calendar, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    url = with_login(server.url, server.username, server.password)

    pending = await services.connections.begin_caldav("Mark", "generic", url, "", "")
    assert (pending.server_url, pending.account) == (server.url, server.username)
    assert server.password not in repr(pending)
    view = await services.connections.finish_connection(pending, caldav_calendar.url)

    assert view.server_url == server.url and view.calendar_href == caldav_calendar.url
    assert view.display_name == f"Other CalDAV server – {server.username}"
    info = services.connections.info(view.id)
    assert (info.server_url, info.username) == (server.url, server.username)
    assert services.secrets.get(info.secret_key, "password") == server.password
    assert_nowhere_but_the_keychain(services, server.password)


async def test_typed_fields_win_over_the_url(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    # A stale password in the URL and the right one typed: the typed one is used (and kept).
    url = with_login(server.url, server.username, "an-old-password")
    view = await services.connections.connect_caldav("Mark", "generic", url, server.username, server.password)
    assert view.server_url == server.url
    assert services.secrets.get(services.connections.info(view.id).secret_key, "password") == server.password
    assert_nowhere_but_the_keychain(services, "an-old-password")


async def test_a_user_only_in_the_url_and_a_wrong_password_from_it(services, caldav_calendar) -> None:  # type: ignore[no-untyped-def]
    server = caldav_calendar.server
    services.directory.add_staff("Mark", "Europe/Berlin")
    pending = await services.connections.begin_caldav(
        "Mark", "generic", with_login(server.url, server.username), "", server.password
    )
    assert (pending.server_url, pending.account) == (server.url, server.username)

    with pytest.raises(ConnectionTestFailed, match="refused the username or app-specific password"):
        await services.connections.begin_caldav(
            "Mark", "generic", with_login(server.url, server.username, "wrong-from-url"), "", ""
        )
    assert_nowhere_but_the_keychain(services, "wrong-from-url")


async def test_a_different_user_in_the_url_is_refused_before_anything_is_sent(services) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.server_process import free_port

    services.directory.add_staff("Mark", "Europe/Berlin")
    url = f"http://mark:secret-pw@127.0.0.1:{free_port()}/"
    with pytest.raises(UserInputError) as refused:
        await services.connections.begin_caldav("Mark", "generic", url, "anna", "")
    assert "'mark'" in str(refused.value) and "'anna'" in str(refused.value)
    assert "secret-pw" not in str(refused.value)
    with pytest.raises(UserInputError, match="needs a password"):
        await services.connections.begin_caldav("Mark", "generic", "http://mark@127.0.0.1:1/", "", "")
    assert services.sync_log.entries() == []
