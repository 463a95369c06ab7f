"""Mirror of Stripe PaymentIntents (our Payment) and their refunds."""

from __future__ import annotations

from tortoise import fields

from models.base import StripeMirrorModel
from models.customers import Customer
from models.invoices import Invoice


class Payment(StripeMirrorModel):
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="payments", null=True, on_delete=fields.RESTRICT, db_index=True
    )
    invoice: fields.ForeignKeyNullableRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="payments", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    status = fields.CharField(max_length=32, db_index=True)
    amount = fields.BigIntField()
    amount_received = fields.BigIntField(default=0)
    amount_refunded = fields.BigIntField(default=0)
    charge_amount_refunded = fields.BigIntField(null=True)
    """The latest charge's own `amount_refunded` as last seen from Stripe (null: never seen)."""
    currency = fields.CharField(max_length=3)
    description = fields.TextField(null=True)
    client_secret = fields.CharField(max_length=255, null=True)
    payment_method_stripe_id = fields.CharField(max_length=255, null=True)
    latest_charge_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    customer_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    """Kept even before the customer is mirrored, so that its later upsert links this payment."""
    invoice_stripe_id = fields.CharField(max_length=255, null=True, db_index=True)
    """Kept even before the invoice is mirrored, so that its later upsert links this payment."""
    failure_code = fields.CharField(max_length=64, null=True)
    decline_code = fields.CharField(max_length=64, null=True)
    failure_message = fields.TextField(null=True)

    customer_id: object | None
    invoice_id: object | None
    refunds: fields.ReverseRelation[Refund]

    class Meta:
        table = "payments"


class Refund(StripeMirrorModel):
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="refunds", on_delete=fields.RESTRICT, db_index=True
    )
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=64, null=True)
    failure_reason = fields.CharField(max_length=64, null=True)

    payment_id: object

    class Meta:
        table = "refunds"
