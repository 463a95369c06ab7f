"""PaymentMethod: the type, its inputs and its mutation payloads.

Only what PCI SAQ A allows is here: Stripe ids, brand, last4 and expiry.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import Customer as CustomerModel
from models import PaymentMethod as PaymentMethodModel
from resolvers.snapshots import load
from schema.context import Info
from schema.errors import UserError, user_errors
from schema.relay import Node, to_global_id

if TYPE_CHECKING:
    from schema.customers import Customer

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]


@strawberry.type(description="A card or other payment method saved at Stripe for a customer.")
class PaymentMethod(Node):
    id: strawberry.ID
    stripe_id: str
    type: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    model: strawberry.Private[PaymentMethodModel]
    owner: strawberry.Private[CustomerModel | None] = None
    """Its customer's row when the code that made it had that row at hand (a customer's page of them)."""

    @classmethod
    def from_model(cls, row: PaymentMethodModel, owner: CustomerModel | None = None) -> PaymentMethod:
        """The GraphQL object of a row; `owner` is its customer's row, when already loaded."""
        return cls(
            id=to_global_id("PaymentMethod", row.id),
            stripe_id=row.stripe_id,
            type=row.type,
            brand=row.brand,
            last4=row.last4,
            exp_month=row.exp_month,
            exp_year=row.exp_year,
            model=row,
            owner=owner if owner is not None and owner.id == row.customer_id else None,
        )

    @strawberry.field(description="The customer it is attached to; null once detached.")
    async def customer(self, info: Info) -> CustomerRef | None:
        from schema.customers import Customer

        if self.model.customer_id is None:
            return None
        if self.owner is not None:
            return Customer.from_model(self.owner)
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        return Customer.from_model(row) if row is not None else None

    # Synchronous when the owner's row came with it: a page of 100 customers then resolves its
    # payment methods' `isDefault` without an awaitable each or a statement to re-read the customers.
    @strawberry.field(graphql_type=bool, description="Whether this is its customer's default payment method.")
    def is_default(self, info: Info) -> bool | Awaitable[bool]:
        if self.model.customer_id is None:
            return False
        if self.owner is not None:
            return self.owner.default_payment_method_stripe_id == self.model.stripe_id
        return self._is_default_by_loader(info)

    async def _is_default_by_loader(self, info: Info) -> bool:
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        return row is not None and row.default_payment_method_stripe_id == self.model.stripe_id


def payment_method_from_snapshot(data: dict[str, Any] | None) -> PaymentMethod | None:
    return PaymentMethod.from_model(load(PaymentMethodModel, data)) if data else None


@strawberry.input
class CreateSetupIntentInput:
    customer_id: strawberry.ID


@strawberry.type
class CreateSetupIntentPayload:
    client_secret: str | None
    setup_intent_id: str | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateSetupIntentPayload:
        return cls(
            client_secret=data.get("clientSecret"),
            setup_intent_id=data.get("setupIntentId"),
            user_errors=user_errors(data),
        )


@strawberry.input
class AttachPaymentMethodInput:
    customer_id: strawberry.ID
    stripe_payment_method_id: str = strawberry.field(description="A `pm_…` id made by Stripe.js or Elements.")
    set_as_default: bool | None = False


@strawberry.input
class DetachPaymentMethodInput:
    id: strawberry.ID


@strawberry.input
class SetDefaultPaymentMethodInput:
    customer_id: strawberry.ID
    payment_method_id: strawberry.ID


@strawberry.type
class AttachPaymentMethodPayload:
    payment_method: PaymentMethod | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> AttachPaymentMethodPayload:
        return cls(
            payment_method=payment_method_from_snapshot(data.get("paymentMethod")), user_errors=user_errors(data)
        )


@strawberry.type
class DetachPaymentMethodPayload:
    payment_method: PaymentMethod | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> DetachPaymentMethodPayload:
        return cls(
            payment_method=payment_method_from_snapshot(data.get("paymentMethod")), user_errors=user_errors(data)
        )


@strawberry.type
class SetDefaultPaymentMethodPayload:
    customer: CustomerRef | None
    user_errors: list[UserError]

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> SetDefaultPaymentMethodPayload:
        from schema.customers import customer_from_snapshot

        return cls(customer=customer_from_snapshot(data.get("customer")), user_errors=user_errors(data))
