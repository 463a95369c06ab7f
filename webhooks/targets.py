"""Which mirror row an event targets, how that object is read fresh from Stripe, and the write that stores it.

`target_of(event, family, obj, stripe)` maps an event's `data.object` to a `Target` (model,
upsert, fetch, status kind); `refetched(target, stripe)` is the same target with the object
as Stripe has it now, used when the event's copy may not be the newest (`webhooks.ordering`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final, Protocol

from base.error_codes import ErrorCode
from billing.mirror import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    stripe_id_of,
    unknown_discount_ids,
    upsert_coupon,
    upsert_customer,
    upsert_dispute,
    upsert_invoice,
    upsert_payment,
    upsert_payment_method,
    upsert_price,
    upsert_promotion_code,
    upsert_refund,
    upsert_subscription,
)
from billing.usage import upsert_meter
from live.bus import StatusKind
from models import (
    Coupon,
    Customer,
    Dispute,
    Invoice,
    Meter,
    Payment,
    PaymentMethod,
    Price,
    PromotionCode,
    Refund,
    Subscription,
    WebhookEvent,
)
from models.base import StripeMirrorModel
from stripe_provider.adapter import StripeAdapter
from stripe_provider.provider_errors import ProviderError

__all__ = [
    "SUBSCRIPTION_PUBLISHED_ATTRIBUTES",
    "Fetch",
    "Target",
    "Upsert",
    "check_customer_linked",
    "refetched",
    "target_of",
]

Fetch = Callable[[StripeAdapter, str], Awaitable[dict[str, Any]]]

SUBSCRIPTION_PUBLISHED_ATTRIBUTES: Final = frozenset({"pause_collection", "discounts"})
"""A pause or resume, or a change of its discounts, is pushed to `subscriptionStatusChanged` subscribers although
the status stays."""


class Upsert(Protocol):
    """`upsert(obj, stripe_event_at=…)`: the mirror write (`billing.mirror`), stamping the event's time on the row."""

    def __call__(
        self, obj: StripeObject, *, stripe_event_at: datetime | None = None
    ) -> Awaitable[StripeMirrorModel]: ...


@dataclass(frozen=True)
class Target:
    """The one mirrored object an event is about, and how to read it fresh from Stripe."""

    model: type[StripeMirrorModel]
    obj: StripeObject
    upsert: Upsert
    fetch: Fetch
    kind: StatusKind | None = None
    """Set for the objects whose status changes are published."""
    published_attributes: frozenset[str] = frozenset()
    """Attributes besides `status` whose change is published too (when the event's `previous_attributes` names one):
    a subscription's `pause_collection` changes while Stripe keeps it `active`."""
    fresh: bool = False
    """`obj` was just read from Stripe (not the event's copy): always at least as new as the event."""
    on_fresh: Callable[[StripeObject], StripeObject] = field(default=lambda obj: obj)
    """Adjusts a refetched object (a deleted customer comes back as a stub)."""

    @property
    def stripe_id(self) -> str:
        value = self.obj.get("id")
        if not value:
            raise InvalidStripeObjectError(f"the event's {self.obj.get('object', 'object')} has no id")
        return str(value)


