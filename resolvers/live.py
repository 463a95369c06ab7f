"""GraphQL subscriptions: live status changes from this process's `LiveHub`.

Who may subscribe is decided by the permission classes in `schema/live.py`; here each
subscriber's filter narrows the stream to what it asked for, and a customer session is
always narrowed to its own customer (even without a `customerId` argument).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from gateway.live import MessageFilter, active_hub, status_filter
from gateway.pubsub import StatusKind
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


def _filter(
    info: Info, kind: StatusKind, customer_id: str | None, object_id: str | None, type_name: str, argument: str
) -> MessageFilter:
    customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
    object_pk = None if object_id is None else filter_id(object_id, type_name, argument)
    return status_filter(info.context.principal, kind, customer_pk, object_pk)


async def payment_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, payment_id: strawberry.ID | None = None
) -> AsyncGenerator[PaymentStatusEvent, None]:
    """Status changes of payments, of one customer and/or one payment when given."""
    accept = _filter(info, "payment", customer_id, payment_id, "Payment", "paymentId")
    async with active_hub().subscribe(accept) as messages:
        async for message in messages:
            row = await PaymentModel.get_or_none(id=message.object_id)
            yield PaymentStatusEvent(
                event_id=message.event_id,
                occurred_at=message.occurred_at,
                status=to_enum(PaymentStatus, message.status),
                previous_status=None
                if message.previous_status is None
                else to_enum(PaymentStatus, message.previous_status),
                payment=None if row is None else Payment.from_model(row),
            )


async def invoice_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, invoice_id: strawberry.ID | None = None
) -> AsyncGenerator[InvoiceStatusEvent, None]:
    """Status changes of invoices, of one customer and/or one invoice when given."""
    accept = _filter(info, "invoice", customer_id, invoice_id, "Invoice", "invoiceId")
    async with active_hub().subscribe(accept) as messages:
        async for message in messages:
            row = await InvoiceModel.get_or_none(id=message.object_id)
            yield InvoiceStatusEvent(
                event_id=message.event_id,
                occurred_at=message.occurred_at,
                status=to_enum(InvoiceStatus, message.status),
                previous_status=None
                if message.previous_status is None
                else to_enum(InvoiceStatus, message.previous_status),
                invoice=None if row is None else Invoice.from_model(row),
            )


async def subscription_status_changed(
    info: Info, customer_id: strawberry.ID | None = None, subscription_id: strawberry.ID | None = None
) -> AsyncGenerator[SubscriptionStatusEvent, None]:
    """Status changes of subscriptions, of one customer and/or one subscription when given."""
    accept = _filter(info, "subscription", customer_id, subscription_id, "Subscription", "subscriptionId")
    async with active_hub().subscribe(accept) as messages:
        async for message in messages:
            row = await SubscriptionModel.get_or_none(id=message.object_id)
            yield SubscriptionStatusEvent(
                event_id=message.event_id,
                occurred_at=message.occurred_at,
                status=to_enum(SubscriptionStatus, message.status),
                previous_status=None
                if message.previous_status is None
                else to_enum(SubscriptionStatus, message.previous_status),
                subscription=None if row is None else Subscription.from_model(row),
            )
