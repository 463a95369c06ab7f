"""Queries and mutations on subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol

import strawberry

from base.error_codes import ErrorCode
from billing.authorization import StatusFilter, filter_id, visible_customers, visible_subscriptions, with_status
from billing.charging import invoice_with_payment, payment_failure, payment_method_to_charge
from billing.mirror import stripe_id_of, upsert_invoice, upsert_payment, upsert_price, upsert_subscription
from billing.mutation_errors import MutationError, user_error
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_quantity, clean_stripe_id, fetch
from models import Customer
from models import Subscription as SubscriptionModel
from models import SubscriptionItem as SubscriptionItemModel
from resolvers.node import find_typed
from stripe_provider.provider_errors import ProviderError


async def subscription(context: Context, id: str) -> SubscriptionModel | None:
    """One subscription by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, SubscriptionModel)


async def subscriptions(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    customer_id: str | None = None,
    status: StatusFilter | None = None,
) -> Page[SubscriptionModel]:
    """Subscriptions, newest first; optionally of one customer and/or in one status."""
    qs = visible_subscriptions(context.principal)
    if customer_id is not None:
        qs = qs.filter(customer_id=filter_id(customer_id, "Customer", "customerId"))
    if status is not None:
        qs = with_status(qs, status)
    return await paginate(qs, first, after)


TERMINAL_STATUSES = frozenset({"canceled", "incomplete_expired"})
DEFAULT_PRORATION = "create_prorations"
"""Stripe's proration behaviour when the client sends none (`ProrationBehavior.CREATE_PRORATIONS`)."""


async def _retrieve_price(ctx: Context, price_id: str) -> dict[str, Any]:
    try:
        return await ctx.stripe.retrieve_price(price_id)
    except ProviderError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise MutationError(ErrorCode.NOT_FOUND, f"no price {price_id!r} at Stripe", ["input", "priceId"]) from None
        raise


class CreateSubscriptionFields(Protocol):
    """What `create_subscription` reads of its input (`schema.subscriptions.CreateSubscriptionInput`)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def price_id(self) -> str: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def payment_method_id(self) -> str | None: ...
    @property
    def trial_days(self) -> int | None: ...


@dataclass(frozen=True)
class _NewSubscription:
    """A validated `createSubscription`."""

    customer: Customer
    price_id: str
    quantity: int
    payment_method: str
    trial_days: int | None


@dataclass(frozen=True)
class _Subscribed:
    """What Stripe answered to `createSubscription`: the price, the subscription, its first invoice and payment."""

    price: dict[str, Any]
    subscription: dict[str, Any]
    invoice: dict[str, Any] | None
    payment: dict[str, Any] | None


async def create_subscription(ctx: Context, call: MutationCall, input: CreateSubscriptionFields) -> Snapshot:
    """Subscribe a customer to a price and charge the first invoice now."""

    async def validate() -> _NewSubscription:
        principal = ctx.principal
        customer = await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])
        price_id = clean_stripe_id(input.price_id, ["input", "priceId"], what="priceId")
        quantity = clean_quantity(input.quantity, ["input", "quantity"])
        trial_days = None if input.trial_days in (None, strawberry.UNSET) else input.trial_days
        if trial_days is not None and not 1 <= trial_days <= 730:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "trialDays must be between 1 and 730", ["input", "trialDays"]
            )
        pm = await payment_method_to_charge(principal, customer, input.payment_method_id, ["input", "paymentMethodId"])
        return _NewSubscription(customer, price_id, quantity, pm, trial_days)

    async def call_stripe(new: _NewSubscription, keys: StripeKeys) -> _Subscribed:
        stripe = ctx.stripe
        price = await _retrieve_price(ctx, new.price_id)
        obj = await stripe.create_subscription(
            customer=new.customer.stripe_id,
            price=new.price_id,
            quantity=new.quantity,
            payment_method=new.payment_method,
            trial_days=new.trial_days,
            idempotency_key=keys.stripe_key("subscription"),
            resumed=keys.resumed,
        )
        invoice, payment = await invoice_with_payment(stripe, stripe_id_of(obj.get("latest_invoice")))
        return _Subscribed(price, obj, invoice, payment)

    async def write(new: _NewSubscription, answered: _Subscribed) -> Outcome:
        await upsert_price(answered.price)
        row = await upsert_subscription(answered.subscription, new.customer)
        if answered.invoice is not None:
            await upsert_invoice(answered.invoice, new.customer)
        if answered.payment is not None:
            await upsert_payment(answered.payment, new.customer)
        return Outcome(rows={"subscription": row}, user_errors=payment_failure(answered.payment))

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class UpdateSubscriptionFields(Protocol):
    """What `update_subscription` reads of its input (`schema.subscriptions.UpdateSubscriptionInput`)."""

    @property
    def id(self) -> str: ...
    @property
    def price_id(self) -> str | None: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def proration_behavior(self) -> Enum | None:
        """`schema.subscriptions.ProrationBehavior`: its values are Stripe's."""

    @property
    def proration_date(self) -> datetime | None: ...


