"""Revenue analytics: the MRR-relevant history of each subscription (the mirror itself keeps only the present)."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from models.base import TimestampedModel
from models.customers import Customer
from models.subscriptions import Subscription


class SubscriptionRevision(TimestampedModel):
    """One MRR-relevant state of a subscription, in force from `effective_at` until its next revision.

    Written by `billing.mirror.subscriptions.upsert_subscription` whenever what counts for MRR
    changes (price, quantity, status, pause, discount, trial, cancellation); docs/analytics.md.
    """

    subscription: fields.ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="revisions", on_delete=fields.CASCADE, db_index=True
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="subscription_revisions", on_delete=fields.CASCADE, db_index=True
    )
    effective_at = fields.DatetimeField(db_index=True)
    """The applied event's `created` (or the time of the API answer); never before the previous revision's."""
    status = fields.CharField(max_length=32)
    currency = fields.CharField(max_length=3, null=True)
    """The price's currency; null when the price is unknown to the mirror (then `mrr` is 0)."""
    mrr = fields.BigIntField(default=0)
    """Monthly-normalised recurring revenue in minor units, discounts applied; 0 when it does not count."""
    price_stripe_id = fields.CharField(max_length=255, null=True)
    quantity = fields.IntField(default=1)
    paused = fields.BooleanField(default=False)
    """`pause_collection` set (or Stripe's `paused` status)."""
    cancel_at_period_end = fields.BooleanField(default=False)
    trial_end = fields.DatetimeField(null=True)
    coupons: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    """The coupons of the discounts counted in `mrr`."""

    subscription_id: Any
    customer_id: Any

    class Meta:
        table = "subscription_revisions"
        indexes = (("subscription_id", "effective_at"),)
