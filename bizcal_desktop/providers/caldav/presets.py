"""Known CalDAV services and how to turn what the user typed into a server URL.

The connect wizard offers these as choices so a user of iCloud or Fastmail never has to know a
CalDAV URL, and a Nextcloud user only types the host name. Each preset carries the one hint
that saves most support questions (iCloud's app-specific password above all).

A pasted URL may carry a login (``https://mark:secret@dav.example.com/``). :func:`login_from_url`
takes it out before anything else sees the URL - the CLI, the wizard and ``begin_caldav`` all pass
what was typed through it - so the saved server URL, the sync log and the log file never hold it,
and the password goes to the keychain like any typed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from bizcal_desktop.errors import UserInputError


@dataclass(frozen=True)
class CalDAVPreset:
    """One choice in the connect wizard."""

    key: str  #: stored as the connection's provider type
    label: str  #: what the wizard shows
    hint: str  #: one sentence shown under the fields
    fixed_url: str | None = None  #: the server URL when the service has only one
    needs_host: bool = False  #: the user types a host name (Nextcloud)
    needs_url: bool = False  #: the user types the full URL (generic)


PRESETS: dict[str, CalDAVPreset] = {
    "icloud": CalDAVPreset(
        key="icloud",
        label="iCloud",
        hint=(
            "Use your Apple ID e-mail and an app-specific password made at appleid.apple.com "
            "(Sign-In and Security > App-Specific Passwords); your normal Apple ID password will not work."
        ),
        fixed_url="https://caldav.icloud.com/",
    ),
    "fastmail": CalDAVPreset(
        key="fastmail",
        label="Fastmail",
        hint=(
            "Use your Fastmail address and an app password with CalDAV access, made under "
            "Settings > Privacy & Security > App passwords."
        ),
        fixed_url="https://caldav.fastmail.com/",
    ),
    "nextcloud": CalDAVPreset(
        key="nextcloud",
        label="Nextcloud",
        hint=(
            "Type your Nextcloud host (for example cloud.example.com) and use an app password made "
            "under Settings > Security > Devices & sessions."
        ),
        needs_host=True,
    ),
    "generic": CalDAVPreset(
        key="generic",
        label="Other CalDAV server",
        hint="Type the server's CalDAV URL as your provider documents it (it starts with https://).",
        needs_url=True,
    ),
}

_NEXTCLOUD_DAV_PATH = "/remote.php/dav"


def nextcloud_url(host: str) -> str:
    """The CalDAV URL of a Nextcloud instance from its host (``cloud.example.com[:port][/path]``).

    Accepts what users paste: a bare host, a host with a sub-path where Nextcloud is installed,
    or a full https URL (even one already ending in ``/remote.php/dav``).
    """
    text = host.strip()
    if not text:
        raise UserInputError("Type the host name of your Nextcloud server, for example cloud.example.com.")
    if "://" not in text:
        text = "https://" + text
    parts = _split_http_url(text, what="Nextcloud host")
    path = parts.path.rstrip("/")
    marker = path.find("/remote.php")
    if marker >= 0:
        path = path[:marker]
    return urlunsplit((parts.scheme, parts.netloc, path + _NEXTCLOUD_DAV_PATH, "", ""))


def _split_http_url(text: str, what: str):  # type: ignore[no-untyped-def] - urllib's SplitResult
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UserInputError(f"{text!r} is not a valid {what}; check it for typing mistakes.") from exc
    if parts.scheme not in ("http", "https"):
        raise UserInputError(f"The {what} must start with https:// (got {text!r}).")
    if not parts.hostname or any(c.isspace() for c in text):
        raise UserInputError(f"{text!r} is not a valid {what}; check it for typing mistakes.")
    return parts


def resolve_server_url(provider_type: str, url_or_host: str | None = None) -> str:
    """The CalDAV server URL for a preset and what the user typed.

    iCloud and Fastmail ignore the input; Nextcloud builds ``https://HOST/remote.php/dav``;
    generic takes the URL as given (it must be http or https with a host).
    """
    preset = PRESETS.get(provider_type)
    if preset is None:
        known = ", ".join(PRESETS)
        raise UserInputError(f"Unknown calendar service {provider_type!r}; choose one of: {known}.")
    if preset.fixed_url is not None:
        return preset.fixed_url
    if preset.needs_host:
        return nextcloud_url(url_or_host or "")
    text = (url_or_host or "").strip()
    if not text:
        raise UserInputError("Type the CalDAV URL of your server, for example https://dav.example.com/.")
    if "://" not in text:
        raise UserInputError(
            f"{text!r} is not a full URL; type it with https:// in front, for example https://{text}."
        )
    _split_http_url(text, what="CalDAV URL")
    return text


@dataclass(frozen=True)
class CalDAVLogin:
    """What the user typed, with any ``user:password@`` moved from the URL into the login fields."""

    url: str  #: the URL or host as typed, without user info
    username: str
    password: str = field(repr=False)
    url_had_password: bool = False  #: a password was found in the URL (the CLI warns about ``ps``)


def login_from_url(url_or_host: str | None, username: str, password: str) -> CalDAVLogin:
    """Take ``user[:password]@`` out of a typed URL or host; the URL never keeps it.

    The URL's user is the username when none was given; a different one given as well is refused
    (which one was meant cannot be guessed). The URL's password is the password only when none was
    given; a typed password wins. Both are percent-decoded (``mark%40example.com`` is
    ``mark@example.com``); an unencoded ``@`` in the user or password is read as browsers do: the
    host starts after the last ``@``.
    """
    text = (url_or_host or "").strip()
    scheme_end = text.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    authority_end = len(text)
    for stop in "/?#":
        found = text.find(stop, start)
        if found >= 0:
            authority_end = min(authority_end, found)
    userinfo, at, _host = text[start:authority_end].rpartition("@")
    if not at:
        return CalDAVLogin(text, username.strip(), password)
    url = text[:start] + text[start + len(userinfo) + 1:]
    url_user, colon, url_password = userinfo.partition(":")
    url_user, url_password = unquote(url_user), unquote(url_password)
    given = username.strip()
    if url_user and given and url_user != given:
        raise UserInputError(
            f"The URL names the user {url_user!r} but the username given is {given!r}; remove "
            "the user (and any password) before the @ in the URL, or give the same username."
        )
    return CalDAVLogin(
        url=url,
        username=given or url_user,
        password=password or url_password,
        url_had_password=bool(colon and url_password),
    )
