"""Invoices, from any API version.

Old API versions and localstripe name the subscription in `invoice.subscription` and
the PaymentIntent in `invoice.payment_intent`; current versions moved them to
`invoice.parent.subscription_details.subscription` and `invoice.payments.data[].payment`
(a list that is only sent when asked for, so its absence never unlinks a payment).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from billing.mirror.common import (
    StripeObject,
    amount_of,
    currency_of,
    dig,
    from_timestamp,
    list_data,
    mirror_fields,
    object_id,
    stripe_id_of,
    synced_now,
    without_none,
)
from billing.mirror.customers import require_customer
from models import Customer, Invoice, Payment, Subscription

# Links an answer may simply not include (see `without_none`).
_STICKY_LINKS = ("subscription_stripe_id", "payment_intent_stripe_id")


def invoice_subscription_id(obj: StripeObject) -> str | None:
    """The id of the invoice's subscription, old shape or current (`parent.subscription_details`)."""
    return stripe_id_of(obj.get("subscription")) or stripe_id_of(
        dig(obj, "parent", "subscription_details", "subscription")
    )


def invoice_payment_intent_id(obj: StripeObject) -> str | None:
    """The id of the PaymentIntent that pays (or last tried to pay) the invoice.

    Old shape: `payment_intent`. Current shape: among `payments.data`, the one that
    paid it, else the default one, else the most recent.
    """
    legacy = stripe_id_of(obj.get("payment_intent"))
    if legacy is not None:
        return legacy
    best: tuple[tuple[bool, bool, int], str] | None = None
    for payment in list_data(obj.get("payments")):
        intent = stripe_id_of(dig(payment, "payment", "payment_intent"))
        if intent is None:
            continue  # an out-of-band or charge-only payment: no PaymentIntent to link
        rank = (payment.get("status") == "paid", bool(payment.get("is_default")), int(payment.get("created") or 0))
        if best is None or rank > best[0]:
            best = (rank, intent)
    return best[1] if best is not None else None


def invoice_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Invoice` columns of a Stripe invoice (without the customer and subscription rows)."""
    amount_due = amount_of(obj.get("amount_due"))
    amount_paid = amount_of(obj.get("amount_paid"))
    remaining = obj.get("amount_remaining")
    return {
        **mirror_fields(obj),
        # Stripe's status is null on some draft previews; the column is not, and a draft is what it is.
        "status": obj.get("status") or "draft",
        "number": obj.get("number"),
        "currency": currency_of(obj.get("currency")),
        "amount_due": amount_due,
        "amount_paid": amount_paid,
        # localstripe sends no amount_remaining; Stripe defines it as due minus paid.
        "amount_remaining": amount_of(remaining) if remaining is not None else max(amount_due - amount_paid, 0),
        "total": amount_of(obj.get("total")),
        "hosted_invoice_url": obj.get("hosted_invoice_url"),
        "period_start": from_timestamp(obj.get("period_start")),
        "period_end": from_timestamp(obj.get("period_end")),
        "subscription_stripe_id": invoice_subscription_id(obj),
        "payment_intent_stripe_id": invoice_payment_intent_id(obj),
    }


async def upsert_invoice(
    obj: StripeObject, customer: Customer | None = None, *, stripe_event_at: datetime | None = None
) -> Invoice:
    """Create or update the mirror row of a Stripe invoice and link it both ways.

    The subscription is linked when mirrored (else its id waits in
    `subscription_stripe_id`); the invoice's payment, and payments that named this
    invoice before it was mirrored, are linked to it. Raises `MissingParentError`
    when its customer is not mirrored yet. `stripe_event_at` (the applied event's
    `created`) is written with the row when given.
    """
    stripe_id = object_id(obj)
    customer = await require_customer(obj, customer)
    defaults: dict[str, Any] = {
        **without_none(invoice_fields(obj), *_STICKY_LINKS),
        **synced_now(),
        "customer": customer,
    }
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    async with in_transaction():
        subscription_stripe_id = defaults.get("subscription_stripe_id")
        if subscription_stripe_id is not None:
            subscription = await Subscription.get_or_none(stripe_id=subscription_stripe_id)
            if subscription is not None:
                defaults["subscription"] = subscription
        invoice, _ = await Invoice.update_or_create(defaults=defaults, stripe_id=stripe_id)
        await Payment.filter(invoice_stripe_id=stripe_id, invoice_id__isnull=True).update(invoice_id=invoice.id)
        if invoice.payment_intent_stripe_id is not None:
            # Current API versions link the payment from the invoice side only.
            await Payment.filter(stripe_id=invoice.payment_intent_stripe_id).update(
                invoice_id=invoice.id, invoice_stripe_id=stripe_id
            )
    return invoice