@dataclass(frozen=True)
class _Change:
    """A validated change of a subscription's item: the row, its first item, the new price and quantity, and when.

    `quantity` is what Stripe is sent: a price change keeps the item's quantity (emulators reset an
    item they re-price to 1). `proration_date` is a Unix time, None for "now".
    """

    row: SubscriptionModel
    item: SubscriptionItemModel
    price_id: str | None
    quantity: int | None
    behavior: str
    proration_date: int | None


def _behavior(value: Enum | None) -> str:
    return DEFAULT_PRORATION if value in (None, strawberry.UNSET) else str(value.value)  # type: ignore[union-attr]


def _proration_date(value: datetime | None, row: SubscriptionModel, field: list[str]) -> int | None:
    """`prorationDate` as a Unix time, within the subscription's current period (Stripe refuses others)."""
    if value in (None, strawberry.UNSET):
        return None
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "prorationDate must carry a UTC offset", field)
    start, end = row.current_period_start, row.current_period_end
    if start is None or end is None or not start <= value <= end:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED, "prorationDate must be within the subscription's current period", field
        )
    return int(value.timestamp())


async def _checked_change(
    ctx: Context,
    subscription_id: str,
    price_id: str | None,
    quantity: int | None,
    behavior: Enum | None,
    proration_date: datetime | None,
    id_field: str,
) -> _Change:
    """The change an `updateSubscription` or a `previewSubscriptionChange` input asks for, checked (no Stripe call)."""
    row = await fetch(visible_subscriptions(ctx.principal), subscription_id, "Subscription", ["input", id_field])
    if row.status in TERMINAL_STATUSES:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"the subscription is {row.status}", ["input", id_field])
    price = None
    if price_id not in (None, strawberry.UNSET):
        assert isinstance(price_id, str)
        price = clean_stripe_id(price_id, ["input", "priceId"], what="priceId")
    units = None
    if quantity not in (None, strawberry.UNSET):
        units = clean_quantity(quantity, ["input", "quantity"])
    if price is None and units is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "nothing to change: give priceId or quantity", ["input"])
    at = _proration_date(proration_date, row, ["input", "prorationDate"])
    item = await SubscriptionItemModel.filter(subscription_id=row.id).order_by("created_at").first()
    if item is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "the subscription has no item to change", ["input", id_field])
    if price is not None and units is None:
        units = item.quantity
    return _Change(row, item, price, units, _behavior(behavior), at)


