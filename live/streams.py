"""GraphQL subscriptions: live status changes from this process's `LiveHub`.

Who may subscribe is decided by the permission classes in `schema/status_events.py`; here each
subscriber's filter narrows the stream to what it asked for, and a customer session is
always narrowed to its own customer (even without a `customerId` argument).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from enum import Enum
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from billing.authorization import filter_id
from live.bus import StatusKind, StatusMessage
from live.hub import active_hub, status_filter
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import Subscription as SubscriptionModel
from schema.arguments import OfCustomer, OfInvoice, OfPayment, OfSubscription
from schema.context import Info
from schema.enums import InvoiceStatus, PaymentStatus, SubscriptionStatus, to_enum
from schema.invoices import Invoice
from schema.payments import Payment
from schema.status_events import InvoiceStatusEvent, PaymentStatusEvent, SubscriptionStatusEvent
from schema.subscriptions import Subscription

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def _events(
    info: Info,
    kind: StatusKind,
    customer_id: str | None,
    object_id: str | None,
    model: type[M],
    argument: str,
    build: Callable[[StatusMessage, M | None], T],
) -> AsyncGenerator[T, None]:
    """The subscriber's filtered stream of one kind of status change, rows read after the worker's commit."""
    customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
    object_pk = None if object_id is None else filter_id(object_id, model.__name__, argument)
    accept = status_filter(info.context.principal, kind, customer_pk, object_pk)
    async with active_hub().subscribe(accept) as messages:
        async for message in messages:
            yield await _event(model, message, build)


# The same message reaches every matching subscriber of this process: read its row and build its
# event once. The event holds nothing of a subscriber (fields needing one read `info`), so it is shared.
_EVENTS: OrderedDict[tuple[str, StatusMessage], _Shared[Any]] = OrderedDict()
EVENTS_KEPT = 256


class _Shared(Generic[T]):
    """A task many subscribers wait for, each on its own future (cheaper than `asyncio.shield` for each).

    A waiter cancelled (its subscriber left) cancels only its own future, never the task the others wait for.
    """

    __slots__ = ("task", "waiters")

    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self.waiters: list[asyncio.Future[T]] = []
        task.add_done_callback(self._settle)

    def _settle(self, task: asyncio.Task[T]) -> None:
        waiters, self.waiters = self.waiters, []
        error = None if task.cancelled() else task.exception()  # retrieved even when every waiter left
        for waiter in waiters:
            if waiter.done():
                continue
            if task.cancelled():
                waiter.cancel()
            elif error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(task.result())

    def wait(self) -> asyncio.Future[T]:
        """The task's result as a future of the caller's own (already done when the task is)."""
        if self.task.done():
            return self.task
        waiter: asyncio.Future[T] = self.task.get_loop().create_future()
        self.waiters.append(waiter)
        return waiter


async def _event(model: type[M], message: StatusMessage, build: Callable[[StatusMessage, M | None], T]) -> T:
    """The event of a message, built once per message however many subscribers it reaches."""
    key = (model.__name__, message)
    shared = _EVENTS.get(key)
    if shared is None:
        shared = _Shared(asyncio.ensure_future(_build(model, message, build)))
        _EVENTS[key] = shared
        while len(_EVENTS) > EVENTS_KEPT:
            _EVENTS.popitem(last=False)
    event: T = await shared.wait()
    return event


async def _build(model: type[M], message: StatusMessage, build: Callable[[StatusMessage, M | None], T]) -> T:
    row: M | None = await model.get_or_none(id=message.object_id)
    return build(message, row)


def _previous(status_enum: type[E], message: StatusMessage) -> E | None:
    previous = message.previous_status
    return None if previous is None else to_enum(status_enum, previous)


def _payment_event(message: StatusMessage, row: PaymentModel | None) -> PaymentStatusEvent:
    return PaymentStatusEvent(
        event_id=message.event_id,
        occurred_at=message.occurred_at,
        status=to_enum(PaymentStatus, message.status),
        previous_status=_previous(PaymentStatus, message),
        resumed_after_gap=message.resumed_after_gap,
        payment=None if row is None else Payment.from_model(row),
    )


def _invoice_event(message: StatusMessage, row: InvoiceModel | None) -> InvoiceStatusEvent:
    return InvoiceStatusEvent(
        event_id=message.event_id,
        occurred_at=message.occurred_at,
        status=to_enum(InvoiceStatus, message.status),
        previous_status=_previous(InvoiceStatus, message),
        resumed_after_gap=message.resumed_after_gap,
        invoice=None if row is None else Invoice.from_model(row),
    )


def _subscription_event(message: StatusMessage, row: SubscriptionModel | None) -> SubscriptionStatusEvent:
    return SubscriptionStatusEvent(
        event_id=message.event_id,
        occurred_at=message.occurred_at,
        status=to_enum(SubscriptionStatus, message.status),
        previous_status=_previous(SubscriptionStatus, message),
        resumed_after_gap=message.resumed_after_gap,
        subscription=None if row is None else Subscription.from_model(row),
    )


async def payment_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    payment_id: OfPayment = None,
) -> AsyncGenerator[PaymentStatusEvent, None]:
    """Status changes of payments, of one customer and/or one payment when given."""
    async for event in _events(info, "payment", customer_id, payment_id, PaymentModel, "paymentId", _payment_event):
        yield event


async def invoice_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    invoice_id: OfInvoice = None,
) -> AsyncGenerator[InvoiceStatusEvent, None]:
    """Status changes of invoices, of one customer and/or one invoice when given."""
    async for event in _events(info, "invoice", customer_id, invoice_id, InvoiceModel, "invoiceId", _invoice_event):
        yield event


async def subscription_status_changed(
    info: Info,
    customer_id: OfCustomer = None,
    subscription_id: OfSubscription = None,
) -> AsyncGenerator[SubscriptionStatusEvent, None]:
    """Status changes of subscriptions, of one customer and/or one subscription when given."""
    events = _events(
        info, "subscription", customer_id, subscription_id, SubscriptionModel, "subscriptionId", _subscription_event
    )
    async for event in events:
        yield event
