"""The events of the GraphQL subscriptions (live status changes), and the resolvers streaming them.

Each event carries the Stripe event id, when it happened, the status and the previous
status, the object as the mirror holds it after the worker's commit, and whether events
may have been lost before it (`resumedAfterGap`, docs/degraded-mode.md).

`live.streams` yields domain events (`StatusChange`); the `_*_event` functions here present them as
GraphQL events (once per message, shared by every subscriber). Who may subscribe: the `CanWatch*`
classes of `schema/permissions.py`; the root fields: `schema/live_root.py`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import datetime
from enum import Enum
from typing import Any, Final, TypeVar

import strawberry
from tortoise.models import Model

from billing.authorization import filter_id
from live.bus import StatusKind
from live.streams import StatusChange, status_changes
from models import Dispute as DisputeModel
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import Subscription as SubscriptionModel
from resolvers.outbox import decode_sequence
from schema.arguments import OfCustomer, OfDispute, OfInvoice, OfPayment, OfSubscription, ReplayAfter
from schema.context import Info
from schema.disputes import Dispute
from schema.enums import DisputeStatus, InvoiceStatus, PaymentStatus, SubscriptionStatus, to_enum
from schema.invoices import Invoice
from schema.payments import Payment
from schema.subscriptions import PauseCollection, Subscription

EVENT_ID_DESCRIPTION: Final = (
    "The Stripe event id; on a frame replayed from the event feed (`after`), the domain event's id."
)
GAP_DESCRIPTION: Final = (
    "True when events of this subscription may have been lost before this one (the gateway's link to the "
    "event bus was re-established, or this subscriber fell behind): re-read the objects you follow."
)

CURSOR_DESCRIPTION: Final = (
    "The event feed's cursor of this change (the `sequence` of its domain event, docs/events.md); null when the "
    "change wrote no new event (Stripe confirming what a mutation already told)."
)
RESUME_DESCRIPTION: Final = (
    "Set with `resumedAfterGap` when THIS subscriber fell behind and frames were dropped: every dropped change is "
    "in the event feed after this cursor (`events(after: resumeAfter)`, admin keys); null otherwise."
)


@strawberry.type(description="A payment's status changed (one Stripe event applied to the mirror).")
class PaymentStatusEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: PaymentStatus = strawberry.field(description="The payment's status after the change.")
    previous_status: PaymentStatus | None = strawberry.field(description="Null when the payment is new to the mirror.")
    payment: Payment | None = strawberry.field(description="The payment as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)
    cursor: str | None = strawberry.field(default=None, description=CURSOR_DESCRIPTION)
    resume_after: str | None = strawberry.field(default=None, description=RESUME_DESCRIPTION)


@strawberry.type(description="An invoice's status changed (one Stripe event applied to the mirror).")
class InvoiceStatusEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: InvoiceStatus = strawberry.field(description="The invoice's status after the change.")
    previous_status: InvoiceStatus | None = strawberry.field(description="Null when the invoice is new to the mirror.")
    invoice: Invoice | None = strawberry.field(description="The invoice as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)
    cursor: str | None = strawberry.field(default=None, description=CURSOR_DESCRIPTION)
    resume_after: str | None = strawberry.field(default=None, description=RESUME_DESCRIPTION)


@strawberry.type(
    description="A subscription's status, or its paused collection, changed (one Stripe event applied to the mirror)."
)
class SubscriptionStatusEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: SubscriptionStatus = strawberry.field(description="The subscription's status after the change.")
    previous_status: SubscriptionStatus | None = strawberry.field(
        description="Null when the subscription is new to the mirror."
    )
    subscription: Subscription | None = strawberry.field(description="The subscription as mirrored after the change.")
    pause_collection: PauseCollection | None = strawberry.field(
        default=None,
        description="How its payment collection is paused after the change; null when not paused. A pause or "
        "resume is published too, with `status` equal to `previousStatus` (Stripe keeps it ACTIVE).",
    )
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)
    cursor: str | None = strawberry.field(default=None, description=CURSOR_DESCRIPTION)
    resume_after: str | None = strawberry.field(default=None, description=RESUME_DESCRIPTION)


@strawberry.type(description="A dispute's status changed (one Stripe event applied to the mirror).")
class DisputeStatusEvent:
    event_id: str = strawberry.field(description=EVENT_ID_DESCRIPTION)
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: DisputeStatus = strawberry.field(description="The dispute's status after the change.")
    previous_status: DisputeStatus | None = strawberry.field(description="Null when the dispute is new to the mirror.")
    dispute: Dispute | None = strawberry.field(description="The dispute as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)
    cursor: str | None = strawberry.field(default=None, description=CURSOR_DESCRIPTION)
    resume_after: str | None = strawberry.field(default=None, description=RESUME_DESCRIPTION)


E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Model)
T = TypeVar("T")


# --- domain events into GraphQL events ----------------------------------------------------------------------


def _common(change: StatusChange[Any], status_enum: type[E]) -> dict[str, Any]:
    """The fields every status event has, from the domain event."""
    previous = change.previous_status
    return {
        "event_id": change.event_id,
        "occurred_at": change.occurred_at,
        "status": to_enum(status_enum, change.status),
        "previous_status": None if previous is None else to_enum(status_enum, previous),
        "resumed_after_gap": change.resumed_after_gap,
        "cursor": None if change.message.sequence is None else str(change.message.sequence),
        "resume_after": None if change.message.resume_after is None else str(change.message.resume_after),
    }


def _payment_event(change: StatusChange[PaymentModel]) -> PaymentStatusEvent:
    return PaymentStatusEvent(
        **_common(change, PaymentStatus),
        payment=None if change.row is None else Payment.from_model(change.row),
    )


def _invoice_event(change: StatusChange[InvoiceModel]) -> InvoiceStatusEvent:
    return InvoiceStatusEvent(
        **_common(change, InvoiceStatus),
        invoice=None if change.row is None else Invoice.from_model(change.row),
    )


def _subscription_event(change: StatusChange[SubscriptionModel]) -> SubscriptionStatusEvent:
    return SubscriptionStatusEvent(
        **_common(change, SubscriptionStatus),
        subscription=None if change.row is None else Subscription.from_model(change.row),
        pause_collection=None if change.row is None else PauseCollection.of(change.row),
    )


def _dispute_event(change: StatusChange[DisputeModel]) -> DisputeStatusEvent:
    return DisputeStatusEvent(
        **_common(change, DisputeStatus),
        dispute=None if change.row is None else Dispute.from_model(change.row),
    )


# --- the resolvers of the subscription fields ---------------------------------------------------------------


def _events(
    info: Info,
    kind: StatusKind,
    model: type[M],
    customer_id: str | None,
    object_id: str | None,
    argument: str,
    present: Callable[[StatusChange[M]], T],
    after: str | None,
) -> AsyncGenerator[T, None]:
    """The subscriber's stream of one kind of status change, the ids and the cursor of its arguments parsed."""
    customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
    object_pk = None if object_id is None else filter_id(object_id, model.__name__, argument)
    cursor = decode_sequence(after)
    return status_changes(info.context.principal, kind, model, customer_pk, object_pk, present, after=cursor)


