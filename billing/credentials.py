"""API keys, the credentials of backends: made, revoked, and resolved to their principal.

An API key looks like `bgk_<8 hex id>_<43 url-safe chars>`. Only its SHA-256 hash is
stored (the key carries 256 bits of randomness, so a plain hash is safe against
brute force); the `bgk_<id>` prefix is kept in clear so operators can recognise it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from uuid import UUID

from base.principals import AuthenticationError, Principal, Scope, effective_scopes
from models import ApiKey

API_KEY_PREFIX = "bgk_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


async def create_api_key(name: str, scopes: frozenset[Scope]) -> tuple[ApiKey, str]:
    """Store a new key and return it with its raw value (shown once, never stored)."""
    public_id = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}{public_id}_{secrets.token_urlsafe(32)}"
    key = await ApiKey.create(
        name=name,
        prefix=f"{API_KEY_PREFIX}{public_id}",
        key_hash=hash_api_key(raw_key),
        scopes=sorted(s.value for s in scopes),
    )
    return key, raw_key


async def revoke_api_key(key_id: UUID) -> bool:
    """Revoke a key; False when no active key has that id."""
    updated = await ApiKey.filter(id=key_id, revoked_at__isnull=True).update(revoked_at=datetime.now(UTC))
    return updated > 0


async def authenticate_api_key(raw_key: str) -> Principal:
    """The principal for an API key, or AuthenticationError."""
    if not raw_key.startswith(API_KEY_PREFIX):
        raise AuthenticationError("malformed API key")
    key = await ApiKey.get_or_none(key_hash=hash_api_key(raw_key))
    if key is None:
        raise AuthenticationError("unknown API key")
    if key.revoked_at is not None:
        raise AuthenticationError("revoked API key")
    return Principal(kind="api_key", id=str(key.id), scopes=effective_scopes(Scope(s) for s in key.scopes))
