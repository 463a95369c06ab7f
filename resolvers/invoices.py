"""Queries and mutations on invoices."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import strawberry
from graphql import GraphQLError

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from billing.authorization import StatusFilter, filter_id, visible_invoices, visible_subscriptions, with_status
from billing.charging import invoice_with_payment, payment_failure, payment_method_to_charge
from billing.mirror import invoice_subscription_id, upsert_invoice, upsert_payment, upsert_subscription
from billing.mutation_errors import MutationError
from billing.mutations import MoneyLock, MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import fetch
from models import Customer as CustomerModel
from models import Invoice as InvoiceModel
from resolvers.node import find_typed
from stripe_provider.provider_errors import ProviderError


async def invoice(context: Context, id: str) -> InvoiceModel | None:
    """One invoice by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, InvoiceModel)


async def invoices(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    customer_id: str | None = None,
    subscription_id: str | None = None,
    status: StatusFilter | None = None,
) -> Page[InvoiceModel]:
    """Invoices, newest first; optionally of one customer, of one subscription and/or in one status."""
    qs = visible_invoices(context.principal)
    if customer_id is not None:
        qs = qs.filter(customer_id=filter_id(customer_id, "Customer", "customerId"))
    if subscription_id is not None:
        qs = qs.filter(subscription_id=filter_id(subscription_id, "Subscription", "subscriptionId"))
    if status is not None:
        qs = with_status(qs, status)
    return await paginate(qs, first, after)


PAYABLE_STATUSES = frozenset({"draft", "open"})


async def upcoming_invoice(context: Context, subscription_id: str) -> dict[str, Any] | None:
    """Stripe's preview of a subscription's next invoice (its invoice object); None for an unknown subscription."""
    try:
        pk = parse_typed_id(subscription_id, "Subscription")
    except InvalidIdError:
        return None
    row = await visible_subscriptions(context.principal).get_or_none(id=pk).prefetch_related("customer")
    if row is None:
        return None
    try:
        return await context.stripe.preview_invoice(customer=row.customer.stripe_id, subscription=row.stripe_id)
    except ProviderError as error:
        raise GraphQLError(error.message, extensions={"code": error.code}) from None


def payable(row: InvoiceModel) -> InvoiceModel:
    """`row`, if it may be paid now (else VALIDATION_FAILED)."""
    if row.status not in PAYABLE_STATUSES:
        raise MutationError(ErrorCode.VALIDATION_FAILED, f"the invoice is {row.status}, not open", ["input", "id"])
    return row


class PayInvoiceFields(Protocol):
    """What `pay_invoice` reads of its input (`schema.invoices.PayInvoiceInput`); left out: UNSET."""

    @property
    def id(self) -> str: ...
    @property
    def payment_method_id(self) -> str | None: ...


@dataclass(frozen=True)
class _Paid:
    """What Stripe answered to `payInvoice`: the invoice, the PaymentIntent that paid it, its subscription."""

    invoice: dict[str, Any]
    payment: dict[str, Any] | None
    subscription: dict[str, Any] | None


