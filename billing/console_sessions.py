"""Operator console sessions: an admin API key exchanged for a random cookie token (docs/console.md).

The cookie carries 256 random bits; only their SHA-256 hash is stored (`models.ConsoleSession`).
A session acts as the admin key it was made with (the same principal: its idempotency keys and
audit entries are the key's), ends at sign-out (`revoke`), after `CONSOLE_SESSION_TTL`, or when the
key is revoked or loses `admin`. Its CSRF token is an HMAC of the cookie token under the gateway's
signing secret: derived, never stored, and useless without reading a cookie only the console's
own origin can read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Final

from base.principals import AuthenticationError, Principal, Scope, effective_scopes
from base.settings import Settings
from billing.credentials import authenticate_api_key
from models import ApiKey, ConsoleSession

CONSOLE_SESSION_TTL: Final = timedelta(hours=8)
"""An operator's working day: the console asks for the key again after it."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(settings: Settings, token: str) -> str:
    """The CSRF token of the session whose cookie is `token` (echoed in `X-CSRF-Token`)."""
    return hmac.new(settings.signing_secret().encode(), b"console-csrf:" + token.encode(), "sha256").hexdigest()


def csrf_matches(settings: Settings, token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(csrf_token_for(settings, token), given)


async def open_session(raw_key: str) -> str:
    """Sign in with an admin API key: a new session's cookie token; AuthenticationError otherwise."""
    principal = await authenticate_api_key(raw_key.strip())
    if not principal.has_scope(Scope.ADMIN):
        raise AuthenticationError("the console needs an API key with the admin scope")
    token = secrets.token_urlsafe(32)
    await ConsoleSession.create(
        token_hash=_hash(token), api_key_id=principal.id, expires_at=datetime.now(UTC) + CONSOLE_SESSION_TTL
    )
    return token


async def authenticate_console_token(token: str) -> Principal:
    """The admin key's principal behind a console cookie; AuthenticationError when ended or unknown."""
    session = await ConsoleSession.get_or_none(token_hash=_hash(token))
    if session is None or session.revoked_at is not None:
        raise AuthenticationError("no such console session (signed out?)")
    if session.expires_at <= datetime.now(UTC):
        raise AuthenticationError("the console session expired: sign in again")
    key = await ApiKey.get_or_none(id=session.api_key_id)
    if key is None or key.revoked_at is not None:
        raise AuthenticationError("the console session's API key was revoked")
    scopes = effective_scopes(Scope(s) for s in key.scopes)
    if Scope.ADMIN not in scopes:
        raise AuthenticationError("the console session's API key is no longer admin")
    return Principal(kind="api_key", id=str(key.id), scopes=scopes)


async def revoke_session(token: str) -> None:
    """Sign out: the cookie is refused from now on, whoever holds a copy."""
    await ConsoleSession.filter(token_hash=_hash(token), revoked_at__isnull=True).update(revoked_at=datetime.now(UTC))


async def purge_expired_console_sessions() -> int:
    """Delete sessions expired a day ago (their cookies are refused anyway)."""
    return await ConsoleSession.filter(expires_at__lt=datetime.now(UTC) - timedelta(days=1)).delete()
