"""Mirror of Stripe payment methods: ids, brand, last4 and expiry only (PCI SAQ A)."""

from __future__ import annotations

from tortoise import fields

from models.base import StripeMirrorModel
from models.customers import Customer


class PaymentMethod(StripeMirrorModel):
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="payment_methods", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    type = fields.CharField(max_length=32)
    brand = fields.CharField(max_length=32, null=True)
    last4 = fields.CharField(max_length=4, null=True)
    exp_month = fields.SmallIntField(null=True)
    exp_year = fields.SmallIntField(null=True)
    detached_at = fields.DatetimeField(null=True)

    customer_id: object | None

    class Meta:
        table = "payment_methods"
