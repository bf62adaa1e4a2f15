"""The fake's authorization server: clients, consent codes (with PKCE), access and refresh tokens.

Follows Google's installed-app flow: the consent endpoint redirects to a loopback ``redirect_uri``
with ``code`` and ``state``; the token endpoint exchanges the code once, checking the client's
credentials (HTTP Basic or form), the redirect URI and the PKCE verifier against the S256
challenge; refresh tokens mint new access tokens until revoked. Token-endpoint errors use the
OAuth shape ``{"error", "error_description"}``, as Google does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from tests.fakes.google.errors import OAuthError

#: Scopes the fake knows (a subset of Google's); anything else is ``invalid_scope``.
CALENDAR_SCOPE_PREFIX = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {
    CALENDAR_SCOPE_PREFIX + s
    for s in ("calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly",
              "calendar.events.owned", "calendar.app.created", "calendar.calendarlist",
              "calendar.calendarlist.readonly", "calendar.calendars", "calendar.calendars.readonly",
              "calendar.freebusy", "calendar.events.freebusy", "userinfo.email")
} | {"openid", "email", "profile"}


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: list[str]
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    client_id: str
    scopes: set[str]
    expires_at: float
    refresh_token: str | None


@dataclass
class RefreshToken:
    client_id: str
    scopes: list[str]
    revoked: bool = False


@dataclass
class OAuthState:
    """Every grant the fake has issued; guarded by the fake's lock."""

    lock: threading.RLock
    clients: dict[str, str] = field(default_factory=dict)
    access_token_lifetime: int = 3600
    #: "allow" (consent given), "deny" (user clicked Cancel: error=access_denied).
    consent: str = "allow"
    #: When set, the consent redirect carries this ``state`` instead of the client's (attack test).
    tamper_state: str | None = None
    codes: dict[str, _Code] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    #: Every code_challenge the consent endpoint accepted (tests check PKCE was used).
    challenges_seen: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ consent

    def authorize(self, params: dict[str, str]) -> tuple[int, str]:
        """GET /o/oauth2/auth → (status, Location or error text)."""
        with self.lock:
            client_id = params.get("client_id", "")
            if client_id not in self.clients:
                return 400, "Error 401: invalid_client. The OAuth client was not found."
            redirect_uri = params.get("redirect_uri", "")
            parts = urlsplit(redirect_uri)
            if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                return 400, "Error 400: redirect_uri_mismatch. Desktop clients must use a loopback redirect."
            state = params.get("state")

            def back(**values: str) -> tuple[int, str]:
                if state is not None:
                    values["state"] = self.tamper_state or state
                sep = "&" if parts.query else "?"
                return 302, f"{redirect_uri}{sep}{urlencode(values)}"

            if params.get("response_type") != "code":
                return back(error="unsupported_response_type")
            scopes = params.get("scope", "").split()
            if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
                return back(error="invalid_scope")
            challenge = params.get("code_challenge", "")
            if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
                return back(error="invalid_request", error_description="PKCE S256 code_challenge required")
            if self.consent != "allow":
                return back(error="access_denied")
            self.challenges_seen.append(challenge)
            code = "4/" + secrets.token_urlsafe(24)
            self.codes[code] = _Code(client_id, redirect_uri, challenge, scopes, time.time() + 600)
            return back(code=code, scope=" ".join(scopes))

    # ------------------------------------------------------------------ token endpoint

    def _client(self, form: dict[str, str], authorization: str | None) -> str:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = raw.partition(":")
        if not client_id or self.clients.get(client_id) != secret:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        return client_id

    def _issue(self, client_id: str, scopes: list[str], refresh_token: str | None) -> dict[str, object]:
        access = "ya29." + secrets.token_urlsafe(32)
        self.access_tokens[access] = AccessToken(
            client_id, set(scopes), time.time() + self.access_token_lifetime, refresh_token)
        body: dict[str, object] = {"access_token": access, "expires_in": self.access_token_lifetime,
                                   "scope": " ".join(scopes), "token_type": "Bearer"}
        return body

    def token(self, form: dict[str, str], authorization: str | None) -> dict[str, object]:
        """POST /token: authorization_code or refresh_token grant."""
        with self.lock:
            client_id = self._client(form, authorization)
            grant = form.get("grant_type")
            if grant == "authorization_code":
                code = self.codes.get(form.get("code", ""))
                if code is None or code.used or code.expires_at < time.time() or code.client_id != client_id:
                    raise OAuthError(400, "invalid_grant", "Malformed auth code.")
                code.used = True
                if form.get("redirect_uri") != code.redirect_uri:
                    raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
                verifier = form.get("code_verifier")
                if not verifier:
                    raise OAuthError(400, "invalid_grant", "Missing code verifier.")
                digest = hashlib.sha256(verifier.encode()).digest()
                if base64.urlsafe_b64encode(digest).decode().rstrip("=") != code.challenge:
                    raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
                refresh = "1//" + secrets.token_urlsafe(32)
                self.refresh_tokens[refresh] = RefreshToken(client_id, code.scopes)
                body = self._issue(client_id, code.scopes, refresh)
                body["refresh_token"] = refresh
                return body
            if grant == "refresh_token":
                record = self.refresh_tokens.get(form.get("refresh_token", ""))
                if record is None or record.revoked or record.client_id != client_id:
                    raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
                asked = form.get("scope", "").split() or record.scopes
                if any(s not in record.scopes for s in asked):
                    raise OAuthError(400, "invalid_scope", "Bad Request")
                return self._issue(client_id, asked, form["refresh_token"])
            raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant))

    def mint(self, client_id: str, scopes: list[str]) -> dict[str, object]:
        """Issue a grant as if the consent flow had run (for tests that start already connected)."""
        with self.lock:
            refresh = "1//" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = RefreshToken(client_id, list(scopes))
            body = self._issue(client_id, list(scopes), refresh)
            body["refresh_token"] = refresh
            return body

    def revoke(self, token: str) -> None:
        """POST /revoke: revoking either token of a grant ends the whole grant, as at Google."""
        with self.lock:
            refresh: str | None
            if token in self.refresh_tokens:
                refresh = token
            elif token in self.access_tokens:
                refresh = self.access_tokens[token].refresh_token
                self.access_tokens.pop(token)
            else:
                raise OAuthError(400, "invalid_token", "Token expired or revoked")
            if refresh is not None and refresh in self.refresh_tokens:
                self.refresh_tokens[refresh].revoked = True
                for key in [k for k, v in self.access_tokens.items() if v.refresh_token == refresh]:
                    del self.access_tokens[key]

    # ------------------------------------------------------------------ resource-server side

    def check_bearer(self, authorization: str | None) -> AccessToken | None:
        """The valid, unexpired access token in an ``Authorization: Bearer`` header, or None."""
        with self.lock:
            if not authorization or not authorization.lower().startswith("bearer "):
                return None
            record = self.access_tokens.get(authorization[7:].strip())
            if record is None or record.expires_at <= time.time():
                return None
            return record

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (the app must refresh)."""
        with self.lock:
            for record in self.access_tokens.values():
                record.expires_at = time.time() - 1

    def revoke_refresh_tokens(self, token: str | None = None) -> None:
        """Revoke one refresh token, or all of them (the user removed the app's access)."""
        with self.lock:
            for key, record in self.refresh_tokens.items():
                if token is None or key == token:
                    record.revoked = True
            for key in [k for k, v in self.access_tokens.items()
                        if v.refresh_token and self.refresh_tokens[v.refresh_token].revoked]:
                del self.access_tokens[key]
