"""Subscription: the type as read from the mirror."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import Subscription as SubscriptionModel
from resolvers.loaders import load_page
from resolvers.scoping import may_see_customer
from resolvers.snapshots import load
from schema.arguments import After, First
from schema.context import Info
from schema.enums import SubscriptionStatus, to_enum
from schema.errors import UserError, user_errors
from schema.relay import Connection, Node, to_global_id

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.invoices import Invoice

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]
InvoiceRef = Annotated["Invoice", strawberry.lazy("schema.invoices")]


@strawberry.type(description="A customer's subscription to a price at Stripe, as mirrored by the gateway.")
class Subscription(Node):
    id: strawberry.ID
    stripe_id: str
    status: SubscriptionStatus
    price_id: str | None = strawberry.field(description="The Stripe price (or, on emulators, plan) id subscribed to.")
    quantity: int
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    created_at: datetime
    model: strawberry.Private[SubscriptionModel]

    @classmethod
    def from_model(cls, row: SubscriptionModel) -> Subscription:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Subscription", row.id),
            stripe_id=row.stripe_id,
            status=to_enum(SubscriptionStatus, row.status),
            price_id=row.price_stripe_id,
            quantity=row.quantity,
            current_period_start=row.current_period_start,
            current_period_end=row.current_period_end,
            cancel_at_period_end=row.cancel_at_period_end,
            canceled_at=row.canceled_at,
            created_at=row.stripe_created or row.created_at,
            model=row,
        )

    @strawberry.field(description="The subscribed customer.")
    async def customer(self, info: Info) -> CustomerRef:
        from schema.customers import Customer

        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        if row is None:  # the foreign key forbids it; say so rather than answer a wrong null
            raise LookupError(f"subscription {self.model.id} has no customer row")
        return Customer.from_model(row)

    @strawberry.field(description="The most recent invoice Stripe made for this subscription.")
    async def latest_invoice(self, info: Info) -> InvoiceRef | None:
        from schema.invoices import Invoice

        stripe_id = self.model.latest_invoice_stripe_id
        if stripe_id is None:
            return None
        row = await info.context.loaders.invoice_by_stripe_id.load(stripe_id)
        if row is None or not may_see_customer(info.context.principal, row.customer_id):  # type: ignore[arg-type]
            return None
        return Invoice.from_model(row)

    @strawberry.field(description="This subscription's invoices, newest first.")
    async def invoices(self, info: Info, first: First = None, after: After = None) -> Connection[InvoiceRef]:
        from schema.invoices import Invoice

        return await load_page(
            info.context.loaders.subscription_invoices, self.model.id, first, after, Invoice.from_model
        )


def subscription_from_snapshot(data: dict[str, Any] | None) -> Subscription | None:
    """The Subscription of a stored mutation response (null when it held none)."""
    return Subscription.from_model(load(SubscriptionModel, data)) if data else None


@strawberry.enum(description="How Stripe bills a mid-period change of price or quantity.")
class ProrationBehavior(Enum):
    CREATE_PRORATIONS = "create_prorations"
    NONE = "none"
    ALWAYS_INVOICE = "always_invoice"


@strawberry.input
class CreateSubscriptionInput:
    customer_id: strawberry.ID
    price_id: str = strawberry.field(description="A Stripe price id (`price_…`); on emulators, a plan id.")
    quantity: int | None = 1
    payment_method_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One of the customer's payment methods; default: the customer's default."
    )
    trial_days: int | None = strawberry.UNSET


@strawberry.input
class UpdateSubscriptionInput:
    id: strawberry.ID
    price_id: str | None = strawberry.UNSET
    quantity: int | None = strawberry.UNSET
    proration_behavior: ProrationBehavior | None = ProrationBehavior.CREATE_PRORATIONS


@strawberry.input
class CancelSubscriptionInput:
    id: strawberry.ID
    at_period_end: bool | None = False


@strawberry.type
class CreateSubscriptionPayload:
    subscription: Subscription | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.type
class UpdateSubscriptionPayload:
    subscription: Subscription | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UpdateSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.type
class CancelSubscriptionPayload:
    subscription: Subscription | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CancelSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))
