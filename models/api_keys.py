"""API keys for backend clients; only a SHA-256 hash of the raw key is stored."""

from __future__ import annotations

from tortoise import fields

from models.base import TimestampedModel


class ApiKey(TimestampedModel):
    name = fields.CharField(max_length=128)
    prefix = fields.CharField(max_length=16, db_index=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    scopes: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
