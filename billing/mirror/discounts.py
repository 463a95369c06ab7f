"""Coupons, promotion codes, and the discounts on a subscription, from Stripe's current shape and older ones.

A discount names its coupon as `source.coupon` (current API versions) or `coupon` (older ones,
expanded there); a promotion code names it as `promotion.coupon` (current) or `coupon`
(older). The discounts a subscription carries are kept on its row (`Subscription.discounts`),
each as `discount_fields` makes it; an entry that came as a bare id keeps what the row knew of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from billing.mirror.common import (
    StripeObject,
    currency_of,
    from_timestamp,
    mirror_fields,
    object_id,
    optional_int,
    stripe_id_of,
    synced_now,
)
from models import Coupon, PromotionCode


def coupon_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Coupon` columns of a Stripe coupon."""
    percent_off = obj.get("percent_off")
    currency = obj.get("currency")
    return {
        **mirror_fields(obj),
        "name": obj.get("name"),
        "percent_off": None if percent_off is None else float(percent_off),
        "amount_off": optional_int(obj.get("amount_off")),
        "currency": None if not currency else currency_of(currency),
        "duration": str(obj.get("duration") or "once"),
        "duration_in_months": optional_int(obj.get("duration_in_months")),
        "max_redemptions": optional_int(obj.get("max_redemptions")),
        "times_redeemed": int(obj.get("times_redeemed") or 0),
        "redeem_by": from_timestamp(obj.get("redeem_by")),
        "valid": bool(obj.get("valid", True)),
        "deleted": bool(obj.get("deleted", False)),
    }


def promotion_coupon_id(obj: StripeObject) -> str | None:
    """The coupon a promotion code redeems: `promotion.coupon` (current API) or `coupon` (older versions)."""
    promotion = obj.get("promotion")
    if isinstance(promotion, Mapping) and promotion.get("coupon") is not None:
        return stripe_id_of(promotion.get("coupon"))
    return stripe_id_of(obj.get("coupon"))


def promotion_code_fields(obj: StripeObject) -> dict[str, Any]:
    """The `PromotionCode` columns of a Stripe promotion code."""
    return {
        **mirror_fields(obj),
        "code": str(obj.get("code") or ""),
        "coupon_stripe_id": promotion_coupon_id(obj) or "",
        "customer_stripe_id": stripe_id_of(obj.get("customer")),
        "active": bool(obj.get("active", True)),
        "expires_at": from_timestamp(obj.get("expires_at")),
        "max_redemptions": optional_int(obj.get("max_redemptions")),
        "times_redeemed": int(obj.get("times_redeemed") or 0),
    }


def discount_coupon_id(obj: StripeObject) -> str | None:
    """The coupon of a discount: `source.coupon` (current API) or `coupon` (older versions)."""
    source = obj.get("source")
    if isinstance(source, Mapping) and source.get("coupon") is not None:
        return stripe_id_of(source.get("coupon"))
    return stripe_id_of(obj.get("coupon"))


def discount_fields(obj: StripeObject) -> dict[str, Any]:
    """One discount as a subscription's row keeps it (JSON: ids and unix times)."""
    return {
        "id": str(obj.get("id") or ""),
        "coupon": discount_coupon_id(obj),
        "promotion_code": stripe_id_of(obj.get("promotion_code")),
        "start": optional_int(obj.get("start")),
        "end": optional_int(obj.get("end")),
    }


def subscription_discounts(value: Any, known: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """A subscription's `discounts` as its row keeps them; None when the object does not say (older shapes).

    An entry given as a bare id keeps what `known` (the row's current list) says of it, or only its id.
    """
    if not isinstance(value, list):
        return None
    by_id = {str(entry.get("id")): dict(entry) for entry in known}
    kept: list[dict[str, Any]] = []
    for entry in value:
        if isinstance(entry, Mapping):
            kept.append(discount_fields(entry))
        elif entry is not None:
            kept.append(by_id.get(str(entry)) or {"id": str(entry), "coupon": None, "promotion_code": None})
    return kept


def unknown_discount_ids(value: Any, known: Sequence[Mapping[str, Any]]) -> list[str]:
    """Discounts named by bare id that `known` cannot describe: read the subscription with them expanded."""
    if not isinstance(value, list):
        return []
    described = {str(entry.get("id")) for entry in known if entry.get("coupon")}
    return [str(entry) for entry in value if isinstance(entry, str) and entry not in described]


async def upsert_coupon(obj: StripeObject, *, stripe_event_at: datetime | None = None) -> Coupon:
    """Create or update the mirror row of a Stripe coupon (`deleted` kept, as Stripe's `coupon.deleted` says)."""
    defaults = {**coupon_fields(obj), **synced_now()}
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    coupon, _ = await Coupon.update_or_create(defaults=defaults, stripe_id=object_id(obj))
    return coupon


async def upsert_promotion_code(obj: StripeObject, *, stripe_event_at: datetime | None = None) -> PromotionCode:
    """Create or update the mirror row of a Stripe promotion code."""
    defaults = {**promotion_code_fields(obj), **synced_now()}
    if stripe_event_at is not None:
        defaults["stripe_event_at"] = stripe_event_at
    code, _ = await PromotionCode.update_or_create(defaults=defaults, stripe_id=object_id(obj))
    return code
