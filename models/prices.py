"""Mirror of Stripe prices (or, on emulators that only know them, plans)."""

from __future__ import annotations

from tortoise import fields

from models.base import StripeMirrorModel


class Price(StripeMirrorModel):
    kind = fields.CharField(max_length=8, default="price")
    """`price` for a Stripe Price, `plan` for a legacy Plan used as a price."""
    product_stripe_id = fields.CharField(max_length=255, null=True)
    nickname = fields.CharField(max_length=255, null=True)
    active = fields.BooleanField(default=True)
    currency = fields.CharField(max_length=3)
    unit_amount = fields.BigIntField(null=True)
    recurring_interval = fields.CharField(max_length=16, null=True)
    recurring_interval_count = fields.IntField(null=True)

    class Meta:
        table = "prices"
