"""A subscription's MRR-relevant state as a revision row (`SubscriptionRevision`), written beside its mirror row.

The rules (docs/analytics.md) follow Stripe's Billing analytics where it documents them:

- MRR counts for `active` and `past_due` subscriptions only: `trialing` (until it converts),
  `incomplete`, `incomplete_expired`, `unpaid`, `paused` and `canceled` count 0; so does an
  `active` subscription with `pause_collection` set (the gateway's choice: nothing is collected).
- An item's MRR is its price's unit amount x quantity, normalised to a month: a yearly price
  / 12, a weekly one x 52 / 12, a daily one x 365 / 12, each / `interval_count`. Prices with no
  unit amount (tiered, metered) count 0.
- Discounts of `forever` coupons are taken off (as Stripe's Billing analytics does; `once` and
  `repeating` ones leave MRR as it is): a percentage of the amount, an amount off normalised by
  the price's interval as the amount is, never below 0.
- The subscription's total is rounded once, half up, to whole minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from fractions import Fraction
from math import floor
from typing import Any

from billing.mirror.common import StripeObject, currency_of, expanded, list_data, optional_int, stripe_id_of
from billing.mirror.prices import is_plan
from models import Coupon, Price, Subscription, SubscriptionRevision

MRR_STATUSES = frozenset({"active", "past_due"})
"""The statuses whose subscriptions count for MRR (all others count 0)."""

_MONTHS_PER_INTERVAL = {
    "month": Fraction(1),
    "year": Fraction(12),
    "week": Fraction(12, 52),
    "day": Fraction(12, 365),
}
"""How many months one interval of a price is."""


def monthly(amount: Fraction, interval: str | None, interval_count: int | None) -> Fraction:
    """`amount` per `interval_count` x `interval`, as an amount per month (0 for a one-off price)."""
    months = _MONTHS_PER_INTERVAL.get(interval or "")
    if months is None:
        return Fraction(0)
    return amount / (months * (interval_count or 1))


def _price_terms(item: StripeObject, known: Mapping[str, Price]) -> tuple[str, int | None, str | None, int | None]:
    """(currency, unit amount, interval, interval count) of an item's price: the item's copy, else the mirror's."""
    price = expanded(item.get("price")) or expanded(item.get("plan"))
    if price is not None:
        if is_plan(price):
            return (
                currency_of(price.get("currency")),
                optional_int(price.get("amount")),
                price.get("interval"),
                optional_int(price.get("interval_count")),
            )
        recurring = price.get("recurring") or {}
        return (
            currency_of(price.get("currency")),
            optional_int(price.get("unit_amount")),
            recurring.get("interval"),
            optional_int(recurring.get("interval_count")),
        )
    row = known.get(stripe_id_of(item.get("price") or item.get("plan")) or "")
    if row is None:
        return "", None, None, None
    return row.currency, row.unit_amount, row.recurring_interval, row.recurring_interval_count


def _discounted(amount: Fraction, interval: str | None, count: int | None, coupons: Iterable[Coupon]) -> Fraction:
    """`amount` (monthly) less the recurring coupons, never below 0."""
    for coupon in coupons:
        if coupon.percent_off is not None:
            amount -= amount * Fraction(str(coupon.percent_off)) / 100
        elif coupon.amount_off is not None:
            amount -= monthly(Fraction(coupon.amount_off), interval, count)
    return max(amount, Fraction(0))


def _coupons_in_force(discounts: list[dict[str, Any]], at: datetime, coupons: Mapping[str, Coupon]) -> list[Coupon]:
    """The coupons of the discounts that change recurring revenue at `at`: `forever` ones (that have not ended)."""
    found = []
    for discount in discounts:
        coupon = coupons.get(str(discount.get("coupon") or ""))
        if coupon is None or coupon.duration != "forever":
            continue
        end = discount.get("end")
        if end is not None and int(end) <= at.timestamp():
            continue
        found.append(coupon)
    return found


