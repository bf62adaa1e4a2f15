"""``redact()`` over every shape a credential takes in a log line or an error text.

The shapes come from what the libraries really print: requests-oauthlib logs the token dict as a
Python repr and the token request's form body, requests the headers dict (``'Authorization': 'Basic
...'``), google-auth's ``Credentials.to_json()`` is JSON, CalDAV URLs may carry ``user:password@``.
Each property builds the text around a generated secret and checks the exact masked result, so a
secret can neither survive nor take its neighbours with it.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from bizcal_desktop.redaction import redact

MASK = "***"

#: Token-ish secrets (RFC 6750 token68 plus what Google's and Microsoft's tokens use).
secrets = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/",
                  min_size=1, max_size=60)
#: Any printable password without quotes or backslashes (those change how a repr quotes it).
passwords = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\"'\\"),
                    min_size=1, max_size=40)
SECRET_KEYS = ["access_token", "refresh_token", "id_token", "token", "client_secret", "code",
               "code_verifier", "password", "secret", "accessToken", "refreshToken"]
keys = st.sampled_from(SECRET_KEYS)


@given(keys, secrets.filter(lambda s: not s.isdigit()))
def test_json_pairs_are_masked(key: str, secret: str) -> None:
    text = json.dumps({key: secret, "expires_in": 3599, "token_type": "Bearer"})
    assert redact(text) == json.dumps({key: MASK, "expires_in": 3599, "token_type": "Bearer"})


@given(secrets, secrets, secrets)
def test_python_repr_of_a_token_dict_is_masked(access: str, refresh: str, id_token: str) -> None:
    token = {"access_token": access, "expires_in": 3599, "refresh_token": refresh,
             "scope": ["https://www.googleapis.com/auth/calendar.events"], "token_type": "Bearer",
             "id_token": id_token, "expires_at": 1767225600.5}
    masked = {**token, "access_token": MASK, "refresh_token": MASK, "id_token": MASK}
    assert redact(f"Obtained token {token!r}.") == f"Obtained token {masked!r}."


@given(passwords)
def test_python_repr_with_single_quotes_and_keyword_arguments(password: str) -> None:
    assert redact(f"Credentials(token={password!r}, quota=None)") == "Credentials(token='***', quota=None)"
    assert redact(repr({"password": password})) == "{'password': '***'}"


@given(secrets.filter(lambda s: not s.isdigit()), secrets, secrets, passwords)
def test_form_encoded_bodies_are_masked(code: str, verifier: str, client_secret: str, refresh: str) -> None:
    body = urlencode({"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                      "redirect_uri": "http://127.0.0.1:5000/", "client_id": "123.apps",
                      "client_secret": client_secret})
    assert redact(body) == (
        "grant_type=authorization_code&code=***&code_verifier=***&"
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2F&client_id=123.apps&client_secret=***"
    )
    refresh_body = urlencode({"grant_type": "refresh_token", "refresh_token": refresh, "scope": "x"})
    assert redact(refresh_body) == "grant_type=refresh_token&refresh_token=***&scope=x"
    assert redact(f"GET /?state=abc&code={code}&scope=x") == "GET /?state=abc&code=***&scope=x"


@given(passwords, passwords)
def test_basic_authorization_keeps_the_scheme_and_masks_the_credentials(user: str, password: str) -> None:
    credential = base64.b64encode(f"{user}:{password}".encode()).decode()
    assert redact(f"Authorization: Basic {credential}") == "Authorization: Basic ***"
    headers = {"User-Agent": "python-requests/2", "Authorization": f"Basic {credential}"}
    assert redact(f"Request headers were {headers!r}") == (
        "Request headers were {'User-Agent': 'python-requests/2', 'Authorization': 'Basic ***'}"
    )
    assert redact(json.dumps({"authorization": f"Basic {credential}"})) == '{"authorization": "Basic ***"}'
    # Outside a header too: it decodes to user:password, so it is a credential.
    assert redact(f"sent Basic {credential} to the server") == "sent Basic *** to the server"


@given(secrets.filter(lambda s: len(s) >= 8))
def test_bearer_keeps_the_scheme_and_masks_the_token(token: str) -> None:
    assert redact(f"Authorization: Bearer {token}") == "Authorization: Bearer ***"
    assert redact(repr({"Authorization": f"Bearer {token}"})) == "{'Authorization': 'Bearer ***'}"
    assert redact(f"curl -H 'Authorization: Bearer {token}'") == "curl -H 'Authorization: Bearer ***'"


@given(st.from_regex(r"[A-Za-z0-9._~-]{1,20}", fullmatch=True),
       st.text(alphabet="ABCabcxyz0123456789-._~!$&'()*+,;=%:", min_size=1, max_size=30))
def test_url_user_info_keeps_the_user_and_masks_the_password(user: str, password: str) -> None:
    url = f"https://{user}:{password}@caldav.example.com/dav/calendars/"
    assert redact(f"PROPFIND {url} failed") == (
        f"PROPFIND https://{user}:***@caldav.example.com/dav/calendars/ failed"
    )


@given(st.from_regex(r"[A-Za-z0-9._-]{1,12}@[a-z]{1,8}\.com", fullmatch=True),
       st.text(alphabet="ABCabcxyz0123456789-._~!$&()*+,;=%:@", min_size=1, max_size=30))
def test_url_user_info_with_an_email_user_or_an_at_in_the_password_is_masked(user: str, password: str) -> None:
    """Pasted unencoded, as users do: the host starts after the last @ (as urllib reads it)."""
    url = f"https://{user}:{password}@caldav.fastmail.com/dav/"
    assert redact(f"PROPFIND {url} failed") == f"PROPFIND https://{user}:***@caldav.fastmail.com/dav/ failed"


def test_json_escaped_inside_a_string_and_a_truncated_value_are_masked() -> None:
    inner = json.dumps({"refresh_token": "1//0gSecret"})
    assert "0gSecret" not in redact(json.dumps({"body": inner}))
    # sync-log and error texts are cut short: an unterminated value is masked up to the line's end
    assert redact('{"access_token": "ya29.a0AfH6SMBtrunc') == '{"access_token": "***'


def test_text_without_credentials_is_unchanged() -> None:
    for text in [
        "Basic auth failed",
        'WWW-Authenticate: Bearer realm="", error="invalid_token"',
        '{"error": {"code": 403, "message": "Rate Limit Exceeded"}}',
        "status_code=500 error_code=42",
        '"token_type": "Bearer", "token_uri": "https://oauth2.googleapis.com/token"',
        "secret oauth_token of 6f1c was already absent",
        "https://caldav.example.com:8443/dav/",
    ]:
        assert redact(text) == text
