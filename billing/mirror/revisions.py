"""A subscription's MRR-relevant state as a revision row (`SubscriptionRevision`), written beside its mirror row.

The rules (docs/analytics.md) follow Stripe's Billing analytics where it documents them:

- MRR counts for `active` and `past_due` subscriptions only: `trialing` (until it converts),
  `incomplete`, `incomplete_expired`, `unpaid`, `paused` and `canceled` count 0; so does an
  `active` subscription with `pause_collection` set (the gateway's choice: nothing is collected).
- An item's MRR is its price's unit amount x quantity, normalised to a month: a yearly price
  / 12, a weekly one x 52 / 12, a daily one x 365 / 12, each / `interval_count`. Prices with no
  unit amount (tiered, metered) count 0.
- Discounts in force (`forever` and `repeating` coupons whose discount has not ended) are taken
  off: a percentage of the amount, an amount off normalised by the price's interval as the
  amount is. `once` coupons are not (they change one invoice, not the recurring revenue).
- The subscription's total is rounded once, half up, to whole minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from billing.mirror.common import StripeObject, currency_of, expanded, list_data, optional_int, stripe_id_of
from billing.mirror.prices import is_plan
from models import Coupon, Price, Subscription, SubscriptionRevision

MRR_STATUSES = frozenset({"active", "past_due"})
"""The statuses whose subscriptions count for MRR (all others count 0)."""

_MONTHS_PER_INTERVAL = {
    "month": Decimal(1),
    "year": Decimal(12),
    "week": Decimal(12) / Decimal(52),
    "day": Decimal(12) / Decimal(365),
}
"""How many months one interval of a price is."""


def monthly(amount: Decimal, interval: str | None, interval_count: int | None) -> Decimal:
    """`amount` per `interval_count` x `interval`, as an amount per month (0 for a one-off price)."""
    months = _MONTHS_PER_INTERVAL.get(interval or "")
    if months is None:
        return Decimal(0)
    return amount / (months * Decimal(interval_count or 1))


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


def _discounted(amount: Decimal, interval: str | None, count: int | None, coupons: Iterable[Coupon]) -> Decimal:
    """`amount` (monthly) less the recurring coupons, never below 0."""
    for coupon in coupons:
        if coupon.percent_off is not None:
            amount -= amount * Decimal(str(coupon.percent_off)) / Decimal(100)
        elif coupon.amount_off is not None:
            amount -= monthly(Decimal(coupon.amount_off), interval, count)
    return max(amount, Decimal(0))


def _coupons_in_force(discounts: list[dict[str, Any]], at: datetime, coupons: Mapping[str, Coupon]) -> list[Coupon]:
    """The coupons of the discounts that change recurring revenue at `at` (not `once`, not ended)."""
    found = []
    for discount in discounts:
        coupon = coupons.get(str(discount.get("coupon") or ""))
        if coupon is None or coupon.duration == "once":
            continue
        end = discount.get("end")
        if end is not None and int(end) <= at.timestamp():
            continue
        found.append(coupon)
    return found


async def revision_fields(obj: StripeObject, fields: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """The `SubscriptionRevision` columns (but links and time) of a subscription whose mirror columns are `fields`."""
    items = list_data(obj.get("items"))
    price_ids = {stripe_id_of(item.get("price") or item.get("plan")) for item in items} - {None}
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
    total = Decimal(0)
    for item in items:
        item_currency, unit_amount, interval, count = _price_terms(item, known)
        currency = currency or item_currency or None
        if unit_amount is None or item_currency != currency:
            continue
        quantity = 1 if item.get("quantity") is None else int(str(item.get("quantity")))
        amount = monthly(Decimal(unit_amount * quantity), interval, count)
        total += _discounted(amount, interval, count, in_force)
    mrr = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP)) if counts else 0
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
    the one it follows (an event older than an answer already recorded moves nothing back).
    """
    values = await revision_fields(obj, fields, at)
    latest = await SubscriptionRevision.filter(subscription_id=subscription.id).order_by("-effective_at", "-id").first()
    if latest is not None:
        if all(getattr(latest, name) == values[name] for name in _COMPARED) and latest.coupons == values["coupons"]:
            return
        at = max(at, latest.effective_at)
    await SubscriptionRevision.create(
        subscription_id=subscription.id, customer_id=subscription.customer_id, effective_at=at, **values
    )
