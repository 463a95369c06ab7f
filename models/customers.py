"""Mirror of Stripe customers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields

from models.base import StripeMirrorModel

if TYPE_CHECKING:
    from models.invoices import Invoice
    from models.payment_methods import PaymentMethod
    from models.payments import Payment
    from models.subscriptions import Subscription


class Customer(StripeMirrorModel):
    email = fields.CharField(max_length=320, null=True, db_index=True)
    name = fields.CharField(max_length=256, null=True)
    metadata: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    default_payment_method_stripe_id = fields.CharField(max_length=255, null=True)
    deleted = fields.BooleanField(default=False)

    payment_methods: fields.ReverseRelation[PaymentMethod]
    subscriptions: fields.ReverseRelation[Subscription]
    invoices: fields.ReverseRelation[Invoice]
    payments: fields.ReverseRelation[Payment]

    class Meta:
        table = "customers"
