"""Microsoft 365 / Outlook.com through Graph: MSAL sign-in (``oauth``), the provider and its helpers."""

from bizcal_desktop.providers.microsoft.oauth import SCOPES, MicrosoftGrant, authorize_microsoft
from bizcal_desktop.providers.microsoft.provider import MicrosoftProvider

__all__ = ["SCOPES", "MicrosoftGrant", "MicrosoftProvider", "authorize_microsoft"]
