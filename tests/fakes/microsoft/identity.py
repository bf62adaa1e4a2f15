"""The fake Microsoft identity platform (v2.0): discovery, consent, tokens with PKCE, refresh, revoke.

Follows the public contract MSAL relies on: the authorize endpoint answers ``response_mode=form_post``
with an auto-submitting HTML form aimed at the loopback ``redirect_uri`` (``query`` with a 302), the
token endpoint checks the PKCE verifier against the S256 challenge, and token responses carry
``id_token`` (echoing the ``nonce``), ``client_info`` (base64 ``{"uid","utid"}``), ``expires_in`` and
``scope``. Errors use the AAD shape ``{"error", "error_description", "error_codes"}``.

Refresh tokens rotate: every refresh answers with a new one, as Microsoft's do ("save the newly issued
refresh token, replacing the one you used"). With ``single_use_refresh_tokens`` (the default) the one
redeemed is refused afterwards (``invalid_grant``) — stricter than Microsoft, which may keep honouring
it for a while — so a test proves the app always keeps the newest; access tokens already issued stay
valid until they expire, as JWTs do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

#: Scopes MSAL adds on its own; never part of an access token's audience scopes.
RESERVED = {"openid", "profile", "offline_access"}
#: Graph delegated permissions the fake knows.
KNOWN_SCOPES = {"Calendars.Read", "Calendars.ReadWrite", "User.Read"} | RESERVED


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class IdentityError(Exception):
    def __init__(self, status: int, error: str, description: str, code: int) -> None:
        super().__init__(description)
        self.status, self.error, self.description, self.code = status, error, description, code

    def body(self) -> dict[str, object]:
        return {"error": self.error, "error_description": f"AADSTS{self.code}: {self.description}",
                "error_codes": [self.code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: list[str]
    nonce: str | None
    used: bool = False


@dataclass
class AccessToken:
    scopes: set[str]
    expires_at: float
    refresh_token: str


@dataclass
class IdentityState:
    """Every grant issued; guarded by the fake's lock."""

    lock: threading.RLock
    client_id: str
    user_oid: str
    tenant_id: str
    username: str
    display_name: str
    access_token_lifetime: int = 3600
    #: "allow" or "deny" (the user cancelled: error=access_denied).
    consent: str = "allow"
    #: When set, the consent answer carries this ``state`` instead of the client's.
    tamper_state: str | None = None
    codes: dict[str, _Code] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    #: refresh token -> revoked?
    refresh_tokens: dict[str, bool] = field(default_factory=dict)
    #: Refuse a refresh token once it was redeemed for a newer one.
    single_use_refresh_tokens: bool = True
    #: Refresh tokens redeemed (rotated out), oldest first.
    redeemed_refresh_tokens: list[str] = field(default_factory=list)
    #: Every code_challenge accepted and every code_verifier checked successfully (PKCE evidence).
    challenges_seen: list[str] = field(default_factory=list)
    verifiers_ok: int = 0
    #: Grant types served, in order.
    grants: list[str] = field(default_factory=list)

    def discovery(self, base: str, tenant: str) -> dict[str, object]:
        root = f"{base}/{tenant}"
        return {
            "issuer": f"{base}/{self.tenant_id}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "tenant_region_scope": "EU",
        }

    # ------------------------------------------------------------------ consent

    def authorize(self, params: dict[str, str]) -> tuple[int, str, str]:
        """GET .../authorize → (status, content type or "location", body or Location)."""
        with self.lock:
            if params.get("client_id") != self.client_id:
                return 400, "text/plain", "AADSTS700016: Application not found in the directory."
            redirect_uri = params.get("redirect_uri", "")
            parts = urlsplit(redirect_uri)
            if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1"):
                return 400, "text/plain", "AADSTS50011: The redirect URI does not match a loopback address."
            mode = params.get("response_mode", "query")
            state = params.get("state")

            def back(**values: str) -> tuple[int, str, str]:
                if state is not None:
                    values["state"] = self.tamper_state or state
                if mode == "form_post":
                    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                                     for k, v in values.items())
                    page = (f'<html><body onload="document.forms[0].submit()"><form method="POST" '
                            f'action="{html.escape(redirect_uri)}">{inputs}</form></body></html>')
                    return 200, "text/html; charset=utf-8", page
                sep = "&" if parts.query else "?"
                return 302, "location", f"{redirect_uri}{sep}{urlencode(values)}"

            if params.get("response_type") != "code":
                return back(error="unsupported_response_type")
            scopes = params.get("scope", "").split()
            if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
                return back(error="invalid_scope", error_description="AADSTS70011: invalid scope")
            challenge = params.get("code_challenge", "")
            if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
                return back(error="invalid_request", error_description="AADSTS9002325: PKCE is required.")
            if self.consent != "allow":
                return back(error="access_denied", error_description="AADSTS65004: User declined to consent.")
            self.challenges_seen.append(challenge)
            code = "0.A" + secrets.token_urlsafe(30)
            self.codes[code] = _Code(self.client_id, redirect_uri, challenge, scopes, params.get("nonce"))
            return back(code=code, session_state=secrets.token_hex(8))

    # ------------------------------------------------------------------ token endpoint

    def _id_token(self, base: str, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, object] = {
            "aud": self.client_id, "iss": f"{base}/{self.tenant_id}/v2.0", "iat": now, "nbf": now,
            "exp": now + 3600, "name": self.display_name, "oid": self.user_oid,
            "preferred_username": self.username, "sub": _b64url(self.user_oid.encode()),
            "tid": self.tenant_id, "ver": "2.0"}
        if nonce:
            claims["nonce"] = nonce
        header = {"typ": "JWT", "alg": "RS256", "kid": "fake"}
        return ".".join([_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()),
                         _b64url(b"not-a-real-signature")])

    def _issue(self, base: str, scopes: list[str], nonce: str | None) -> dict[str, object]:
        granted = [s for s in scopes if s not in RESERVED] or ["User.Read"]
        access = "eyJ0eXAi." + secrets.token_urlsafe(32)
        refresh = "0.AR" + secrets.token_urlsafe(40)
        self.refresh_tokens[refresh] = False
        self.access_tokens[access] = AccessToken(set(granted), time.time() + self.access_token_lifetime, refresh)
        client_info = _b64url(json.dumps({"uid": self.user_oid, "utid": self.tenant_id}).encode())
        return {"token_type": "Bearer", "scope": " ".join(granted + ["openid", "profile"]),
                "expires_in": self.access_token_lifetime, "ext_expires_in": self.access_token_lifetime,
                "access_token": access, "refresh_token": refresh, "id_token": self._id_token(base, nonce),
                "client_info": client_info}

    def token(self, base: str, form: dict[str, str]) -> dict[str, object]:
        with self.lock:
            if form.get("client_id") != self.client_id:
                raise IdentityError(400, "unauthorized_client", "Application not found in the directory.", 700016)
            grant = form.get("grant_type", "")
            self.grants.append(grant)
            if grant == "authorization_code":
                code = self.codes.get(form.get("code", ""))
                if code is None or code.used:
                    raise IdentityError(400, "invalid_grant", "The provided authorization code is invalid or "
                                        "has been used.", 70000)
                code.used = True
                if form.get("redirect_uri") != code.redirect_uri:
                    raise IdentityError(400, "invalid_grant", "The reply URL does not match.", 500112)
                verifier = form.get("code_verifier", "")
                if _b64url(hashlib.sha256(verifier.encode()).digest()) != code.challenge:
                    raise IdentityError(400, "invalid_grant", "The code_verifier does not match the "
                                        "code_challenge supplied in the authorization request.", 501481)
                self.verifiers_ok += 1
                return self._issue(base, code.scopes, code.nonce)
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                if self.refresh_tokens.get(token, True):
                    raise IdentityError(400, "invalid_grant", "The refresh token has been revoked or has "
                                        "expired; the user must sign in again.", 50173)
                if self.single_use_refresh_tokens and token in self.redeemed_refresh_tokens:
                    raise IdentityError(400, "invalid_grant", "The refresh token was already redeemed for "
                                        "a newer one.", 70000)
                asked = form.get("scope", "").split() or ["Calendars.ReadWrite"]
                if any(s not in KNOWN_SCOPES for s in asked):
                    raise IdentityError(400, "invalid_scope", "The scope is not valid.", 70011)
                self.redeemed_refresh_tokens.append(token)
                return self._issue(base, asked, None)
            raise IdentityError(400, "unsupported_grant_type", f"Unsupported grant_type {grant!r}.", 70003)

    def mint(self, base: str, scopes: list[str]) -> dict[str, object]:
        """A token response as if consent had run (for tests that start connected)."""
        with self.lock:
            return self._issue(base, scopes, None)

    # ------------------------------------------------------------------ resource side

    def check_bearer(self, authorization: str | None) -> AccessToken | None:
        with self.lock:
            if not authorization or not authorization.lower().startswith("bearer "):
                return None
            record = self.access_tokens.get(authorization[7:].strip())
            if record is None or record.expires_at <= time.time() or self.refresh_tokens.get(record.refresh_token):
                return None
            return record

    def expire_access_tokens(self) -> None:
        with self.lock:
            for record in self.access_tokens.values():
                record.expires_at = time.time() - 1

    def revoke_refresh_tokens(self) -> None:
        """The user (or an admin) revoked every session: refresh and access tokens stop working."""
        with self.lock:
            for key in self.refresh_tokens:
                self.refresh_tokens[key] = True
