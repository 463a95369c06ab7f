"""Queries and mutations on subscriptions."""

from __future__ import annotations

from typing import Any

import strawberry
from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from billing import snapshots
from billing.authorization import StatusFilter, filter_id, visible_customers, visible_subscriptions, with_status
from billing.charging import invoice_with_payment, payment_failure, payment_method_to_charge
from billing.ledger import Attempt
from billing.mirror import stripe_id_of, upsert_invoice, upsert_payment, upsert_price, upsert_subscription
from billing.mutation_errors import MutationError
from billing.mutations import run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_quantity, clean_stripe_id, fetch
from models import Subscription as SubscriptionModel
from models import SubscriptionItem as SubscriptionItemModel
from resolvers.node import find_typed
from schema.arguments import IdempotencyKey, MutationInput
from schema.context import Info
from schema.subscriptions import (
    CancelSubscriptionInput,
    CancelSubscriptionPayload,
    CreateSubscriptionInput,
    CreateSubscriptionPayload,
    ProrationBehavior,
    UpdateSubscriptionInput,
    UpdateSubscriptionPayload,
)
from stripe_provider.adapter import ProviderError


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


async def _retrieve_price(info: Info, price_id: str) -> dict[str, Any]:
    try:
        return await info.context.stripe.retrieve_price(price_id)
    except ProviderError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise MutationError(ErrorCode.NOT_FOUND, f"no price {price_id!r} at Stripe", ["input", "priceId"]) from None
        raise


async def create_subscription(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateSubscriptionInput]
) -> CreateSubscriptionPayload:
    """Subscribe a customer to a price and charge the first invoice now."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal, stripe = info.context.principal, info.context.stripe
        customer = await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])
        price_id = clean_stripe_id(input.price_id, ["input", "priceId"], what="priceId")
        quantity = clean_quantity(input.quantity, ["input", "quantity"])
        trial_days = None if input.trial_days in (None, strawberry.UNSET) else input.trial_days
        if trial_days is not None and not 1 <= trial_days <= 730:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "trialDays must be between 1 and 730", ["input", "trialDays"]
            )
        pm = await payment_method_to_charge(principal, customer, input.payment_method_id, ["input", "paymentMethodId"])
        price = await _retrieve_price(info, price_id)
        obj = await stripe.create_subscription(
            customer=customer.stripe_id,
            price=price_id,
            quantity=quantity,
            payment_method=pm,
            trial_days=trial_days,
            idempotency_key=attempt.stripe_key("subscription"),
            resumed=attempt.resumed,
        )
        invoice, payment = await invoice_with_payment(stripe, stripe_id_of(obj.get("latest_invoice")))
        async with in_transaction():
            await upsert_price(price)
            row = await upsert_subscription(obj, customer)
            if invoice is not None:
                await upsert_invoice(invoice, customer)
            if payment is not None:
                await upsert_payment(payment, customer)
            response = {"subscription": snapshots.dump(row), "userErrors": payment_failure(payment)}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="createSubscription", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return CreateSubscriptionPayload.from_snapshot(data)


async def update_subscription(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[UpdateSubscriptionInput]
) -> UpdateSubscriptionPayload:
    """Change a subscription's price or quantity, prorated as asked."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal, stripe = info.context.principal, info.context.stripe
        row = await fetch(visible_subscriptions(principal), input.id, "Subscription", ["input", "id"])
        if row.status in TERMINAL_STATUSES:
            raise MutationError(ErrorCode.VALIDATION_FAILED, f"the subscription is {row.status}", ["input", "id"])
        price_id = None
        if input.price_id not in (None, strawberry.UNSET):
            price_id = clean_stripe_id(input.price_id, ["input", "priceId"], what="priceId")
        quantity = None
        if input.quantity not in (None, strawberry.UNSET):
            quantity = clean_quantity(input.quantity, ["input", "quantity"])
        if price_id is None and quantity is None:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "nothing to update: give priceId or quantity", ["input"])
        item = await SubscriptionItemModel.filter(subscription_id=row.id).order_by("created_at").first()
        if item is None:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "the subscription has no item to change", ["input", "id"])
        price = await _retrieve_price(info, price_id) if price_id is not None else None
        if price_id is not None and quantity is None:
            # A price change keeps the quantity (emulators reset an item they re-price to 1).
            quantity = item.quantity
        behavior = input.proration_behavior or ProrationBehavior.CREATE_PRORATIONS
        obj = await stripe.update_subscription_item(
            row.stripe_id,
            item=item.stripe_id,
            price=price_id,
            quantity=quantity,
            proration_behavior=str(behavior.value),  # a plain string at run time; mypy sees enum_value()
            idempotency_key=attempt.stripe_key("update"),
        )
        async with in_transaction():
            if price is not None:
                await upsert_price(price)
            row = await upsert_subscription(obj)
            response = {"subscription": snapshots.dump(row), "userErrors": []}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="updateSubscription", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return UpdateSubscriptionPayload.from_snapshot(data)


async def cancel_subscription(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CancelSubscriptionInput]
) -> CancelSubscriptionPayload:
    """Cancel a subscription now, or at the end of its current period."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        row = await fetch(visible_subscriptions(info.context.principal), input.id, "Subscription", ["input", "id"])
        if row.status in TERMINAL_STATUSES:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, f"the subscription is already {row.status}", ["input", "id"]
            )
        obj = await info.context.stripe.cancel_subscription(
            row.stripe_id, at_period_end=bool(input.at_period_end), idempotency_key=attempt.stripe_key("cancel")
        )
        async with in_transaction():
            row = await upsert_subscription(obj)
            response = {"subscription": snapshots.dump(row), "userErrors": []}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="cancelSubscription", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return CancelSubscriptionPayload.from_snapshot(data)
