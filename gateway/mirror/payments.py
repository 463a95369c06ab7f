"""Payments (Stripe PaymentIntents) and their refunds, from any API version.

Old API versions and localstripe list the intent's charges in `charges.data` and name
its invoice in `invoice`; current versions have `latest_charge` (an id unless expanded)
and no invoice link at all (the invoice names its payment instead, see `invoices.py`).

`Payment.amount_refunded` follows the charge's `amount_refunded` whenever an answer
carries the charge expanded (kept in `charge_amount_refunded`); otherwise it is the
sum of the mirrored refunds that hold money back, never less than that last figure.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from gateway.mirror.common import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    amount_of,
    currency_of,
    expanded,
    list_data,
    mirror_fields,
    object_id,
    optional_int,
    required_str,
    stripe_id_of,
    synced_now,
    without_none,
)
from models import Customer, Invoice, Payment, Refund

REFUND_STATUSES_COUNTED = ("pending", "succeeded", "requires_action")
"""Refund statuses whose amount is taken off the payment (failed and canceled ones gave it back)."""

# Links and figures an answer may simply not include (see `without_none`).
_STICKY = ("invoice_stripe_id", "charge_amount_refunded")


def payment_charge(obj: StripeObject) -> StripeObject | None:
    """The intent's latest charge when the answer includes it: expanded `latest_charge`, or old `charges.data[0]`."""
    charge = expanded(obj.get("latest_charge"))
    if charge is not None:
        return charge
    charges = list_data(obj.get("charges"))
    return charges[0] if charges else None


def _amount_received(obj: StripeObject, charge: StripeObject | None) -> int:
    received = obj.get("amount_received")
    if received is not None:
        return int(received)
    # localstripe sends no amount_received: derive it the way Stripe defines it.
    if charge is not None and charge.get("status") == "succeeded" and charge.get("captured", True):
        return amount_of(charge.get("amount_captured"), default=amount_of(charge.get("amount")))
    return amount_of(obj.get("amount")) if obj.get("status") == "succeeded" else 0


