"""Writing Stripe's answers into the local mirror.

Each `upsert_*` takes a Stripe object as a plain dict (any API version), maps only
what we keep, and creates or updates the row keyed by the Stripe id. Card data
never passes: a payment method keeps its brand, last4 and expiry only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models import Customer, PaymentMethod


def from_timestamp(value: Any) -> datetime | None:
    """A Stripe unix timestamp as an aware UTC datetime."""
    if value is None:
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def stripe_id_of(value: Any) -> str | None:
    """The id of a Stripe reference, whether it came expanded or as a bare id."""
    if value is None:
        return None
    if isinstance(value, dict):
        ref = value.get("id")
        return str(ref) if ref is not None else None
    return str(value)


def _common(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "livemode": bool(obj.get("livemode", False)),
        "stripe_created": from_timestamp(obj.get("created")),
        "synced_at": datetime.now(UTC),
    }


async def upsert_customer(obj: dict[str, Any]) -> Customer:
    """Create or update the mirror row of a Stripe customer."""
    invoice_settings = obj.get("invoice_settings") or {}
    defaults = {
        **_common(obj),
        "email": obj.get("email"),
        "name": obj.get("name"),
        # Stripe deletes a key set to ""; emulators may keep it, so never mirror empty values.
        "metadata": {k: v for k, v in (obj.get("metadata") or {}).items() if v != ""},
        "default_payment_method_stripe_id": stripe_id_of(invoice_settings.get("default_payment_method")),
        "deleted": bool(obj.get("deleted", False)),
    }
    customer, _ = await Customer.update_or_create(defaults=defaults, stripe_id=obj["id"])
    return customer


async def upsert_payment_method(obj: dict[str, Any], customer: Customer | None = None) -> PaymentMethod:
    """Create or update the mirror row of a Stripe payment method (no card number, ever)."""
    customer_stripe_id = stripe_id_of(obj.get("customer"))
    if customer is None and customer_stripe_id is not None:
        customer = await Customer.get_or_none(stripe_id=customer_stripe_id)
    card = obj.get("card") or {}
    defaults: dict[str, Any] = {
        **_common(obj),
        "customer": customer if customer_stripe_id is not None else None,
        "type": obj.get("type") or "card",
        "brand": card.get("brand"),
        "last4": card.get("last4"),
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
        "detached_at": None if customer_stripe_id is not None else datetime.now(UTC),
    }
    payment_method, _ = await PaymentMethod.update_or_create(defaults=defaults, stripe_id=obj["id"])
    return payment_method
