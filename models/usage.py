"""Usage-based billing: mirrored Billing Meters, and the usage events recorded against them (our own ledger)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import StripeMirrorModel, uuid7
from models.customers import Customer


class Meter(StripeMirrorModel):
    """A Stripe Billing Meter (`mtr_…`): what an `event_name` counts, and how its events are aggregated."""

    display_name = fields.CharField(max_length=255)
    event_name = fields.CharField(max_length=100, db_index=True)
    formula = fields.CharField(max_length=16)
    """`sum`, `count` or `last` (Stripe's `default_aggregation.formula`)."""
    status = fields.CharField(max_length=16)
    customer_payload_key = fields.CharField(max_length=100, default="stripe_customer_id")
    value_payload_key = fields.CharField(max_length=100, default="value")

    class Meta:
        table = "meters"


class UsageEvent(Model):
    """One usage event, persisted before it is forwarded to Stripe as a meter event.

    `identifier` is unique (a repeat is ignored) and is Stripe's dedupe key too. `value` is a whole
    number, as Stripe's meter events take it. Pending: `forwarded_at` and `failed_at` both null.
    """

    id = fields.UUIDField(primary_key=True, default=uuid7)
    identifier = fields.CharField(max_length=100, unique=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="usage_events", on_delete=fields.RESTRICT, db_index=True
    )
    meter: fields.ForeignKeyRelation[Meter] = fields.ForeignKeyField(
        "models.Meter", related_name="usage_events", on_delete=fields.RESTRICT, db_index=True
    )
    value = fields.BigIntField()
    occurred_at = fields.DatetimeField()
    """The event's time (Stripe's `timestamp`), UTC."""
    created_at = fields.DatetimeField()
    enqueued_at = fields.DatetimeField(null=True)
    """When it was last handed to the forwarding actor (null: never, the sweeper sends it)."""
    forwarded_at = fields.DatetimeField(null=True, db_index=True)
    """When Stripe accepted it (or answered that it already had its identifier)."""
    failed_at = fields.DatetimeField(null=True)
    """When Stripe refused it for good (`last_error` says why); it is not sent again."""
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)

    customer_id: object
    meter_id: object

    class Meta:
        table = "usage_events"
        indexes = (("customer", "meter", "occurred_at"),)
