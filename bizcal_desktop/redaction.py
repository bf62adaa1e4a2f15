"""Masking credentials in text before it is logged or stored.

A module of its own, below every layer, so that the store (sync-log messages), the providers (error
texts) and the log handler can all mask secrets without importing the keychain module.

Credentials reach text in a handful of shapes, and each needs its own rule:

* ``key=value`` pairs whose key names a secret, in every notation a library may print: JSON
  (``"access_token": "ya29..."``), a Python repr (``{'refresh_token': '1//...'}``, ``token='...'``),
  form-encoded bodies and query strings (``code=4/0A...&client_secret=...``), header lines
  (``Authorization: Basic dXNlcjpwdw==``). A value that starts with an authorization scheme keeps the
  scheme word (``Bearer ***``) so a log still says which kind of credential was sent.
* a bare ``Bearer <token>`` or ``Basic <base64 of user:password>`` outside such a pair;
* the password of a URL's user info (``https://user:pw@host`` → ``https://user:***@host``, also
  when the user is an e-mail address or the password holds an ``@``).

Masking errs on the side of hiding: a word that merely looks like a key (``token: expired``) loses its
value, which costs a little clarity in a log line and never a secret.
"""

from __future__ import annotations

import base64
import binascii
import re

MASK = "***"

#: Keys whose value is a secret: any key ending in one of these words (``client_secret``,
#: ``id_token``, ``refreshToken``), plus a few exact names. ``code`` is the OAuth authorization code.
_KEY = (
    r"(?<![\w/-])"
    r"(?P<key>[\w-]*(?:password|passwd|passphrase|secret|token|code_verifier|assertion|api[_-]?key)"
    r"|code|device_code|(?:proxy-)?authorization)"
)
#: The key's closing quote (also a JSON quote escaped inside a string), then ``:`` or ``=``.
_SEPARATOR = r"(?P<sep>(?:\\?[\"'])?[ \t]*[:=][ \t]*)"
#: Authorization schemes whose word is kept in front of the masked credential.
_SCHEMES = r"(?:Bearer|Basic|Digest|Negotiate|NTLM|Token|MAC|PoP|DPoP)"
_STOP = r"\s&,;\"'\\}\])<>"
_VALUE = (
    r"(?:(?P<quote>\\?[\"'])(?P<quoted>(?:\\.|.)*?)(?P<close>(?P=quote)|$)"
    rf"|(?P<bare>(?:{_SCHEMES}[ \t]+)?[^{_STOP}{{\[(][^{_STOP}]*))"
)
_PAIR = re.compile(_KEY + _SEPARATOR + _VALUE, re.IGNORECASE | re.MULTILINE)
_SCHEME_PREFIX = re.compile(rf"^({_SCHEMES}[ \t]+)(\S.*)$", re.IGNORECASE | re.DOTALL)

#: ``scheme://user:password@``; the user may hold an unencoded ``@`` (an e-mail address) and the host
#: starts after the last ``@`` before the path, as in :func:`urllib.parse.urlsplit`.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:?#]*:)([^\s/?#]+)(@)")
_BEARER = re.compile(r"(?i)\b(Bearer[ \t]+)([A-Za-z0-9._~+/_-]{8,}=*)(?![\w.~+/=\"'-])")
_BASIC = re.compile(r"(?i)\b(Basic[ \t]+)([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])")


def _mask_value(value: str) -> str:
    if not value or value == MASK:
        return value
    scheme = _SCHEME_PREFIX.match(value)
    if scheme:
        return scheme.group(1) + MASK
    return MASK


def _mask_pair(match: re.Match[str]) -> str:
    key, sep = match.group("key"), match.group("sep")
    if match.group("quote") is not None:
        value = match.group("quoted")
        if key.lower() == "code" and value.isdigit():  # an error code ("code": "403"), not a grant
            return match.group(0)
        return f"{key}{sep}{match.group('quote')}{_mask_value(value)}{match.group('close')}"
    value = match.group("bare")
    if key.lower() == "code" and value.isdigit():
        return match.group(0)
    return f"{key}{sep}{_mask_value(value)}"


def _mask_basic(match: re.Match[str]) -> str:
    """Mask ``Basic <b64>`` only when it decodes to ``user:password`` (not "Basic auth failed")."""
    try:
        decoded = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return f"{match.group(1)}{MASK}" if b":" in decoded else match.group(0)


def redact(text: str) -> str:
    """Mask anything that looks like a credential in ``text`` before it is logged or stored."""
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    text = _PAIR.sub(_mask_pair, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _BASIC.sub(_mask_basic, text)
