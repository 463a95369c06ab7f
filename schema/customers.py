"""Customer: the type, its inputs and its mutation payloads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from models import Customer as CustomerModel
from resolvers.snapshots import load
from schema.context import Info
from schema.errors import UserError, user_errors
from schema.relay import Connection, Node, to_global_id

if TYPE_CHECKING:
    from schema.payment_methods import PaymentMethod

PaymentMethodRef = Annotated["PaymentMethod", strawberry.lazy("schema.payment_methods")]


@strawberry.type(description="A Stripe customer, as mirrored by the gateway.")
class Customer(Node):
    id: strawberry.ID
    stripe_id: str
    email: str | None
    name: str | None
    metadata: JSON
    created_at: datetime
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
        from schema.payment_methods import PaymentMethod

        stripe_id = self.model.default_payment_method_stripe_id
        if stripe_id is None:
            return None
        row = await info.context.loaders.payment_method_by_stripe_id.load(stripe_id)
        if row is None or row.customer_id != self.model.id:
            return None
        return PaymentMethod.from_model(row)

    @strawberry.field(description="Payment methods attached to this customer, newest first.")
    async def payment_methods(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PaymentMethodRef]:
        from models import PaymentMethod as PaymentMethodModel
        from resolvers.pagination import paginate
        from schema.payment_methods import PaymentMethod

        qs = PaymentMethodModel.filter(customer_id=self.model.id)
        return await paginate(qs, first, after, PaymentMethod.from_model)


def customer_from_snapshot(data: dict[str, Any] | None) -> Customer | None:
    return Customer.from_model(load(CustomerModel, data)) if data else None


@strawberry.input
class CreateCustomerInput:
    email: str
    name: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="String keys to string values, as Stripe's metadata."
    )


@strawberry.input
class UpdateCustomerInput:
    id: strawberry.ID
    email: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole metadata; keys left out are removed."
    )


@strawberry.type
class CreateCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateCustomerPayload:
        return cls(customer=customer_from_snapshot(data.get("customer")), user_errors=user_errors(data))


@strawberry.type
class UpdateCustomerPayload:
    customer: Customer | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UpdateCustomerPayload:
        return cls(customer=customer_from_snapshot(data.get("customer")), user_errors=user_errors(data))
