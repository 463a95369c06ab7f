"""Operator console sign-ins: an admin API key exchanged for a cookie (gateway/console_auth.py)."""

from __future__ import annotations

from tortoise import fields

from models.base import TimestampedModel


class ConsoleSession(TimestampedModel):
    """One console sign-in; the cookie's token is kept only as its SHA-256 hash.

    A row is what sign-out revokes (`revoked_at`), so a copied cookie dies with it; rows expire
    after CONSOLE_SESSION_TTL (billing/console_sessions.py) and are purged a day later.
    """

    token_hash = fields.CharField(max_length=64, unique=True)
    api_key_id = fields.UUIDField(db_index=True)
    """The admin key signed in with: its principal is the session's, and revoking it ends the session."""
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "console_sessions"
