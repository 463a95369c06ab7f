"""Customer sessions: one row per token `createCustomerSession` issued, so a session can be revoked."""

from __future__ import annotations

from tortoise import fields

from models.base import TimestampedModel


class CustomerSession(TimestampedModel):
    """A session token's claims (never the token) and, once revoked, when and by whom.

    Rows are purged a day after they expire; by then their tokens are refused anyway.
    """

    jti = fields.CharField(max_length=64, unique=True)
    """The token's `jti`: the session's id in the API (`sessionId`)."""
    customer_id = fields.UUIDField(db_index=True)
    minted_by = fields.CharField(max_length=64, db_index=True)
    """The API key that created it."""
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by = fields.CharField(max_length=128, null=True)
    """The ledger scope of the principal that revoked it (`api_key:<id>` or `customer_session:<jti>`)."""

    class Meta:
        table = "customer_sessions"
