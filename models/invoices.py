"""Mirror of Stripe invoices."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from models.base import StripeMirrorModel
from models.customers import Customer
from models.subscriptions import Subscription


class Invoice(StripeMirrorModel):
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="invoices", on_delete=fields.RESTRICT, db_index=True
    )
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="invoices", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    status = fields.CharField(max_length=32, db_index=True)
    number = fields.CharField(max_length=64, null=True)
    currency = fields.CharField(max_length=3)
    amount_due = fields.BigIntField(default=0)
    amount_paid = fields.BigIntField(default=0)
    amount_remaining = fields.BigIntField(default=0)
    total = fields.BigIntField(default=0)
    total_discount_amount = fields.BigIntField(default=0)
    """The sum of Stripe's `total_discount_amounts`: what discounts took off this invoice."""
    hosted_invoice_url = fields.TextField(null=True)
    payment_intent_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    """The PaymentIntent paying the invoice; current API versions link payments from this side only."""
    subscription_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    """Kept even before the subscription is mirrored, so that its later upsert links this invoice."""
    period_start = fields.DatetimeField(null=True)
    period_end = fields.DatetimeField(null=True)
    lines: list[dict[str, Any]] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    """Its line items as `billing.mirror.invoice_line_fields` keeps them (no card data); null: not read yet."""
    attempt_count = fields.IntField(default=0)
    """Stripe's `attempt_count`: payment attempts made so far (automatic retries and `payInvoice`)."""
    next_payment_attempt = fields.DatetimeField(null=True)
    """Stripe's `next_payment_attempt`: when Stripe retries automatically; null when it will not."""
    failure_notified_attempt = fields.IntField(null=True)
    """The `attempt_count` whose failure was last pushed live (`paymentFailed`): one frame per failed attempt."""

    customer_id: object
    subscription_id: object | None

    class Meta:
        table = "invoices"
