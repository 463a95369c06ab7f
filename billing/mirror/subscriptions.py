"""Subscriptions and their items, from any API version.

Shapes seen: old API versions and localstripe put `current_period_start/end` (and
`plan`, `quantity`) on the subscription; current versions have the periods on each
item only. Items carry `price`, or only `plan` on emulators and old versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from billing.mirror.common import (
    InvalidStripeObjectError,
    StripeObject,
    from_timestamp,
    list_data,
    mirror_fields,
    object_id,
    required_str,
    stripe_id_of,
    synced_now,
)
from billing.mirror.customers import require_customer
from billing.mirror.discounts import subscription_discounts
from billing.mirror.revisions import record_revision
from models import Customer, Invoice, Subscription, SubscriptionItem


def _item_price(item: StripeObject) -> Any:
    # Stripe fills both `price` and `plan` on items of plan-based subscriptions; emulators only `plan`.
    return item.get("price") or item.get("plan")


def _quantity(value: Any) -> int:
    # Metered items carry no quantity; Stripe treats them as 1 for display.
    return 1 if value is None else int(value)


def subscription_item_fields(item: StripeObject, subscription: StripeObject | None = None) -> dict[str, Any]:
    """The `SubscriptionItem` columns of one entry of `subscription.items.data` (without the subscription link)."""
    price_stripe_id = stripe_id_of(_item_price(item))
    if price_stripe_id is None:
        raise InvalidStripeObjectError(f"subscription item {item.get('id')} has neither price nor plan")
    return {
        **mirror_fields(item, parent=subscription),
        "price_stripe_id": price_stripe_id,
        "quantity": _quantity(item.get("quantity")),
        "current_period_start": from_timestamp(item.get("current_period_start")),
        "current_period_end": from_timestamp(item.get("current_period_end")),
    }


def _period(obj: StripeObject, items: list[StripeObject]) -> tuple[datetime | None, datetime | None]:
    """The subscription's current period: its own (old shape), else the span of its items' periods."""
    start = from_timestamp(obj.get("current_period_start"))
    end = from_timestamp(obj.get("current_period_end"))
    item_starts = [s for s in (from_timestamp(i.get("current_period_start")) for i in items) if s is not None]
    item_ends = [e for e in (from_timestamp(i.get("current_period_end")) for i in items) if e is not None]
    if start is None and item_starts:
        start = min(item_starts)
    if end is None and item_ends:
        end = max(item_ends)
    return start, end


def pause_fields(obj: StripeObject) -> dict[str, Any]:
    """The pause columns of a subscription: Stripe's `pause_collection` (null, or `{behavior, resumes_at}`)."""
    pause = obj.get("pause_collection")
    if not isinstance(pause, Mapping) or not pause.get("behavior"):
        return {"pause_behavior": None, "pause_resumes_at": None}
    return {"pause_behavior": str(pause["behavior"]), "pause_resumes_at": from_timestamp(pause.get("resumes_at"))}


def subscription_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Subscription` columns of a Stripe subscription (without the customer link).

    Price and quantity are the first item's (the gateway creates one-item
    subscriptions), falling back to the old top-level `plan`/`quantity`.
    """
    items = list_data(obj.get("items"))
    first = items[0] if items else {}
    period_start, period_end = _period(obj, items)
    quantity = first.get("quantity") if first else obj.get("quantity")
    status = required_str(obj, "status")
    ended_at = from_timestamp(obj.get("ended_at"))
    # Emulators leave canceled_at empty on an immediate cancel; it ended when it was canceled.
    canceled_at = from_timestamp(obj.get("canceled_at")) or (ended_at if status == "canceled" else None)
    return {
        **mirror_fields(obj),
        "status": status,
        "price_stripe_id": stripe_id_of(_item_price(first) if first else obj.get("plan")),
        "quantity": _quantity(quantity),
        "current_period_start": period_start,
        "current_period_end": period_end,
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end", False)),
        "canceled_at": canceled_at,
        "ended_at": ended_at,
        "trial_end": from_timestamp(obj.get("trial_end")),
        "latest_invoice_stripe_id": stripe_id_of(obj.get("latest_invoice")),
        "default_payment_method_stripe_id": stripe_id_of(obj.get("default_payment_method")),
        **pause_fields(obj),
    }


def _past_due_since(current: Subscription | None, status: str, stripe_event_at: datetime | None) -> datetime | None:
    """When the subscription became `past_due`: kept while it stays so, set now when it just became so, else null.

    Stripe does not say when; the mirror stamps the time of the event (or answer) that first showed it past due.
    """
    if status != "past_due":
        return None
    if current is not None and current.past_due_since is not None:
        return current.past_due_since
    return stripe_event_at or datetime.now(UTC)


async def upsert_subscription(
    obj: StripeObject, customer: Customer | None = None, *, stripe_event_at: datetime | None = None
) -> Subscription:
    """Create or update the mirror rows of a Stripe subscription and its items.

    Items no longer listed are deleted (only when the list is complete). Invoices
    mirrored before this subscription are linked to it. Raises `MissingParentError`
    when its customer is not mirrored yet. `stripe_event_at` (the applied event's
    `created`) is written with the subscription's row when given, and dates the revision
    (`SubscriptionRevision`) added when what counts for MRR changed (else: now).
    """
    stripe_id = object_id(obj)
    customer = await require_customer(obj, customer)
    fields = subscription_fields(obj)
    if stripe_event_at is not None:
        fields["stripe_event_at"] = stripe_event_at
    items_list = obj.get("items")
    items = list_data(items_list)
    item_rows = [(object_id(item), subscription_item_fields(item, obj)) for item in items]
    async with in_transaction():
        current = await Subscription.get_or_none(stripe_id=stripe_id).only("id", "past_due_since", "discounts")
        fields["past_due_since"] = _past_due_since(current, fields["status"], stripe_event_at)
        known = (current.discounts or []) if current is not None else []
        discounts = subscription_discounts(obj.get("discounts"), known)
        if discounts is not None:
            fields["discounts"] = discounts
        subscription, _ = await Subscription.update_or_create(
            defaults={**fields, **synced_now(), "customer": customer}, stripe_id=stripe_id
        )
        for item_id, item_fields in item_rows:
            await SubscriptionItem.update_or_create(
                defaults={**item_fields, **synced_now(), "subscription": subscription}, stripe_id=item_id
            )
        # A partial answer (no `items`, or a page with `has_more`) says nothing about the others.
        if isinstance(items_list, Mapping) and not items_list.get("has_more", False):
            await (
                SubscriptionItem.filter(subscription_id=subscription.id)
                .exclude(stripe_id__in=[item_id for item_id, _ in item_rows])
                .delete()
            )
        await Invoice.filter(subscription_stripe_id=stripe_id, subscription_id__isnull=True).update(
            subscription_id=subscription.id
        )
        # Revenue analytics: the MRR-relevant state over time (billing.mirror.revisions).
        revision_at = stripe_event_at or datetime.now(UTC)
        await record_revision(subscription, obj, {**fields, "discounts": subscription.discounts}, revision_at)
    return subscription
