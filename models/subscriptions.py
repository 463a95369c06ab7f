"""Mirror of Stripe subscriptions and their items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields

from models.base import StripeMirrorModel
from models.customers import Customer

if TYPE_CHECKING:
    from models.invoices import Invoice


class Subscription(StripeMirrorModel):
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="subscriptions", on_delete=fields.RESTRICT, db_index=True
    )
    status = fields.CharField(max_length=32, db_index=True)
    price_stripe_id = fields.CharField(max_length=255, null=True)
    quantity = fields.IntField(default=1)
    current_period_start = fields.DatetimeField(null=True)
    current_period_end = fields.DatetimeField(null=True)
    cancel_at_period_end = fields.BooleanField(default=False)
    canceled_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    trial_end = fields.DatetimeField(null=True)
    latest_invoice_stripe_id = fields.CharField(max_length=255, null=True)
    default_payment_method_stripe_id = fields.CharField(max_length=255, null=True)
    pause_behavior = fields.CharField(max_length=32, null=True)
    """Stripe's `pause_collection.behavior` (`keep_as_draft`, `mark_uncollectible`, `void`); null: not paused."""
    pause_resumes_at = fields.DatetimeField(null=True)
    """Stripe's `pause_collection.resumes_at`; null while paused indefinitely (or not paused)."""
    past_due_since = fields.DatetimeField(null=True)
    """When the mirror saw the status become `past_due` (the event's time); null whenever it is not past due."""
    discounts: list[dict[str, Any]] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    """Its discounts as `billing.mirror.discount_fields` keeps them (id, coupon, promotion_code, start, end)."""

    customer_id: object
    items: fields.ReverseRelation[SubscriptionItem]
    invoices: fields.ReverseRelation[Invoice]

    class Meta:
        table = "subscriptions"


class SubscriptionItem(StripeMirrorModel):
    subscription: fields.ForeignKeyRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="items", on_delete=fields.CASCADE, db_index=True
    )
    price_stripe_id = fields.CharField(max_length=255)
    quantity = fields.IntField(default=1)
    current_period_start = fields.DatetimeField(null=True)
    current_period_end = fields.DatetimeField(null=True)

    subscription_id: object

    class Meta:
        table = "subscription_items"
