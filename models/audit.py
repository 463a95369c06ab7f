"""The audit trail: who did what with money, and what Stripe told us."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import uuid7


class AuditEntry(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    occurred_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    principal = fields.CharField(max_length=128, db_index=True)
    operation = fields.CharField(max_length=64, db_index=True)
    object_ids: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    idempotency_key = fields.CharField(max_length=255, null=True)
    stripe_request_id = fields.CharField(max_length=255, null=True)
    stripe_event_id = fields.CharField(max_length=255, null=True)
    request_id = fields.CharField(max_length=64, null=True)
    outcome = fields.CharField(max_length=32)
    detail: dict[str, Any] | None = fields.JSONField(null=True)  # type: ignore[assignment]

    class Meta:
        table = "audit_entries"