async def _fetch_customer(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("customers", "retrieve", stripe_id)


async def _fetch_payment_method(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("payment_methods", "retrieve", stripe_id)


async def _fetch_subscription(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    # Discounts expanded: an event names them by id only (`billing.mirror.subscription_discounts`).
    return await stripe.call("subscriptions", "retrieve", stripe_id, params={"expand": ["discounts"]})


async def _fetch_invoice(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.retrieve_invoice(stripe_id)


async def _fetch_payment_intent(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.retrieve_payment_intent(stripe_id)


async def _fetch_refund(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("refunds", "retrieve", stripe_id)


async def _fetch_dispute(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.retrieve_dispute(stripe_id)


async def _fetch_coupon(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("coupons", "retrieve", stripe_id)


async def _fetch_promotion_code(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("promotion_codes", "retrieve", stripe_id)


async def _fetch_meter(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("billing.meters", "retrieve", stripe_id)


async def _with_discounts_described(obj: StripeObject, stripe: StripeAdapter) -> tuple[StripeObject, bool]:
    """The subscription, read again with its discounts expanded when it names one the mirror cannot describe."""
    stripe_id = stripe_id_of(obj.get("id"))
    if stripe_id is None:
        return obj, False
    row = await Subscription.get_or_none(stripe_id=stripe_id).only("id", "discounts")
    if not unknown_discount_ids(obj.get("discounts"), (row.discounts or []) if row is not None else []):
        return obj, False
    return await _fetch_subscription(stripe, stripe_id), True


def _price_fetcher(obj: StripeObject) -> Fetch:
    # A plan event names a plan, a price event a price: ask the endpoint that knows it.
    resource = "plans" if obj.get("object") == "plan" else "prices"

    async def fetch(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
        return await stripe.call(resource, "retrieve", stripe_id)

    return fetch


def _as_deleted_customer(event_obj: StripeObject) -> Callable[[StripeObject], StripeObject]:
    """Stripe answers a deleted customer with a stub `{id, deleted: true}`: keep the event's fields then."""

    def adjust(fetched: StripeObject) -> StripeObject:
        if fetched.get("deleted"):
            return {**event_obj, "deleted": True}
        return fetched

    return adjust


async def target_of(event: WebhookEvent, family: str, obj: StripeObject, stripe: StripeAdapter) -> Target | None:
    """What the event writes; None when there is nothing to mirror (a charge of no PaymentIntent)."""
    if family == "customer":
        if event.type == "customer.deleted":
            # The event carries the customer as it was; our row keeps its fields, flagged deleted.
            obj = {**obj, "deleted": True}
        return Target(Customer, obj, upsert_customer, _fetch_customer, on_fresh=_as_deleted_customer(obj))
    if family == "payment_method":
        return Target(PaymentMethod, obj, upsert_payment_method, _fetch_payment_method)
    if family == "subscription":
        described, refetched_now = await _with_discounts_described(obj, stripe)
        return Target(
            Subscription,
            described,
            upsert_subscription,
            _fetch_subscription,
            kind="subscription",
            published_attributes=SUBSCRIPTION_PUBLISHED_ATTRIBUTES,
            fresh=refetched_now,
        )
    if family == "invoice":
        return Target(Invoice, obj, upsert_invoice, _fetch_invoice, kind="invoice")
    if family == "payment_intent":
        return Target(Payment, obj, upsert_payment, _fetch_payment_intent, kind="payment")
    if family == "price":
        return Target(Price, obj, upsert_price, _price_fetcher(obj))
    if family == "refund":
        if obj.get("object") == "charge" or event.type.startswith("charge."):
            # charge.refunded: what the mirror keeps is on the PaymentIntent (amount refunded):
            # read it fresh rather than patch it from the charge.
            intent_id = stripe_id_of(obj.get("payment_intent"))
            if intent_id is None:
                return None
            fresh = await _fetch_payment_intent(stripe, intent_id)
            return Target(Payment, fresh, upsert_payment, _fetch_payment_intent, kind="payment", fresh=True)
        return Target(Refund, obj, upsert_refund, _fetch_refund)
    if family == "dispute":
        return Target(Dispute, obj, upsert_dispute, _fetch_dispute, kind="dispute")
    if family == "coupon":
        if event.type == "coupon.deleted":
            obj = {**obj, "deleted": True}
        return Target(Coupon, obj, upsert_coupon, _fetch_coupon)
    if family == "promotion_code":
        return Target(PromotionCode, obj, upsert_promotion_code, _fetch_promotion_code)
    if family == "meter":
        return Target(Meter, obj, upsert_meter, _fetch_meter)
    raise InvalidStripeObjectError(f"no handler for event family {family!r}")


async def refetched(target: Target, stripe: StripeAdapter) -> Target:
    """`target` with its object as Stripe has it now (`fresh`): what is written when the event's copy is in doubt."""
    try:
        fetched: StripeObject = target.on_fresh(await target.fetch(stripe, target.stripe_id))
    except ProviderError as exc:
        if exc.code != ErrorCode.NOT_FOUND:
            raise
        # Gone at Stripe: the event's copy is the last word there will be.
        fetched = target.on_fresh({**target.obj, "deleted": True}) if target.model is Customer else target.obj
    return replace(target, obj=fetched, fresh=True)


_CUSTOMER_LINKED: Final[tuple[type[StripeMirrorModel], ...]] = (PaymentMethod, Payment)
"""Targets whose customer link is optional in the mirror, but which an event only writes with it."""


def check_customer_linked(target: Target, row: StripeMirrorModel) -> None:
    """Raise `MissingParentError` when the object names a customer that is not mirrored yet.

    The upsert links the customer only when its row exists; raising here rolls the write
    back, so the customer is fetched first (`webhooks.apply`) and the write redone with the link.
    """
    if target.model in _CUSTOMER_LINKED and getattr(row, "customer_id", None) is None:
        customer_id = stripe_id_of(target.obj.get("customer"))
        if customer_id is not None:
            raise MissingParentError("customer", customer_id)
