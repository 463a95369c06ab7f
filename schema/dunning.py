"""Dunning visibility: the live `paymentFailed` event, one per failed payment attempt of an invoice.

The worker publishes a `payment_failure` message when an invoice's attempt fails
(`webhooks.dunning`, after it mirrored the invoice and its PaymentIntent); here the message
becomes the GraphQL event: the invoice as mirrored (attempt count, next automatic attempt),
the payment that failed (decline code, message), and whether the customer has to act
(authenticate) for the payment to go through. Who may watch: those who may watch invoices
(`CanWatchInvoices`); a customer session only its own customer's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime

import strawberry

from billing.authorization import filter_id
from live.streams import StatusChange, status_changes
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from schema.arguments import OfCustomer
from schema.context import Info
from schema.invoices import Invoice
from schema.money import MinorUnits
from schema.payments import Payment
from schema.relay import CURRENCY_DESCRIPTION
from schema.status_events import GAP_DESCRIPTION


@dataclass
class _FailedPayment:
    """The payment row of one event, read once for every subscriber it reaches (the event object is shared)."""

    stripe_id: str | None
    task: asyncio.Future[PaymentModel | None] | None = field(default=None)

    async def row(self) -> PaymentModel | None:
        if self.stripe_id is None:
            return None
        if self.task is None:
            self.task = asyncio.ensure_future(PaymentModel.get_or_none(stripe_id=self.stripe_id))
        return await asyncio.shield(self.task)


@strawberry.type(
    description="A payment attempt of an invoice failed (a renewal declined at Stripe, or a retry): one event per "
    "failed attempt. Retry with `payInvoice`, with another payment method if need be."
)
class PaymentFailedEvent:
    event_id: str = strawberry.field(description="The Stripe event id that reported the failure.")
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    action_required: bool = strawberry.field(
        description="True when the customer has to act for the payment to go through (3-D Secure authentication: the "
        "payment is REQUIRES_ACTION); false when the card was declined."
    )
    attempt_count: int = strawberry.field(description="The invoice's payment attempts so far, this one included.")
    next_payment_attempt: datetime | None = strawberry.field(
        description="When Stripe retries automatically (UTC); null when it will not retry."
    )
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    invoice: Invoice | None = strawberry.field(description="The invoice as mirrored after the failure.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)
    failed: strawberry.Private[_FailedPayment]
    amount_due: strawberry.Private[int]

    @strawberry.field(description="The payment (PaymentIntent) that failed; null when the invoice had none to charge.")
    async def payment(self) -> Payment | None:
        row = await self.failed.row()
        return None if row is None else Payment.from_model(row)

    @strawberry.field(description="The amount that failed to be paid, in minor units.")
    async def amount(self) -> MinorUnits:
        row = await self.failed.row()
        return MinorUnits(row.amount if row is not None else self.amount_due)

    @strawberry.field(
        description="The card issuer's reason (Stripe's `decline_code`, e.g. `generic_decline`, `insufficient_funds`); "
        "null when Stripe gives none (an authentication to do, or no payment method)."
    )
    async def decline_code(self) -> str | None:
        row = await self.failed.row()
        return None if row is None else row.decline_code

    @strawberry.field(description="Stripe's error code (e.g. `card_declined`); null when it gives none.")
    async def failure_code(self) -> str | None:
        row = await self.failed.row()
        return None if row is None else row.failure_code

    @strawberry.field(description="Stripe's message for the failure, fit to show the customer; null when none.")
    async def failure_message(self) -> str | None:
        row = await self.failed.row()
        return None if row is None else row.failure_message


def _failure_event(change: StatusChange[InvoiceModel]) -> PaymentFailedEvent:
    row = change.row
    return PaymentFailedEvent(
        event_id=change.event_id,
        occurred_at=change.occurred_at,
        action_required=change.status == "action_required",
        attempt_count=row.attempt_count if row is not None else 0,
        next_payment_attempt=row.next_payment_attempt if row is not None else None,
        currency=row.currency if row is not None else "",
        invoice=None if row is None else Invoice.from_model(row),
        resumed_after_gap=change.resumed_after_gap,
        failed=_FailedPayment(row.payment_intent_stripe_id if row is not None else None),
        amount_due=row.amount_remaining if row is not None else 0,
    )


async def payment_failed(info: Info, customer_id: OfCustomer = None) -> AsyncGenerator[PaymentFailedEvent, None]:
    """Failed payment attempts of invoices, of one customer when given (a session: its own customer's only)."""
    customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
    events = status_changes(info.context.principal, "payment_failure", InvoiceModel, customer_pk, None, _failure_event)
    async for event in events:
        yield event
