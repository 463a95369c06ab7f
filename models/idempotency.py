"""The idempotency ledger: one row per (principal, client key)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import uuid7


class LedgerStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class IdempotencyRecord(Model):
    id = fields.UUIDField(primary_key=True, default=uuid7)
    principal = fields.CharField(max_length=128)
    key = fields.CharField(max_length=255)
    operation = fields.CharField(max_length=64)
    request_hash = fields.CharField(max_length=64)
    status = fields.CharEnumField(LedgerStatus, max_length=16, default=LedgerStatus.IN_PROGRESS)
    response: dict[str, Any] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    created_at = fields.DatetimeField(db_index=True)
    locked_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("principal", "key"),)
