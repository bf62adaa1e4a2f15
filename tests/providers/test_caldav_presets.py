"""Preset URLs of the CalDAV connect wizard."""

from __future__ import annotations

import pytest

from bizcal_desktop.errors import UserInputError
from bizcal_desktop.providers.caldav.presets import PRESETS, nextcloud_url, resolve_server_url


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
