"""GraphQL subscriptions: live status changes from this process's `LiveHub`.

Who may subscribe is decided by the permission classes in `schema/live.py`; here each
subscriber's filter narrows the stream to what it asked for, and a customer session is
always narrowed to its own customer (even without a `customerId` argument).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from tortoise.models import Model

from gateway.live import active_hub, status_filter
from gateway.pubsub import StatusKind, StatusMessage
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import Subscription as SubscriptionModel
from resolvers.scoping import filter_id
from schema.context import Info
from schema.enums import InvoiceStatus, PaymentStatus, SubscriptionStatus, to_enum
from schema.invoices import Invoice
from schema.live import InvoiceStatusEvent, PaymentStatusEvent, SubscriptionStatusEvent
from schema.payments import Payment
from schema.subscriptions import Subscription

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Change(Generic[E, M]):
    """One status message, its statuses as the GraphQL enum, and the mirror row it names."""

    message: StatusMessage
    status: E
    previous_status: E | None
    row: M | None


async def _changes(
    info: Info,
    kind: StatusKind,
    customer_id: str | None,
    object_id: str | None,
    model: type[M],
    status_enum: type[E],
    argument: str,
) -> AsyncGenerator[_Change[E, M], None]:
    """The subscriber's filtered stream of one kind of status change, rows read after the worker's commit."""
    customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
    object_pk = None if object_id is None else filter_id(object_id, model.__name__, argument)
    accept = status_filter(info.context.principal, kind, customer_pk, object_pk)
    async with active_hub().subscribe(accept) as messages:
        async for message in messages:
            previous = message.previous_status
            yield _Change(
                message=message,
                status=to_enum(status_enum, message.status),
                previous_status=None if previous is None else to_enum(status_enum, previous),
                row=await _row(model, message),
            )


# The same message reaches every matching subscriber of this process: read its row once.
_ROW_READS: OrderedDict[tuple[str, str, str, str], asyncio.Task[Any]] = OrderedDict()
ROW_READS_KEPT = 256


async def _row(model: type[M], message: StatusMessage) -> M | None:
    """The mirror row a message names, read once per message however many subscribers it reaches."""
    key = (model.__name__, message.object_id, message.event_id, message.status)
    task = _ROW_READS.get(key)
    if task is None:
        task = asyncio.ensure_future(model.get_or_none(id=message.object_id))
        _ROW_READS[key] = task
        while len(_ROW_READS) > ROW_READS_KEPT:
            _ROW_READS.popitem(last=False)
    # Shielded: a subscriber leaving must not cancel the read the others wait for.
    row: M | None = await asyncio.shield(task)
    return row


async def payment_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, payment_id: strawberry.ID | None = None
) -> AsyncGenerator[PaymentStatusEvent, None]:
    """Status changes of payments, of one customer and/or one payment when given."""
    async for change in _changes(info, "payment", customer_id, payment_id, PaymentModel, PaymentStatus, "paymentId"):
        yield PaymentStatusEvent(
            event_id=change.message.event_id,
            occurred_at=change.message.occurred_at,
            status=change.status,
            previous_status=change.previous_status,
            payment=None if change.row is None else Payment.from_model(change.row),
        )


async def invoice_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, invoice_id: strawberry.ID | None = None
) -> AsyncGenerator[InvoiceStatusEvent, None]:
    """Status changes of invoices, of one customer and/or one invoice when given."""
    async for change in _changes(info, "invoice", customer_id, invoice_id, InvoiceModel, InvoiceStatus, "invoiceId"):
        yield InvoiceStatusEvent(
            event_id=change.message.event_id,
            occurred_at=change.message.occurred_at,
            status=change.status,
            previous_status=change.previous_status,
            invoice=None if change.row is None else Invoice.from_model(change.row),
        )


async def subscription_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, subscription_id: strawberry.ID | None = None
) -> AsyncGenerator[SubscriptionStatusEvent, None]:
    """Status changes of subscriptions, of one customer and/or one subscription when given."""
    changes = _changes(
        info, "subscription", customer_id, subscription_id, SubscriptionModel, SubscriptionStatus, "subscriptionId"
    )
    async for change in changes:
        yield SubscriptionStatusEvent(
            event_id=change.message.event_id,
            occurred_at=change.message.occurred_at,
            status=change.status,
            previous_status=change.previous_status,
            subscription=None if change.row is None else Subscription.from_model(change.row),
        )
