"""Who is calling: the principal behind an `Authorization: Bearer …` header.

Above the credentials it reads: API keys (`billing.credentials`), customer session tokens
(`billing.session_tokens`) and the revoked sessions (`billing.revocations`); and the operator
console's cookie (`billing.console_sessions`), which carries its admin key's principal.
"""

from __future__ import annotations

import time

from base.principals import AuthenticationError, Principal
from base.settings import Settings, get_settings
from billing.console_sessions import authenticate_console_token
from billing.credentials import API_KEY_PREFIX, authenticate_api_key
from billing.revocations import revocations
from billing.session_tokens import verify_session_token
from billing.verified_credentials import verified_credentials


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
        cached = verified_credentials.api_key(token)
        if cached is not None:
            return cached
        generation, started = verified_credentials.generation, time.monotonic()
        principal = await authenticate_api_key(token)
        verified_credentials.remember_api_key(token, principal, generation, started)
        return principal
    settings = settings or get_settings()
    secret = settings.signing_secret()
    principal_of_token = verified_credentials.session(secret, token)
    if principal_of_token is None:
        principal_of_token = verify_session_token(settings, token)
        verified_credentials.remember_session(secret, token, principal_of_token)
    await revocations.check(principal_of_token)
    return principal_of_token


CONSOLE_COOKIE = "bg_console"
"""The console's session cookie (HttpOnly, SameSite=Strict): its token, never the API key."""
CONSOLE_CSRF_COOKIE = "bg_console_csrf"
"""Readable by the console's script, which echoes it in `X-CSRF-Token` (double submit)."""


async def authenticate_console_cookie(token: str | None) -> Principal:
    """The principal of a console session cookie (`CONSOLE_COOKIE`); AuthenticationError otherwise."""
    if not token:
        raise AuthenticationError("missing console session cookie")
    return await authenticate_console_token(token)
