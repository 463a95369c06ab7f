"""The transactional outbox: one row per domain event, written in the transaction of the change it tells of."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.base import uuid7


class OutboxEvent(Model):
    """One domain event (`billing.outbox`); `sequence` is the feed's cursor, in commit order."""

    sequence = fields.BigIntField(primary_key=True)
    """BIGSERIAL, assigned under one transaction-level advisory lock, so sequence order is commit order."""
    id = fields.UUIDField(unique=True, default=uuid7)
    """The event's stable id (the envelope's `id`, Standard Webhooks' `webhook-id`)."""
    type = fields.CharField(max_length=64, db_index=True)
    occurred_at = fields.DatetimeField()
    object_kind = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=128)
    """The object's GraphQL global id."""
    customer_id = fields.CharField(max_length=128, null=True, db_index=True)
    """The customer's GraphQL global id; null for an object with none."""
    data: dict[str, Any] = fields.JSONField()  # type: ignore[assignment]
    schema_version = fields.SmallIntField(default=1)

    class Meta:
        table = "outbox_events"
        indexes = (("object_id", "sequence"),)


class OutboxRetention(Model):
    """How far the outbox's retention pruned (`billing.event_retention`): one row, id 1."""

    id = fields.SmallIntField(primary_key=True)
    pruned_through = fields.BigIntField(default=0)
    """The highest `sequence` pruned: a cursor below it may have missed events (0: nothing pruned yet)."""
    pruned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_retention"
