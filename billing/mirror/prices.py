"""Prices, and the legacy Plans that emulators (localstripe) know instead of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from billing.mirror.common import (
    StripeObject,
    currency_of,
    mirror_fields,
    object_id,
    optional_int,
    stripe_id_of,
    synced_now,
)
from models import Price


def is_plan(obj: StripeObject) -> bool:
    """True for a legacy Plan (`object: plan`, or a plan-shaped object: `amount`/`interval` at the top)."""
    kind = obj.get("object")
    if kind is not None:
        return bool(kind == "plan")
    return "unit_amount" not in obj and "recurring" not in obj and ("amount" in obj or "interval" in obj)


def price_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Price` columns of a Stripe price or plan (`kind` tells which it was)."""
    if is_plan(obj):
        kind = "plan"
        unit_amount = obj.get("amount")
        interval = obj.get("interval")
        interval_count = obj.get("interval_count")
    else:
        kind = "price"
        recurring = obj.get("recurring") or {}
        unit_amount = obj.get("unit_amount")
        interval = recurring.get("interval")
        interval_count = recurring.get("interval_count")
    return {
        **mirror_fields(obj),
        "kind": kind,
        "product_stripe_id": stripe_id_of(obj.get("product")),
        "nickname": obj.get("nickname"),
        "active": bool(obj.get("active", True)),
        "currency": currency_of(obj.get("currency")),
        # Tiered and custom-amount prices have no unit amount: null, not 0.
        "unit_amount": optional_int(unit_amount),
        "recurring_interval": interval,
        "recurring_interval_count": optional_int(interval_count),
    }


async def upsert_price(obj: StripeObject, *, stripe_event_at: datetime | None = None) -> Price:
    """Create or update the mirror row of a Stripe price (or legacy plan); `stripe_event_at` as in the others."""
    defaults = {**price_fields(obj), **synced_now()}
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    price, _ = await Price.update_or_create(defaults=defaults, stripe_id=object_id(obj))
    return price
