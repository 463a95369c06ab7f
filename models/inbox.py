"""The webhook inbox: every Stripe event as received, with its processing state."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields

from models.base import TimestampedModel


class EventStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"
    IGNORED = "ignored"


class WebhookEvent(TimestampedModel):
    stripe_event_id = fields.CharField(max_length=255, unique=True)
    type = fields.CharField(max_length=128, db_index=True)
    api_version = fields.CharField(max_length=64, null=True)
    livemode = fields.BooleanField(default=False)
    stripe_created = fields.DatetimeField()
    payload: dict[str, Any] = fields.JSONField()  # type: ignore[assignment]
    status = fields.CharEnumField(EventStatus, max_length=16, default=EventStatus.PENDING, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    enqueued_at = fields.DatetimeField(null=True)
    processing_started_at = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_events"