async def payment_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    payment_id: OfPayment = None,
    after: ReplayAfter = None,
) -> AsyncGenerator[PaymentStatusEvent, None]:
    """Status changes of payments, of one customer and/or one payment when given."""
    events = _events(info, "payment", PaymentModel, customer_id, payment_id, "paymentId", _payment_event, after)
    async for event in events:
        yield event


async def invoice_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    invoice_id: OfInvoice = None,
    after: ReplayAfter = None,
) -> AsyncGenerator[InvoiceStatusEvent, None]:
    """Status changes of invoices, of one customer and/or one invoice when given."""
    events = _events(info, "invoice", InvoiceModel, customer_id, invoice_id, "invoiceId", _invoice_event, after)
    async for event in events:
        yield event


async def subscription_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    subscription_id: OfSubscription = None,
    after: ReplayAfter = None,
) -> AsyncGenerator[SubscriptionStatusEvent, None]:
    """Status changes of subscriptions (pauses and resumes too), of one customer and/or one subscription when given."""
    events = _events(
        info,
        "subscription",
        SubscriptionModel,
        customer_id,
        subscription_id,
        "subscriptionId",
        _subscription_event,
        after,
    )
    async for event in events:
        yield event


async def dispute_status_changed(
    info: Info, customer_id: OfCustomer = None, dispute_id: OfDispute = None, after: ReplayAfter = None
) -> AsyncGenerator[DisputeStatusEvent, None]:
    """Status changes of disputes, of one customer and/or one dispute when given."""
    events = _events(info, "dispute", DisputeModel, customer_id, dispute_id, "disputeId", _dispute_event, after)
    async for event in events:
        yield event
