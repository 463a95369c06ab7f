"""Who is calling: the principal behind an `Authorization: Bearer …` header.

Above the credentials it reads: API keys (`billing.credentials`), customer session tokens
(`billing.session_tokens`) and the revoked sessions (`billing.revocations`); and the operator
console's cookie (`billing.console_sessions`), which carries its admin key's principal.
"""

from __future__ import annotations

from base.principals import AuthenticationError, Principal
from base.settings import Settings, get_settings
from billing.console_sessions import authenticate_console_token
from billing.credentials import API_KEY_PREFIX, authenticate_api_key
from billing.revocations import revocations
from billing.session_tokens import verify_session_token


async def authenticate_bearer(header: str | None, settings: Settings | None = None) -> Principal:
    """Resolve an `Authorization: Bearer …` header value to a principal.

    A token starting `bgk_` is an API key; anything else must be a customer session token,
    checked with `settings` (the process's settings when not given) and against the revoked
    sessions (`billing.revocations`).
    """
    if not header:
        raise AuthenticationError("missing Authorization header")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("expected 'Authorization: Bearer <token>'")
    if token.startswith(API_KEY_PREFIX):
        return await authenticate_api_key(token)
    principal = verify_session_token(settings or get_settings(), token)
    await revocations.check(principal)
    return principal


CONSOLE_COOKIE = "bg_console"
"""The console's session cookie (HttpOnly, SameSite=Strict): its token, never the API key."""
CONSOLE_CSRF_COOKIE = "bg_console_csrf"
"""Readable by the console's script, which echoes it in `X-CSRF-Token` (double submit)."""


async def authenticate_console_cookie(token: str | None) -> Principal:
    """The principal of a console session cookie (`CONSOLE_COOKIE`); AuthenticationError otherwise."""
    if not token:
        raise AuthenticationError("missing console session cookie")
    return await authenticate_console_token(token)
