"""Outgoing webhooks (Standard Webhooks): the endpoints other services registered, and each delivery to them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import uuid7


class WebhookEndpoint(Model):
    """A receiver of domain events (`billing.outgoing`); its secret is returned once, never stored or logged.

    The signing secret is derived from GATEWAY_SECRET and a random salt (`billing.outgoing.secret_for`):
    the database holds the salt only, so a copy of it alone cannot sign (or read) anything."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=500, default="")
    event_types: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    """The types delivered; an empty list means every type."""
    secret_salt = fields.CharField(max_length=64)
    """The current signing secret's salt (the secret itself is in one response only)."""
    previous_secret_salt = fields.CharField(max_length=64, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    """Until then deliveries are signed with both secrets (rotation overlap, 24 h)."""
    status = fields.CharField(max_length=16, default="enabled")
    """`enabled` or `disabled` (by an admin, or after failing continuously for `WEBHOOK_DISABLE_AFTER_SECONDS`)."""
    failing_since = fields.DatetimeField(null=True)
    """The first failed attempt since the last success; null while it answers."""
    disabled_reason = fields.CharField(max_length=64, null=True)
    fanned_out_sequence = fields.BigIntField(default=0)
    """The outbox cursor: every event up to it has its deliveries (fan-out moves it in the same transaction)."""
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoints"


class EventDelivery(Model):
    """One outbox event to one endpoint: pending until a 2xx (succeeded) or the retry window ends (failed)."""

    id = fields.UUIDField(primary_key=True, default=uuid7)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id = fields.UUIDField()
    """The outbox event's stable id (`webhook-id`)."""
    event_sequence = fields.BigIntField()
    event_type = fields.CharField(max_length=64)
    object_id = fields.CharField(max_length=128)
    """Deliveries of one object to one endpoint go out in `event_sequence` order."""
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    response_excerpt = fields.CharField(max_length=1024, null=True)
    """At most 1 KB of the last response body; never more."""
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_deliveries"
        indexes = (("endpoint_id", "status", "next_attempt_at"), ("endpoint_id", "object_id", "event_sequence"))
