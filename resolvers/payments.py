"""Queries and mutations on payments (Stripe PaymentIntents)."""

from __future__ import annotations

from typing import Any

import strawberry
from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from billing import snapshots
from billing.authorization import filter_id, visible_customers, visible_payments
from billing.charging import locked_money, payment_failure, payment_method_to_charge
from billing.ledger import Attempt
from billing.mirror import upsert_payment, upsert_refund
from billing.mutation_errors import MutationError
from billing.mutations import run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_amount, clean_currency, clean_text, fetch
from models import Payment as PaymentModel
from resolvers.node import find_typed
from schema.arguments import IdempotencyKey, MutationInput
from schema.context import Info
from schema.payments import CreatePaymentInput, CreatePaymentPayload, RefundPaymentInput, RefundPaymentPayload


async def payment(context: Context, id: str) -> PaymentModel | None:
    """One payment by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, PaymentModel)


async def payments(
    context: Context, first: int | None = None, after: str | None = None, customer_id: str | None = None
) -> Page[PaymentModel]:
    """Payments, newest first; optionally of one customer."""
    qs = visible_payments(context.principal)
    if customer_id is not None:
        qs = qs.filter(customer_id=filter_id(customer_id, "Customer", "customerId"))
    return await paginate(qs, first, after)


REFUNDABLE_STATUSES = frozenset({"succeeded"})


async def create_payment(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreatePaymentInput]
) -> CreatePaymentPayload:
    """Charge a customer once: a confirmed PaymentIntent."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal, stripe = info.context.principal, info.context.stripe
        customer = await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])
        amount = clean_amount(input.amount, ["input", "amount"])
        currency = clean_currency(input.currency, ["input", "currency"])
        description = None if input.description in (None, strawberry.UNSET) else input.description
        if description is not None and len(description) > 1000:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "description is at most 1000 characters", ["input", "description"]
            )
        if description is not None:
            clean_text(description, "description", ["input", "description"])
        pm = await payment_method_to_charge(principal, customer, input.payment_method_id, ["input", "paymentMethodId"])
        obj = await stripe.create_payment_intent(
            customer=customer.stripe_id,
            amount=amount,
            currency=currency,
            payment_method=pm,
            description=description,
            idempotency_key=attempt.stripe_key("payment_intent"),
            resumed=attempt.resumed,
        )
        async with in_transaction():
            row = await upsert_payment(obj, customer)
            response = {"payment": snapshots.dump(row), "userErrors": payment_failure(obj)}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="createPayment", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return CreatePaymentPayload.from_snapshot(data)


async def refund_payment(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RefundPaymentInput]
) -> RefundPaymentPayload:
    """Refund all that is left of a payment, or part of it; never more than is left."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal = info.context.principal
        row = await fetch(visible_payments(principal), input.payment_id, "Payment", ["input", "paymentId"])
        if row.status not in REFUNDABLE_STATUSES:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"the payment is {row.status}; only succeeded payments can be refunded",
                ["input", "paymentId"],
            )
        requested = (
            None if input.amount in (None, strawberry.UNSET) else clean_amount(input.amount, ["input", "amount"])
        )
        # Held across the Stripe call, in every process: what is left is read and spent as one step.
        async with locked_money(info, "payment", str(row.id)):
            return await refund_within_lock(info, attempt, row.stripe_id, requested)

    data = await run_mutation(
        info, operation="refundPayment", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return RefundPaymentPayload.from_snapshot(data)


async def refund_within_lock(
    info: Info, attempt: Attempt, payment_intent: str, requested: int | None
) -> dict[str, Any]:
    """Refund `requested` (or all that is left) of a payment whose money lock the caller holds."""
    stripe = info.context.stripe
    # Refunds made elsewhere (the dashboard) count too: read the charge back first.
    async with in_transaction():
        row = await upsert_payment(await stripe.retrieve_payment_intent(payment_intent))
    left = (row.amount_received or row.amount) - row.amount_refunded
    if left <= 0:
        raise MutationError(ErrorCode.VALIDATION_FAILED, "nothing is left to refund", ["input", "amount"])
    amount = left if requested is None else requested
    if amount > left:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"only {left} is left to refund", ["input", "amount"])
    obj = await stripe.create_refund(
        payment_intent=row.stripe_id,
        amount=amount,
        idempotency_key=attempt.stripe_key("refund"),
        resumed=attempt.resumed,
    )
    async with in_transaction():
        refund = await upsert_refund(obj, row)
        response = {"refund": snapshots.dump(refund), "userErrors": []}
        await attempt.complete(response)
    return response