async def pay_invoice(ctx: Context, call: MutationCall, input: PayInvoiceFields) -> Snapshot:
    """Try to pay an open invoice now, with the customer's default card or the one named.

    The invoice's money lock is held across the Stripe calls, the mirror write and the ledger
    completion, in every process.
    """
    stripe = ctx.stripe

    async def validate() -> tuple[InvoiceModel, CustomerModel, str | None]:
        principal = ctx.principal
        row = payable(await fetch(visible_invoices(principal), input.id, "Invoice", ["input", "id"]))
        customer = await CustomerModel.get(id=row.customer_id)
        pm = None
        if input.payment_method_id not in (None, strawberry.UNSET):
            # The sandbox serves `payment_method` on invoice payments too (sandbox/test_clocks.py).
            pm = await payment_method_to_charge(
                principal, customer, input.payment_method_id, ["input", "paymentMethodId"]
            )
        return row, customer, pm

    def lock(checked: tuple[InvoiceModel, CustomerModel, str | None]) -> MoneyLock:
        return "invoice", str(checked[0].id)

    async def call_stripe(checked: tuple[InvoiceModel, CustomerModel, str | None], keys: StripeKeys) -> _Paid:
        row, _, pm = checked
        # The status is read again inside the lock: a payment that finished while we waited is in the mirror by then.
        row = payable(await InvoiceModel.get(id=row.id))
        obj = await stripe.pay_invoice(row.stripe_id, payment_method=pm, idempotency_key=keys.stripe_key("pay"))
        invoice, payment = await invoice_with_payment(stripe, obj["id"])
        subscription_id = invoice_subscription_id(invoice or obj)
        subscription = await stripe.call("subscriptions", "retrieve", subscription_id) if subscription_id else None
        return _Paid(invoice or obj, payment, subscription)

    async def write(checked: tuple[InvoiceModel, CustomerModel, str | None], paid: _Paid) -> Outcome:
        customer = checked[1]
        if paid.subscription is not None:
            await upsert_subscription(paid.subscription, customer)
        row = await upsert_invoice(paid.invoice, customer, changed_by_call=True)
        if paid.payment is not None:
            await upsert_payment(paid.payment, customer)
        return Outcome(rows={"invoice": row}, user_errors=payment_failure(paid.payment))

    return await run_mutation(ctx, call, input, validate=validate, lock=lock, call_stripe=call_stripe, write=write)


class InvoiceActionFields(Protocol):
    """What `finalize_invoice` and `void_invoice` read of their input (`schema.invoices.*InvoiceInput`)."""

    @property
    def id(self) -> str: ...


def _in_status(row: InvoiceModel, allowed: str, action: str) -> InvoiceModel:
    """`row`, if its status is `allowed` (else VALIDATION_FAILED saying why)."""
    if row.status != allowed:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            f"the invoice is {row.status}; only {allowed} invoices can be {action}",
            ["input", "id"],
        )
    return row


async def _change_invoice_status(
    ctx: Context,
    call: MutationCall,
    input: InvoiceActionFields,
    *,
    allowed: str,
    action: str,
    step: str,
    send: Callable[[str, str], Awaitable[dict[str, Any]]],
) -> Snapshot:
    """Move an invoice out of `allowed` with one Stripe call (`send(stripe_id, key)`), and mirror the answer.

    The invoice's money lock is held across the call, so a finalize, a void and a payment of one
    invoice never interleave; the status is read again inside it.
    """

    async def validate() -> tuple[InvoiceModel, CustomerModel]:
        row = _in_status(
            await fetch(visible_invoices(ctx.principal), input.id, "Invoice", ["input", "id"]), allowed, action
        )
        return row, await CustomerModel.get(id=row.customer_id)

    def lock(checked: tuple[InvoiceModel, CustomerModel]) -> MoneyLock:
        return "invoice", str(checked[0].id)

    async def call_stripe(checked: tuple[InvoiceModel, CustomerModel], keys: StripeKeys) -> dict[str, Any]:
        row = _in_status(await InvoiceModel.get(id=checked[0].id), allowed, action)
        return await send(row.stripe_id, keys.stripe_key(step))

    async def write(checked: tuple[InvoiceModel, CustomerModel], obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"invoice": await upsert_invoice(obj, checked[1], changed_by_call=True)})

    return await run_mutation(ctx, call, input, validate=validate, lock=lock, call_stripe=call_stripe, write=write)


async def finalize_invoice(ctx: Context, call: MutationCall, input: InvoiceActionFields) -> Snapshot:
    """Finalize a draft invoice at Stripe (draft -> open) and mirror it; any other status is VALIDATION_FAILED."""

    async def send(stripe_id: str, key: str) -> dict[str, Any]:
        return await ctx.stripe.finalize_invoice(stripe_id, idempotency_key=key)

    return await _change_invoice_status(
        ctx, call, input, allowed="draft", action="finalized", step="finalize", send=send
    )


async def void_invoice(ctx: Context, call: MutationCall, input: InvoiceActionFields) -> Snapshot:
    """Void an open invoice at Stripe (open -> void) and mirror it; any other status is VALIDATION_FAILED."""

    async def send(stripe_id: str, key: str) -> dict[str, Any]:
        return await ctx.stripe.void_invoice(stripe_id, idempotency_key=key)

    return await _change_invoice_status(ctx, call, input, allowed="open", action="voided", step="void", send=send)
