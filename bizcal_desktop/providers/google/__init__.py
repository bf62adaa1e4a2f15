"""Google Calendar: loopback OAuth (``oauth``), the provider (``provider``) and its helpers."""

from bizcal_desktop.providers.google.oauth import SCOPES, GoogleGrant, authorize_google, revoke
from bizcal_desktop.providers.google.provider import GoogleProvider

__all__ = ["SCOPES", "GoogleGrant", "GoogleProvider", "authorize_google", "revoke"]
