"""Mirror of Stripe coupons and promotion codes (the discounts applied are kept on their subscription)."""

from __future__ import annotations

from tortoise import fields

from models.base import StripeMirrorModel


class Coupon(StripeMirrorModel):
    """A Stripe coupon: what a discount takes off (a percentage, or an amount in one currency), and for how long."""

    name = fields.CharField(max_length=255, null=True)
    percent_off = fields.FloatField(null=True)
    amount_off = fields.BigIntField(null=True)
    currency = fields.CharField(max_length=3, null=True)
    duration = fields.CharField(max_length=16)
    """`once`, `repeating` (for `duration_in_months`) or `forever`."""
    duration_in_months = fields.IntField(null=True)
    max_redemptions = fields.IntField(null=True)
    times_redeemed = fields.IntField(default=0)
    redeem_by = fields.DatetimeField(null=True)
    valid = fields.BooleanField(default=True)
    deleted = fields.BooleanField(default=False)

    class Meta:
        table = "coupons"


class PromotionCode(StripeMirrorModel):
    """A Stripe promotion code: a customer-facing code redeeming a coupon, with its own limits."""

    code = fields.CharField(max_length=500, db_index=True)
    coupon_stripe_id = fields.CharField(max_length=255)
    customer_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    """Set when only this customer may redeem it."""
    active = fields.BooleanField(default=True)
    expires_at = fields.DatetimeField(null=True)
    max_redemptions = fields.IntField(null=True)
    times_redeemed = fields.IntField(default=0)

    class Meta:
        table = "promotion_codes"
