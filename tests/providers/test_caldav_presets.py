"""Preset URLs of the CalDAV connect wizard."""

from __future__ import annotations

import pytest

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.caldav.presets import PRESETS, login_from_url, nextcloud_url, resolve_server_url


def test_fixed_services_ignore_input() -> None:
    assert resolve_server_url("icloud", "") == "https://caldav.icloud.com/"
    assert resolve_server_url("fastmail", None) == "https://caldav.fastmail.com/"
    assert "app-specific password" in PRESETS["icloud"].hint
    assert "appleid.apple.com" in PRESETS["icloud"].hint


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cloud.example.com", "https://cloud.example.com/remote.php/dav"),
        ("  cloud.example.com/  ", "https://cloud.example.com/remote.php/dav"),
        ("cloud.example.com:8443/nc", "https://cloud.example.com:8443/nc/remote.php/dav"),
        ("https://cloud.example.com/remote.php/dav/", "https://cloud.example.com/remote.php/dav"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/remote.php/dav"),
    ],
)
def test_nextcloud_url_from_host(typed: str, expected: str) -> None:
    assert nextcloud_url(typed) == expected
    assert resolve_server_url("nextcloud", typed) == expected


def test_generic_url_is_kept_as_given() -> None:
    assert resolve_server_url("generic", " https://dav.example.com/cal/ ") == "https://dav.example.com/cal/"


@pytest.mark.parametrize(
    ("provider", "typed", "fragment"),
    [
        ("exchange", "x", "Unknown calendar service"),
        ("nextcloud", "", "host name"),
        ("nextcloud", "ftp://cloud.example.com", "https://"),
        ("nextcloud", "cloud.example.com:notaport", "not a valid"),
        ("generic", "", "CalDAV URL"),
        ("generic", "dav.example.com", "https://dav.example.com"),
        ("generic", "https://", "not a valid"),
        ("generic", "https://dav example.com/", "not a valid"),
    ],
)
def test_bad_input_is_a_clear_user_error(provider: str, typed: str, fragment: str) -> None:
    with pytest.raises(UserInputError, match=fragment.replace(".", r"\.")):
        resolve_server_url(provider, typed)


@pytest.mark.parametrize(
    ("typed", "url", "user", "password"),
    [
        ("https://mark:secret@dav.example.com/", "https://dav.example.com/", "mark", "secret"),
        ("  https://mark@dav.example.com/cal/ ", "https://dav.example.com/cal/", "mark", ""),
        # an e-mail address and an @ in the password, unencoded: the host starts after the last @
        ("https://mark@example.com:p@ss@caldav.fastmail.com/", "https://caldav.fastmail.com/",
         "mark@example.com", "p@ss"),
        ("https://mark%40example.com:p%2Fw%3A@dav.example.com:8443/", "https://dav.example.com:8443/",
         "mark@example.com", "p/w:"),
        ("mark:secret@cloud.example.com/nc", "cloud.example.com/nc", "mark", "secret"),  # a Nextcloud host
        ("https://dav.example.com/users/a@b/", "https://dav.example.com/users/a@b/", "", ""),  # @ in the path
        ("https://dav.example.com/", "https://dav.example.com/", "", ""),
    ],
)
def test_a_login_in_the_url_moves_to_the_login_fields(typed: str, url: str, user: str, password: str) -> None:
    login = login_from_url(typed, "", "")
    assert (login.url, login.username, login.password) == (url, user, password)
    assert login.url_had_password == bool(password)
    assert password not in repr(login) or not password


def test_given_fields_win_and_a_different_user_is_refused() -> None:
    given = login_from_url("https://mark:from-url@dav.example.com/", " mark ", "typed")
    assert (given.url, given.username, given.password) == ("https://dav.example.com/", "mark", "typed")
    assert login_from_url("https://:from-url@dav.example.com/", "anna", "").username == "anna"
    with pytest.raises(UserInputError) as refused:
        login_from_url("https://mark:secret@dav.example.com/", "anna", "")
    assert str(refused.value) == (
        "The URL names the user 'mark' but the username given is 'anna'; remove the user (and any "
        "password) before the @ in the URL, or give the same username."
    )
    assert "secret" not in str(refused.value)


def test_a_refusal_of_the_url_quotes_it_without_the_login() -> None:
    login = login_from_url("mark:secret@dav.example.com/", "", "")  # no https:// in front
    with pytest.raises(UserInputError) as refused:
        resolve_server_url("generic", login.url)
    assert str(refused.value) == ("'dav.example.com/' is not a full URL; type it with https:// in front, "
                                  "for example https://dav.example.com/.")