def payment_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Payment` columns of a Stripe PaymentIntent (without the customer and invoice rows).

    `charge_amount_refunded` is None when the answer does not include the charge, and
    `invoice_stripe_id` None when it names no invoice (current API versions never do).
    The failure columns are cleared when the intent has no `last_payment_error`; an
    error without a `code` keeps its `type` as the code, so that a failure stays visible.
    """
    charge = payment_charge(obj)
    error = obj.get("last_payment_error") or {}
    failure_code = (error.get("code") or error.get("type")) if error else None
    return {
        **mirror_fields(obj),
        "status": required_str(obj, "status"),
        "amount": amount_of(obj.get("amount")),
        "amount_received": _amount_received(obj, charge),
        "currency": currency_of(obj.get("currency")),
        "description": obj.get("description"),
        "client_secret": obj.get("client_secret"),
        "payment_method_stripe_id": stripe_id_of(obj.get("payment_method")),
        "latest_charge_stripe_id": stripe_id_of(obj.get("latest_charge")) or stripe_id_of(charge),
        "failure_code": failure_code,
        "decline_code": error.get("decline_code"),
        "failure_message": error.get("message"),
        "customer_stripe_id": stripe_id_of(obj.get("customer")),
        "invoice_stripe_id": stripe_id_of(obj.get("invoice")),
        "charge_amount_refunded": optional_int(charge.get("amount_refunded")) if charge is not None else None,
    }


async def _refresh_amount_refunded(payment: Payment, *, dirty: bool = False) -> None:
    """Recompute `payment.amount_refunded` from its mirrored refunds and the charge's last known figure.

    Saves when the figure changed, or when `dirty` (the caller changed `charge_amount_refunded`).
    Call inside a transaction holding the payment's row lock, so concurrent refunds
    cannot both compute a sum that misses the other.
    """
    refunds = await Refund.filter(payment_id=payment.id, status__in=REFUND_STATUSES_COUNTED).only("id", "amount")
    total = sum(refund.amount for refund in refunds)
    # The charge may know refunds not mirrored yet (made in the Dashboard, events still on their way).
    value = max(total, payment.charge_amount_refunded or 0)
    if dirty or value != payment.amount_refunded:
        payment.amount_refunded = value
        await payment.save(update_fields=["amount_refunded", "charge_amount_refunded", "updated_at"])


async def upsert_payment(obj: StripeObject, customer: Customer | None = None) -> Payment:
    """Create or update the mirror row of a Stripe PaymentIntent.

    The customer and invoice are linked when mirrored; otherwise their ids wait in
    `customer_stripe_id` / `invoice_stripe_id` and the later customer or invoice
    upsert links them. In current API versions the invoice is found by the invoice
    that names this intent.
    """
    stripe_id = object_id(obj)
    defaults: dict[str, Any] = {**without_none(payment_fields(obj), *_STICKY), **synced_now()}
    if customer is not None:
        if defaults["customer_stripe_id"] not in (None, customer.stripe_id):
            raise InvalidStripeObjectError(
                f"payment_intent {stripe_id} belongs to {defaults['customer_stripe_id']}, not {customer.stripe_id}"
            )
        defaults["customer_stripe_id"] = customer.stripe_id
    elif defaults["customer_stripe_id"] is not None:
        customer = await Customer.get_or_none(stripe_id=defaults["customer_stripe_id"])
    defaults["customer"] = customer
    async with in_transaction():
        invoice_stripe_id = defaults.get("invoice_stripe_id")
        if invoice_stripe_id is not None:
            invoice = await Invoice.get_or_none(stripe_id=invoice_stripe_id)
        else:
            invoice = await Invoice.filter(payment_intent_stripe_id=stripe_id).order_by("-created_at").first()
        if invoice is not None:
            defaults["invoice"] = invoice
            defaults["invoice_stripe_id"] = invoice.stripe_id
        if defaults.get("charge_amount_refunded") is not None:
            # The charge is Stripe's own figure and this answer carries it: take it as is.
            defaults["amount_refunded"] = defaults["charge_amount_refunded"]
        # update_or_create locks the row for the rest of this transaction (see _refresh_amount_refunded).
        payment, _ = await Payment.update_or_create(defaults=defaults, stripe_id=stripe_id)
        if defaults.get("charge_amount_refunded") is None:
            await _refresh_amount_refunded(payment)
    return payment


def refund_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Refund` columns of a Stripe refund (without the payment row)."""
    return {
        **mirror_fields(obj),
        "amount": amount_of(obj.get("amount")),
        "currency": currency_of(obj.get("currency")),
        "status": required_str(obj, "status"),
        "reason": obj.get("reason"),
        "failure_reason": obj.get("failure_reason"),
    }


def refund_parent_ids(obj: StripeObject) -> tuple[str | None, str | None]:
    """The (payment_intent id, charge id) a refund names; either may be missing."""
    return stripe_id_of(obj.get("payment_intent")), stripe_id_of(obj.get("charge"))


async def _locked_payment(obj: StripeObject, payment: Payment | None) -> Payment:
    intent_id, charge_id = refund_parent_ids(obj)
    if payment is not None:
        if intent_id is not None and intent_id != payment.stripe_id:
            raise InvalidStripeObjectError(f"refund {obj.get('id')} is of {intent_id}, not {payment.stripe_id}")
        return await Payment.select_for_update().get(id=payment.id)
    if intent_id is not None:
        found = await Payment.select_for_update().get_or_none(stripe_id=intent_id)
        if found is None:
            raise MissingParentError("payment_intent", intent_id)
        return found
    if charge_id is not None:
        # A refund of a bare charge (or an old answer without payment_intent): its intent has that latest charge.
        found = await Payment.select_for_update().filter(latest_charge_stripe_id=charge_id).first()
        if found is None:
            raise MissingParentError("charge", charge_id)
        return found
    raise InvalidStripeObjectError(f"refund {obj.get('id')} names neither a payment_intent nor a charge")


async def upsert_refund(obj: StripeObject, payment: Payment | None = None) -> Refund:
    """Create or update the mirror row of a Stripe refund, then recompute its payment's `amount_refunded`.

    The payment is `payment`, else the one named by `payment_intent`, else the one
    whose latest charge is the refund's `charge`; when it is not mirrored yet this
    raises `MissingParentError` (`payment_intent` or `charge`, with the id). The
    `payment` passed in gets the new `amount_refunded` too.
    """
    stripe_id = object_id(obj)
    fields = refund_fields(obj)
    async with in_transaction():
        locked = await _locked_payment(obj, payment)
        # An expanded charge is a fresher figure than the one the payment row holds.
        charge_figure = optional_int((expanded(obj.get("charge")) or {}).get("amount_refunded"))
        dirty = charge_figure is not None and charge_figure != locked.charge_amount_refunded
        if dirty:
            locked.charge_amount_refunded = charge_figure
        refund, _ = await Refund.update_or_create(
            defaults={**fields, **synced_now(), "payment": locked}, stripe_id=stripe_id
        )
        await _refresh_amount_refunded(locked, dirty=dirty)
    if payment is not None:
        payment.amount_refunded = locked.amount_refunded
        payment.charge_amount_refunded = locked.charge_amount_refunded
    return refund
