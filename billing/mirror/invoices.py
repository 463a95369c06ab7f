"""Invoices, from any API version.

Old API versions and localstripe name the subscription in `invoice.subscription` and
the PaymentIntent in `invoice.payment_intent`; current versions moved them to
`invoice.parent.subscription_details.subscription` and `invoice.payments.data[].payment`
(a list that is only sent when asked for, so its absence never unlinks a payment).

Line items (`lines.data[]`) are kept on the invoice row as a JSON list of the fields the
API exposes (`invoice_line_fields`). Current versions name a line's price in
`pricing.price_details.price` and its proration flag in `parent.subscription_item_details`
(or `parent.invoice_item_details`); old versions and localstripe have `price` (or `plan`)
and `proration` on the line. An answer without `lines` keeps the lines already mirrored.
Stripe embeds the first page of lines only (10): an invoice with more keeps that page.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    optional_int,
    stripe_id_of,
    synced_now,
    without_none,
)
from billing.mirror.customers import require_customer
from models import Customer, Invoice, Payment, Subscription

# Links (and lines) an answer may simply not include (see `without_none`).
_STICKY_LINKS = ("subscription_stripe_id", "payment_intent_stripe_id", "lines")


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


def _line_proration(line: StripeObject) -> bool:
    """Whether a line is a proration: old shape `proration`, current `parent.*_details.proration`."""
    if line.get("proration") is not None:
        return bool(line["proration"])
    for details in ("subscription_item_details", "invoice_item_details"):
        flag = dig(line, "parent", details, "proration")
        if flag is not None:
            return bool(flag)
    return False


def _line_price_id(line: StripeObject) -> str | None:
    """The price a line bills: current `pricing.price_details.price`, old `price`, or an emulator's `plan`."""
    return (
        stripe_id_of(dig(line, "pricing", "price_details", "price"))
        or stripe_id_of(line.get("price"))
        or stripe_id_of(line.get("plan"))
    )


def invoice_line_fields(line: StripeObject) -> dict[str, Any]:
    """What the mirror keeps of one invoice line item (JSON-safe: times as unix seconds)."""
    period = line.get("period")
    if not isinstance(period, Mapping):
        period = {}
    quantity = line.get("quantity")
    return {
        "stripe_id": line.get("id"),
        "description": line.get("description"),
        "amount": amount_of(line.get("amount")),
        "currency": currency_of(line.get("currency")),
        "quantity": None if quantity is None else int(quantity),
        "proration": _line_proration(line),
        "period_start": optional_int(period.get("start")),
        "period_end": optional_int(period.get("end")),
        "price_stripe_id": _line_price_id(line),
    }


def invoice_lines(obj: StripeObject) -> list[dict[str, Any]] | None:
    """The invoice's line items as the mirror keeps them; None when the answer carries no `lines`."""
    lines = obj.get("lines")
    if lines is None:
        return None
    return [invoice_line_fields(line) for line in list_data(lines)]


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
        "total_discount_amount": sum(
            amount_of(entry.get("amount")) for entry in obj.get("total_discount_amounts") or [] if entry
        ),
        "hosted_invoice_url": obj.get("hosted_invoice_url"),
        "period_start": from_timestamp(obj.get("period_start")),
        "period_end": from_timestamp(obj.get("period_end")),
        "subscription_stripe_id": invoice_subscription_id(obj),
        "payment_intent_stripe_id": invoice_payment_intent_id(obj),
        "lines": invoice_lines(obj),
        "attempt_count": int(obj.get("attempt_count") or 0),
        "next_payment_attempt": from_timestamp(obj.get("next_payment_attempt")),
    }


async def upsert_invoice(
    obj: StripeObject,
    customer: Customer | None = None,
    *,
    stripe_event_at: datetime | None = None,
    changed_by_call: bool = False,
) -> Invoice:
    """Create or update the mirror row of a Stripe invoice and link it both ways.

    The subscription is linked when mirrored (else its id waits in
    `subscription_stripe_id`); the invoice's payment, and payments that named this
    invoice before it was mirrored, are linked to it. Raises `MissingParentError`
    when its customer is not mirrored yet. `stripe_event_at` (the applied event's
    `created`) is written with the row when given. `changed_by_call`: `obj` is Stripe's
    answer to the gateway's own call that changed the invoice (finalize, void), newer than
    any event applied so far: `stripe_event_at` is cleared, so the events that call caused
    are ordered by `synced_at` (refetched on doubt, `webhooks.ordering`) and the first one
    confirms the status to live subscribers (`webhooks.apply`).
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
    elif changed_by_call:
        defaults["stripe_event_at"] = None
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
