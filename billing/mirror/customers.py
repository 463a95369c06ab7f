"""Customers and their payment methods (no card number, ever: brand, last4 and expiry only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from billing.mirror.common import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    mirror_fields,
    stripe_id_of,
    synced_now,
)
from models import Customer, Payment, PaymentMethod
from stripe_provider.adapter import RESERVED_METADATA_PREFIX


def customer_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Customer` columns of a Stripe customer."""
    invoice_settings = obj.get("invoice_settings") or {}
    return {
        **mirror_fields(obj),
        "email": obj.get("email"),
        "name": obj.get("name"),
        # Stripe deletes a key set to ""; emulators may keep it, so never mirror empty values.
        # The gateway's own tag (`bgw_attempt`) is not the client's metadata.
        "metadata": {
            k: v
            for k, v in (obj.get("metadata") or {}).items()
            if v != "" and not k.startswith(RESERVED_METADATA_PREFIX)
        },
        "default_payment_method_stripe_id": stripe_id_of(invoice_settings.get("default_payment_method")),
        "deleted": bool(obj.get("deleted", False)),
    }


async def upsert_customer(obj: StripeObject, *, stripe_event_at: datetime | None = None) -> Customer:
    """Create or update the mirror row of a Stripe customer, and link the payments that were waiting for it.

    `stripe_event_at` (the applied event's `created`) is written with the row when given.
    """
    defaults = {**customer_fields(obj), **synced_now()}
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    customer, _ = await Customer.update_or_create(defaults=defaults, stripe_id=obj["id"])
    # A payment may be mirrored before its customer (webhooks arrive in any order); it kept the id.
    await Payment.filter(customer_stripe_id=customer.stripe_id, customer_id__isnull=True).update(
        customer_id=customer.id
    )
    return customer


def payment_method_fields(obj: StripeObject) -> dict[str, Any]:
    """The `PaymentMethod` columns of a Stripe payment method, without its customer link."""
    card = obj.get("card") or {}
    return {
        **mirror_fields(obj),
        "type": obj.get("type") or "card",
        "brand": card.get("brand"),
        "last4": card.get("last4"),
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
    }


async def upsert_payment_method(
    obj: StripeObject, customer: Customer | None = None, *, stripe_event_at: datetime | None = None
) -> PaymentMethod:
    """Create or update the mirror row of a Stripe payment method (no card number, ever).

    `stripe_event_at` (the applied event's `created`) is written with the row when given.
    """
    customer_stripe_id = stripe_id_of(obj.get("customer"))
    if customer is None and customer_stripe_id is not None:
        customer = await Customer.get_or_none(stripe_id=customer_stripe_id)
    defaults: dict[str, Any] = {
        **payment_method_fields(obj),
        **synced_now(),
        "customer": customer if customer_stripe_id is not None else None,
        "detached_at": None if customer_stripe_id is not None else datetime.now(UTC),
    }
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    payment_method, _ = await PaymentMethod.update_or_create(defaults=defaults, stripe_id=obj["id"])
    return payment_method


async def require_customer(obj: StripeObject, customer: Customer | None) -> Customer:
    """The mirrored customer that `obj` belongs to (for rows whose customer link is required).

    Raises `MissingParentError` when that customer is not mirrored yet, and
    `InvalidStripeObjectError` when `obj` names no customer or another one than `customer`.
    """
    customer_stripe_id = stripe_id_of(obj.get("customer"))
    if customer is not None:
        if customer_stripe_id is not None and customer_stripe_id != customer.stripe_id:
            raise InvalidStripeObjectError(
                f"{obj.get('object', 'object')} {obj.get('id')} belongs to {customer_stripe_id}, "
                f"not {customer.stripe_id}"
            )
        return customer
    if customer_stripe_id is None:
        raise InvalidStripeObjectError(f"{obj.get('object', 'object')} {obj.get('id')} has no customer")
    found = await Customer.get_or_none(stripe_id=customer_stripe_id)
    if found is None:
        raise MissingParentError("customer", customer_stripe_id)
    return found
