"""Customer: the type, its inputs and its mutation payloads."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

import resolvers.usage
from base.ids import to_global_id
from billing.loaders import page_of
from billing.pagination import nested_pages
from billing.snapshots import load
from models import Customer as CustomerModel
from schema.arguments import After, First
from schema.context import Info
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.nodes import node_of, node_type
from schema.relay import CREATED_AT_DESCRIPTION, ID_DESCRIPTION, Connection, Node, connection_of
from schema.usage import CustomerUsage

if TYPE_CHECKING:
    from schema.invoices import Invoice
    from schema.payment_methods import PaymentMethod
    from schema.payments import Payment
    from schema.subscriptions import Subscription

InvoiceRef = Annotated["Invoice", strawberry.lazy("schema.invoices")]
PaymentMethodRef = Annotated["PaymentMethod", strawberry.lazy("schema.payment_methods")]
PaymentRef = Annotated["Payment", strawberry.lazy("schema.payments")]
SubscriptionRef = Annotated["Subscription", strawberry.lazy("schema.subscriptions")]


@node_type(CustomerModel)
@strawberry.type(description="A Stripe customer, as mirrored by the gateway.")
class Customer(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The customer's id at Stripe (`cus_…`).")
    email: str | None = strawberry.field(description="The customer's email address.")
    name: str | None = strawberry.field(description="The customer's full name or business name.")
    metadata: JSON = strawberry.field(description="String keys to string values, as set at Stripe.")
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    model: strawberry.Private[CustomerModel]

    @classmethod
    def from_model(cls, row: CustomerModel) -> Customer:
        return cls(
            id=to_global_id("Customer", row.id),
            stripe_id=row.stripe_id,
            email=row.email,
            name=row.name,
            metadata=cast(JSON, row.metadata),
            created_at=row.stripe_created or row.created_at,
            model=row,
        )

    @strawberry.field(description="The payment method Stripe charges by default (invoice settings).")
    async def default_payment_method(self, info: Info) -> PaymentMethodRef | None:
        stripe_id = self.model.default_payment_method_stripe_id
        if stripe_id is None:
            return None
        row = await info.context.loaders.payment_method_by_stripe_id.load(stripe_id)
        if row is None or row.customer_id != self.model.id:
            return None
        return node_of(row, owner=self.model)

    # The nested connections are synchronous when the customers' list fetched their pages ahead
    # (`nested_pages_asked`, `resolvers.customers.prefetch_nested_pages`): a page of 100 customers
    # then resolves them without an awaitable per customer. Otherwise they go through their batching loader.
    @strawberry.field(
        graphql_type=Connection[PaymentMethodRef],
        description="Payment methods attached to this customer, newest first.",
    )
    def payment_methods(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[PaymentMethodRef] | Awaitable[Connection[PaymentMethodRef]]:
        owner = self.model
        page = page_of(info.context.loaders.customer_payment_methods, owner.id, first, after)
        return connection_of(page, lambda row: node_of(row, owner))

    @strawberry.field(
        graphql_type=Connection[SubscriptionRef], description="This customer's subscriptions, newest first."
    )
    def subscriptions(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[SubscriptionRef] | Awaitable[Connection[SubscriptionRef]]:
        page = page_of(info.context.loaders.customer_subscriptions, self.model.id, first, after)
        return connection_of(page, node_of)

    @strawberry.field(graphql_type=Connection[InvoiceRef], description="This customer's invoices, newest first.")
    def invoices(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[InvoiceRef] | Awaitable[Connection[InvoiceRef]]:
        return connection_of(page_of(info.context.loaders.customer_invoices, self.model.id, first, after), node_of)

    @strawberry.field(graphql_type=Connection[PaymentRef], description="This customer's payments, newest first.")
    def payments(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[PaymentRef] | Awaitable[Connection[PaymentRef]]:
        return connection_of(page_of(info.context.loaders.customer_payments, self.model.id, first, after), node_of)

    @strawberry.field(
        description="This customer's usage of one Billing Meter over [from, to), aggregated with the meter's "
        "formula from the gateway's own ledger of recorded events; null for a meter the mirror does not know "
        "(Stripe is not asked)."
    )
    async def usage(
        self,
        info: Info,
        meter: Annotated[str, strawberry.argument(description="The meter: its event name or Stripe id (`mtr_…`).")],
        start: Annotated[
            datetime, strawberry.argument(name="from", description="The start of the range (inclusive), UTC offset.")
        ],
        end: Annotated[
            datetime, strawberry.argument(name="to", description="The end of the range (exclusive), UTC offset.")
        ],
    ) -> CustomerUsage | None:
        total = await resolvers.usage.customer_usage(info.context, self.model, meter, start, end)
        return None if total is None else CustomerUsage.from_total(total)


_NESTED = {
    "paymentMethods": "customer_payment_methods",
    "subscriptions": "customer_subscriptions",
    "invoices": "customer_invoices",
    "payments": "customer_payments",
}
"""A customer's nested connections (GraphQL name) and the `Loaders` attribute of their page loader."""


def nested_pages_asked(info: Info) -> dict[str, set[tuple[int, UUID | None]]]:
    """The pages a customers' list field's selection asks of each customer's nested connections.

    Keyed by the `Loaders` attribute of their page loader, for `resolvers.customers.customers` to fetch ahead.
    """
    raw = info._raw_info
    # Strawberry's resolve info carries the coerced variables; graphql-core's own, a VariableValues.
    values: Any = raw.variable_values
    variables: Mapping[str, Any] = values if isinstance(values, Mapping) else values.coerced
    return nested_pages(raw.field_nodes, raw.fragments, variables, _NESTED)


def customer_from_snapshot(data: dict[str, Any] | None) -> Customer | None:
    return Customer.from_model(load(CustomerModel, data)) if data else None


@strawberry.input(description="What `createCustomer` makes: a customer at Stripe, mirrored by the gateway.")
class CreateCustomerInput:
    email: str = strawberry.field(description="The customer's email address (validated, no DNS lookup).")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The customer's full name or business name."
    )
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="String keys to string values, as Stripe's metadata."
    )


@strawberry.input(description="What `updateCustomer` changes; fields left out are kept.")
class UpdateCustomerInput:
    id: strawberry.ID = strawberry.field(description="The customer to change (a Customer id).")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="The new email address.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="The new name.")
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole metadata; keys left out are removed."
    )


@strawberry.type(description="The answer of `createCustomer`.")
class CreateCustomerPayload:
    customer: Customer | None = strawberry.field(description="The customer made; null when `userErrors` is not empty.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateCustomerPayload:
        return cls(customer=customer_from_snapshot(data.get("customer")), user_errors=user_errors(data))


@strawberry.type(description="The answer of `updateCustomer`.")
class UpdateCustomerPayload:
    customer: Customer | None = strawberry.field(
        description="The customer as changed; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UpdateCustomerPayload:
        return cls(customer=customer_from_snapshot(data.get("customer")), user_errors=user_errors(data))
