"""Mirror of Stripe disputes (chargebacks) of a payment's charge."""

from __future__ import annotations

from tortoise import fields

from models.base import StripeMirrorModel
from models.customers import Customer
from models.payments import Payment


class Dispute(StripeMirrorModel):
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="disputes", on_delete=fields.RESTRICT, db_index=True
    )
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="disputes", null=True, on_delete=fields.RESTRICT, db_index=True
    )
    """The payment's customer (who may see and watch the dispute); null for a payment made without one."""
    status = fields.CharField(max_length=32, db_index=True)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    reason = fields.CharField(max_length=64, null=True)
    evidence_due_by = fields.DatetimeField(null=True)
    charge_stripe_id = fields.CharField(max_length=255, null=True)

    payment_id: object
    customer_id: object | None

    class Meta:
        table = "disputes"
