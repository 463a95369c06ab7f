"""Queries and mutations on payments (Stripe PaymentIntents)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import strawberry
from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from billing.authorization import filter_id, visible_customers, visible_payments
from billing.charging import payment_failure, payment_method_to_charge
from billing.mirror import upsert_payment, upsert_refund
from billing.mutation_errors import MutationError
from billing.mutations import MoneyLock, MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_amount, clean_currency, clean_text, fetch
from models import Customer
from models import Payment as PaymentModel
from resolvers.node import find_typed


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


class CreatePaymentFields(Protocol):
    """What `create_payment` reads of its input (`schema.payments.CreatePaymentInput`); left out: UNSET."""

    @property
    def customer_id(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def payment_method_id(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...


@dataclass(frozen=True)
class _Charge:
    """A validated `createPayment`."""

    customer: Customer
    amount: int
    currency: str
    payment_method: str
    description: str | None


async def create_payment(ctx: Context, call: MutationCall, input: CreatePaymentFields) -> Snapshot:
    """Charge a customer once: a confirmed PaymentIntent."""

    async def validate() -> _Charge:
        principal = ctx.principal
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
        return _Charge(customer, amount, currency, pm, description)

    async def call_stripe(charge: _Charge, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.create_payment_intent(
            customer=charge.customer.stripe_id,
            amount=charge.amount,
            currency=charge.currency,
            payment_method=charge.payment_method,
            description=charge.description,
            idempotency_key=keys.stripe_key("payment_intent"),
            resumed=keys.resumed,
        )

    async def write(charge: _Charge, obj: dict[str, Any]) -> Outcome:
        row = await upsert_payment(obj, charge.customer)
        return Outcome(rows={"payment": row}, user_errors=payment_failure(obj))

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class RefundPaymentFields(Protocol):
    """What `refund_payment` reads of its input (`schema.payments.RefundPaymentInput`); left out: UNSET."""

    @property
    def payment_id(self) -> str: ...
    @property
    def amount(self) -> int | None: ...
    @property
    def reason(self) -> Enum | None:
        """`schema.payments.RefundReason`: its values are Stripe's."""


async def refund_payment(ctx: Context, call: MutationCall, input: RefundPaymentFields) -> Snapshot:
    """Refund all that is left of a payment, or part of it; never more than is left.

    The payment's money lock is held across the Stripe calls, the mirror write and the
    ledger completion, in every process: what is left is read and spent as one step.
    """

    async def validate() -> tuple[PaymentModel, int | None]:
        row = await fetch(visible_payments(ctx.principal), input.payment_id, "Payment", ["input", "paymentId"])
        if row.status not in REFUNDABLE_STATUSES:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"the payment is {row.status}; only succeeded payments can be refunded",
                ["input", "paymentId"],
            )
        requested = (
            None if input.amount in (None, strawberry.UNSET) else clean_amount(input.amount, ["input", "amount"])
        )
        return row, requested

    def lock(checked: tuple[PaymentModel, int | None]) -> MoneyLock:
        return "payment", str(checked[0].id)

    async def call_stripe(
        checked: tuple[PaymentModel, int | None], keys: StripeKeys
    ) -> tuple[PaymentModel, dict[str, Any]]:
        row, requested = checked
        stripe = ctx.stripe
        # Refunds made elsewhere (the dashboard) count too: read the charge back first (its own transaction:
        # the mirror keeps what Stripe said even when nothing is left to refund).
        async with in_transaction():
            row = await upsert_payment(await stripe.retrieve_payment_intent(row.stripe_id))
        left = (row.amount_received or row.amount) - row.amount_refunded
        if left <= 0:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "nothing is left to refund", ["input", "amount"])
        amount = left if requested is None else requested
        if amount > left:
            raise MutationError(ErrorCode.VALIDATION_FAILED, f"only {left} is left to refund", ["input", "amount"])
        reason = input.reason if input.reason not in (None, strawberry.UNSET) else None
        obj = await stripe.create_refund(
            payment_intent=row.stripe_id,
            amount=amount,
            reason=None if reason is None else str(reason.value),
            idempotency_key=keys.stripe_key("refund"),
            resumed=keys.resumed,
        )
        return row, obj

    async def write(checked: tuple[PaymentModel, int | None], answered: tuple[PaymentModel, dict[str, Any]]) -> Outcome:
        row, obj = answered
        return Outcome(rows={"refund": await upsert_refund(obj, row)})

    return await run_mutation(ctx, call, input, validate=validate, lock=lock, call_stripe=call_stripe, write=write)