async def revision_fields(obj: StripeObject, fields: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """The `SubscriptionRevision` columns (but links and time) of a subscription whose mirror columns are `fields`."""
    items = list_data(obj.get("items"))
    # Only prices the object names by bare id are read from the mirror (Stripe's objects expand them).
    price_ids = {
        stripe_id_of(item.get("price") or item.get("plan"))
        for item in items
        if expanded(item.get("price")) is None and expanded(item.get("plan")) is None
    } - {None}
    known = {row.stripe_id: row for row in await Price.filter(stripe_id__in=list(price_ids))} if price_ids else {}
    if not items and fields.get("price_stripe_id"):
        items = [{"price": fields["price_stripe_id"], "quantity": fields.get("quantity", 1)}]
        known = {row.stripe_id: row for row in await Price.filter(stripe_id=fields["price_stripe_id"])}
    discounts = list(fields.get("discounts") or [])
    coupon_ids = [str(d["coupon"]) for d in discounts if d.get("coupon")]
    coupon_rows = {row.stripe_id: row for row in await Coupon.filter(stripe_id__in=coupon_ids)} if coupon_ids else {}
    in_force = _coupons_in_force(discounts, at, coupon_rows)
    status = str(fields["status"])
    paused = fields.get("pause_behavior") is not None or status == "paused"
    counts = status in MRR_STATUSES and not paused
    currency: str | None = None
    total = Fraction(0)
    for item in items:
        item_currency, unit_amount, interval, count = _price_terms(item, known)
        currency = currency or item_currency or None
        if unit_amount is None or item_currency != currency:
            continue
        quantity = 1 if item.get("quantity") is None else int(str(item.get("quantity")))
        amount = monthly(Fraction(unit_amount * quantity), interval, count)
        total += _discounted(amount, interval, count, in_force)
    mrr = floor(total + Fraction(1, 2)) if counts else 0  # exact fractions, rounded once, half up
    return {
        "status": status,
        "currency": currency,
        "mrr": mrr,
        "price_stripe_id": fields.get("price_stripe_id"),
        "quantity": int(fields.get("quantity") or 1),
        "paused": paused,
        "cancel_at_period_end": bool(fields.get("cancel_at_period_end")),
        "trial_end": fields.get("trial_end"),
        "coupons": [coupon.stripe_id for coupon in in_force],
    }


_COMPARED = ("status", "currency", "mrr", "price_stripe_id", "quantity", "paused", "cancel_at_period_end", "trial_end")


async def record_revision(
    subscription: Subscription, obj: StripeObject, fields: Mapping[str, Any], at: datetime
) -> None:
    """Add a revision when what counts for MRR differs from the subscription's latest one.

    `at` is the applied event's `created` or the answer's time; a revision is never dated before
    the one it follows (an event older than an answer already recorded moves nothing back), and
    a subscription's first one is dated at its creation at Stripe when that is earlier.
    """
    values = await revision_fields(obj, fields, at)
    latest = await SubscriptionRevision.filter(subscription_id=subscription.id).order_by("-effective_at", "-id").first()
    if latest is None:
        # The first state the mirror sees is dated from the subscription's creation at Stripe: a subscription
        # first mirrored late (reconcile, a missed event) has been in it since then as far as the mirror knows.
        created = fields.get("stripe_created")
        at = min(at, created) if isinstance(created, datetime) else at
    else:
        if all(getattr(latest, name) == values[name] for name in _COMPARED) and latest.coupons == values["coupons"]:
            return
        at = max(at, latest.effective_at)
    await SubscriptionRevision.create(
        subscription_id=subscription.id, customer_id=subscription.customer_id, effective_at=at, **values
    )


async def backfill_revisions() -> int:
    """A first revision for each mirrored subscription that has none (mirrored before revisions were kept).

    Built from the mirror's rows (items and prices, discounts and coupons) and dated at the
    subscription's creation at Stripe; returns how many were written. `billing-gateway metrics backfill`.
    """
    written = 0
    missing = Subscription.filter(revisions__id__isnull=True).prefetch_related("items")
    for subscription in await missing:
        items = [{"price": item.price_stripe_id, "quantity": item.quantity} for item in subscription.items]
        if not items and subscription.price_stripe_id:
            items = [{"price": subscription.price_stripe_id, "quantity": subscription.quantity}]
        obj = {"id": subscription.stripe_id, "items": {"object": "list", "data": items, "has_more": False}}
        fields = {
            name: getattr(subscription, name)
            for name in (
                "status",
                "price_stripe_id",
                "quantity",
                "cancel_at_period_end",
                "trial_end",
                "pause_behavior",
                "discounts",
                "stripe_created",
            )
        }
        await record_revision(subscription, obj, fields, subscription.stripe_created or subscription.created_at)
        written += 1
    return written
