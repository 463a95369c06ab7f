"""Queries and mutations on invoices."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from billing import snapshots
from billing.authorization import StatusFilter, filter_id, visible_invoices, visible_subscriptions, with_status
from billing.charging import invoice_with_payment, locked_money, payment_failure, payment_method_to_charge
from billing.ledger import Attempt
from billing.mirror import invoice_subscription_id, upsert_invoice, upsert_payment, upsert_subscription
from billing.mutation_errors import MutationError
from billing.mutations import run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import fetch
from models import Customer as CustomerModel
from models import Invoice as InvoiceModel
from resolvers.node import find_typed
from schema.arguments import IdempotencyKey, MutationInput
from schema.context import Info
from schema.invoices import PayInvoiceInput, PayInvoicePayload
from stripe_provider.adapter import ProviderError


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


async def pay_invoice(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[PayInvoiceInput]
) -> PayInvoicePayload:
    """Try to pay an open invoice now, with the customer's default card or the one named."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal, stripe = info.context.principal, info.context.stripe
        row = payable(await fetch(visible_invoices(principal), input.id, "Invoice", ["input", "id"]))
        customer = await CustomerModel.get(id=row.customer_id)
        pm = None
        if input.payment_method_id not in (None, strawberry.UNSET):
            pm = await payment_method_to_charge(
                principal, customer, input.payment_method_id, ["input", "paymentMethodId"]
            )
            if stripe.is_emulator:
                raise MutationError(
                    ErrorCode.VALIDATION_FAILED,
                    "the Stripe emulator pays invoices with the default payment method only",
                    ["input", "paymentMethodId"],
                )
        # Held across the Stripe call, in every process; the status is read again inside it:
        # a payment that finished while we waited is in the mirror by then.
        async with locked_money(info, "invoice", str(row.id)):
            row = payable(await InvoiceModel.get(id=row.id))
            obj = await stripe.pay_invoice(row.stripe_id, payment_method=pm, idempotency_key=attempt.stripe_key("pay"))
            invoice, payment = await invoice_with_payment(stripe, obj["id"])
            subscription_id = invoice_subscription_id(invoice or obj)
            subscription = await stripe.call("subscriptions", "retrieve", subscription_id) if subscription_id else None
            async with in_transaction():
                if subscription is not None:
                    await upsert_subscription(subscription, customer)
                row = await upsert_invoice(invoice or obj, customer)
                if payment is not None:
                    await upsert_payment(payment, customer)
                response = {"invoice": snapshots.dump(row), "userErrors": payment_failure(payment)}
                await attempt.complete(response)
            return response

    data = await run_mutation(
        info, operation="payInvoice", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return PayInvoicePayload.from_snapshot(data)
