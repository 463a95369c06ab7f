"""The events of the GraphQL subscriptions (live status changes), and who may subscribe to them.

Each event carries the Stripe event id, when it happened, the status and the previous
status, the object as the mirror holds it after the worker's commit, and whether events
may have been lost before it (`resumedAfterGap`, docs/degraded-mode.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

import strawberry
from graphql import GraphQLErrorExtensions
from strawberry.permission import BasePermission
from tortoise.models import Model

from base.error_codes import ErrorCode
from base.principals import Scope
from billing.authorization import filter_id
from models import Invoice as InvoiceModel
from models import Payment as PaymentModel
from models import Subscription as SubscriptionModel
from schema.context import Info
from schema.enums import InvoiceStatus, PaymentStatus, SubscriptionStatus
from schema.invoices import Invoice
from schema.payments import Payment
from schema.subscriptions import Subscription

GAP_DESCRIPTION: Final = (
    "True when events of this subscription may have been lost before this one (the gateway's link to the "
    "event bus was re-established, or this subscriber fell behind): re-read the objects you follow."
)


@strawberry.type(description="A payment's status changed (one Stripe event applied to the mirror).")
class PaymentStatusEvent:
    event_id: str = strawberry.field(description="The Stripe event id.")
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: PaymentStatus = strawberry.field(description="The payment's status after the change.")
    previous_status: PaymentStatus | None = strawberry.field(description="Null when the payment is new to the mirror.")
    payment: Payment | None = strawberry.field(description="The payment as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)


@strawberry.type(description="An invoice's status changed (one Stripe event applied to the mirror).")
class InvoiceStatusEvent:
    event_id: str = strawberry.field(description="The Stripe event id.")
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: InvoiceStatus = strawberry.field(description="The invoice's status after the change.")
    previous_status: InvoiceStatus | None = strawberry.field(description="Null when the invoice is new to the mirror.")
    invoice: Invoice | None = strawberry.field(description="The invoice as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)


@strawberry.type(description="A subscription's status changed (one Stripe event applied to the mirror).")
class SubscriptionStatusEvent:
    event_id: str = strawberry.field(description="The Stripe event id.")
    occurred_at: datetime = strawberry.field(description="When Stripe created the event.")
    status: SubscriptionStatus = strawberry.field(description="The subscription's status after the change.")
    previous_status: SubscriptionStatus | None = strawberry.field(
        description="Null when the subscription is new to the mirror."
    )
    subscription: Subscription | None = strawberry.field(description="The subscription as mirrored after the change.")
    resumed_after_gap: bool = strawberry.field(default=False, description=GAP_DESCRIPTION)


class _CanWatch(BasePermission):
    """API keys with `read`: any customer. A customer session: only its own customer's objects.

    A session naming another customer's id, or the id of an object that is not its own
    customer's (or unknown), is refused with FORBIDDEN. A malformed id is VALIDATION_FAILED.
    """

    message = "You are not allowed to do this."
    error_extensions: GraphQLErrorExtensions | None = {"code": ErrorCode.FORBIDDEN}

    type_name: ClassVar[str]
    argument: ClassVar[str]
    """The object id argument, as Python names it (`payment_id`)."""
    model: ClassVar[type[Model]]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal.kind != "customer_session" and not principal.has_scope(Scope.READ):
            return False
        customer_id = kwargs.get("customer_id")
        object_id = kwargs.get(self.argument)
        customer_pk = None if customer_id is None else filter_id(customer_id, "Customer", "customerId")
        camel = "".join(part.capitalize() if i else part for i, part in enumerate(self.argument.split("_")))
        object_pk = None if object_id is None else filter_id(object_id, self.type_name, camel)
        if principal.customer_id is None:
            return True
        if customer_pk is not None and customer_pk != principal.customer_id:
            return False
        if object_pk is not None:
            owner = await self.model.filter(id=object_pk).values_list("customer_id", flat=True)
            if list(owner) != [principal.customer_id]:
                return False
        return True


class CanWatchPayments(_CanWatch):
    type_name = "Payment"
    argument = "payment_id"
    model = PaymentModel


class CanWatchInvoices(_CanWatch):
    type_name = "Invoice"
    argument = "invoice_id"
    model = InvoiceModel


class CanWatchSubscriptions(_CanWatch):
    type_name = "Subscription"
    argument = "subscription_id"
    model = SubscriptionModel
