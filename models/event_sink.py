"""Where each stream sink (`billing.event_sink`) stands in the outbox: the last `sequence` its broker acknowledged."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class EventSinkPosition(Model):
    """One sink's cursor: every outbox event up to `sequence` was acknowledged by its broker."""

    name = fields.CharField(max_length=128, primary_key=True)
    """The sink's name: `nats:<stream>` (several gateways may publish to several streams)."""
    sequence = fields.BigIntField(default=0)
    """The last `OutboxEvent.sequence` published and acknowledged (0: none yet)."""
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_sink_positions"