async def update_subscription(ctx: Context, call: MutationCall, input: UpdateSubscriptionFields) -> Snapshot:
    """Change a subscription's price or quantity, prorated as asked."""

    async def validate() -> _Change:
        return await _checked_change(
            ctx, input.id, input.price_id, input.quantity, input.proration_behavior, input.proration_date, "id"
        )

    async def call_stripe(change: _Change, keys: StripeKeys) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        price = await _retrieve_price(ctx, change.price_id) if change.price_id is not None else None
        obj = await ctx.stripe.update_subscription_item(
            change.row.stripe_id,
            item=change.item.stripe_id,
            price=change.price_id,
            quantity=change.quantity,
            proration_behavior=change.behavior,
            proration_date=change.proration_date,
            idempotency_key=keys.stripe_key("update"),
        )
        return price, obj

    async def write(change: _Change, answered: tuple[dict[str, Any] | None, dict[str, Any]]) -> Outcome:
        # With `always_invoice` the invoice Stripe made at once (`latest_invoice`) and its payment reach the
        # mirror through their webhooks: upserting them here too, beside the subscription, deadlocked with the
        # worker applying `invoice.created` (it links the subscription row this transaction holds).
        price, obj = answered
        if price is not None:
            await upsert_price(price)
        return Outcome(rows={"subscription": await upsert_subscription(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class CancelSubscriptionFields(Protocol):
    """What `cancel_subscription` reads of its input (`schema.subscriptions.CancelSubscriptionInput`)."""

    @property
    def id(self) -> str: ...
    @property
    def at_period_end(self) -> bool | None: ...


async def cancel_subscription(ctx: Context, call: MutationCall, input: CancelSubscriptionFields) -> Snapshot:
    """Cancel a subscription now, or at the end of its current period."""

    async def validate() -> SubscriptionModel:
        row = await fetch(visible_subscriptions(ctx.principal), input.id, "Subscription", ["input", "id"])
        if row.status in TERMINAL_STATUSES:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, f"the subscription is already {row.status}", ["input", "id"]
            )
        return row

    async def call_stripe(row: SubscriptionModel, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.cancel_subscription(
            row.stripe_id, at_period_end=bool(input.at_period_end), idempotency_key=keys.stripe_key("cancel")
        )

    async def write(row: SubscriptionModel, obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"subscription": await upsert_subscription(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


PAUSE_BEHAVIORS = frozenset({"keep_as_draft", "mark_uncollectible", "void"})
"""Stripe's `pause_collection.behavior` values (`schema.subscriptions.PauseBehavior`, UNKNOWN aside)."""


def _not_ended(row: SubscriptionModel, verb: str) -> SubscriptionModel:
    """The row, unless the subscription has ended: then a SUBSCRIPTION_ENDED userError."""
    if row.status in TERMINAL_STATUSES:
        raise MutationError(
            ErrorCode.SUBSCRIPTION_ENDED, f"the subscription is {row.status}: it cannot be {verb}", ["input", "id"]
        )
    return row


class PauseSubscriptionFields(Protocol):
    """What `pause_subscription` reads of its input (`schema.subscriptions.PauseSubscriptionInput`)."""

    @property
    def id(self) -> str: ...
    @property
    def behavior(self) -> Enum:
        """`schema.subscriptions.PauseBehavior`: its values are Stripe's."""

    @property
    def resumes_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class _Pause:
    """A validated `pauseSubscription`: the row, Stripe's behavior, and when collection resumes (unix time)."""

    row: SubscriptionModel
    behavior: str
    resumes_at: int | None


def _clean_resumes_at(value: datetime | None) -> int | None:
    """`resumesAt` as Stripe's unix time: aware and in the future, or absent (paused until resumed)."""
    if value in (None, strawberry.UNSET):
        return None
    assert isinstance(value, datetime)
    field = ["input", "resumesAt"]
    if value.tzinfo is None:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "resumesAt needs a UTC offset (e.g. `Z`)", field)
    if value <= datetime.now(UTC):
        raise MutationError(ErrorCode.VALIDATION_FAILED, "resumesAt must be in the future", field)
    return int(value.timestamp())


async def pause_subscription(ctx: Context, call: MutationCall, input: PauseSubscriptionFields) -> Snapshot:
    """Pause collection of a subscription's payments (Stripe's `pause_collection`); its status stays."""

    async def validate() -> _Pause:
        row = await fetch(visible_subscriptions(ctx.principal), input.id, "Subscription", ["input", "id"])
        _not_ended(row, "paused")
        behavior = str(input.behavior.value)
        if behavior not in PAUSE_BEHAVIORS:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                "behavior must be KEEP_AS_DRAFT, MARK_UNCOLLECTIBLE or VOID",
                ["input", "behavior"],
            )
        return _Pause(row, behavior, _clean_resumes_at(input.resumes_at))

    async def call_stripe(pause: _Pause, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.pause_subscription(
            pause.row.stripe_id,
            behavior=pause.behavior,
            resumes_at=pause.resumes_at,
            idempotency_key=keys.stripe_key("pause"),
        )

    async def write(pause: _Pause, obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"subscription": await upsert_subscription(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class ResumeSubscriptionFields(Protocol):
    """What `resume_subscription` reads of its input (`schema.subscriptions.ResumeSubscriptionInput`)."""

    @property
    def id(self) -> str: ...


async def resume_subscription(ctx: Context, call: MutationCall, input: ResumeSubscriptionFields) -> Snapshot:
    """Resume collection of a paused subscription (Stripe's `pause_collection` unset)."""

    async def validate() -> SubscriptionModel:
        row = await fetch(visible_subscriptions(ctx.principal), input.id, "Subscription", ["input", "id"])
        _not_ended(row, "resumed")
        if row.pause_behavior is None:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "the subscription is not paused", ["input", "id"])
        return row

    async def call_stripe(row: SubscriptionModel, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.resume_subscription(row.stripe_id, idempotency_key=keys.stripe_key("resume"))

    async def write(row: SubscriptionModel, obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"subscription": await upsert_subscription(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class SubscriptionChangeFields(Protocol):
    """What `preview_subscription_change` reads of its input (`schema.subscriptions.SubscriptionChangeInput`)."""

    @property
    def subscription_id(self) -> str: ...
    @property
    def price_id(self) -> str | None: ...
    @property
    def quantity(self) -> int | None: ...
    @property
    def proration_behavior(self) -> Enum | None: ...
    @property
    def proration_date(self) -> datetime | None: ...


@dataclass(frozen=True)
class ChangePreview:
    """The invoice a change would produce (Stripe's invoice object, not stored), or why there is none."""

    invoice: dict[str, Any] | None
    user_errors: list[dict[str, Any]]


async def preview_subscription_change(ctx: Context, input: SubscriptionChangeFields) -> ChangePreview:
    """Stripe's preview of the invoice `updateSubscription` with the same input would produce; nothing changes.

    With the same `prorationDate` the prorations equal those of the update. Bad input answers userErrors (as
    the mutation would); another customer's subscription, for a session, is FORBIDDEN.
    """
    try:
        change = await _checked_change(
            ctx,
            input.subscription_id,
            input.price_id,
            input.quantity,
            input.proration_behavior,
            input.proration_date,
            "subscriptionId",
        )
        customer = await Customer.get(id=change.row.customer_id)
        invoice = await ctx.stripe.preview_subscription_change(
            customer=customer.stripe_id,
            subscription=change.row.stripe_id,
            item=change.item.stripe_id,
            price=change.price_id,
            quantity=change.quantity,
            proration_behavior=change.behavior,
            proration_date=change.proration_date,
        )
    except MutationError as error:
        return ChangePreview(None, [error.as_user_error()])
    except ProviderError as error:
        field = ["input", "priceId"] if error.code == ErrorCode.NOT_FOUND else None
        return ChangePreview(None, [user_error(error.code, error.message, field)])
    return ChangePreview(invoice, [])
