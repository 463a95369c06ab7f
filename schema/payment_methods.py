"""PaymentMethod: the type, its inputs and its mutation payloads.

Only what PCI SAQ A allows is here: Stripe ids, brand, last4 and expiry.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from base.ids import to_global_id
from billing.snapshots import load
from models import Customer as CustomerModel
from models import PaymentMethod as PaymentMethodModel
from schema.context import Info
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.nodes import node_of, node_type
from schema.relay import ID_DESCRIPTION, Node

if TYPE_CHECKING:
    from schema.customers import Customer

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]


@node_type(PaymentMethodModel)
@strawberry.type(description="A card or other payment method saved at Stripe for a customer.")
class PaymentMethod(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The payment method's id at Stripe (`pm_…`).")
    type: str = strawberry.field(description="Stripe's payment method type, e.g. `card`.")
    brand: str | None = strawberry.field(description="The card brand, e.g. `visa`; null for other types.")
    last4: str | None = strawberry.field(description="The last four digits of the card.")
    exp_month: int | None = strawberry.field(description="The card's expiry month, 1 to 12.")
    exp_year: int | None = strawberry.field(description="The card's expiry year, four digits.")
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
        if self.model.customer_id is None:
            return None
        if self.owner is not None:
            return node_of(self.owner)
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        return node_of(row) if row is not None else None

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


@strawberry.input(description="What `createSetupIntent` needs.")
class CreateSetupIntentInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer who will save a card (a Customer id).")


@strawberry.type(description="The answer of `createSetupIntent`: what Stripe.js needs to collect a card.")
class CreateSetupIntentPayload:
    client_secret: str | None = strawberry.field(
        description="The SetupIntent's client secret, for Stripe.js `confirmCardSetup` in the browser."
    )
    setup_intent_id: str | None = strawberry.field(description="The SetupIntent's id at Stripe (`seti_…`).")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateSetupIntentPayload:
        return cls(
            client_secret=data.get("clientSecret"),
            setup_intent_id=data.get("setupIntentId"),
            user_errors=user_errors(data),
        )


@strawberry.input(description="What `attachPaymentMethod` needs.")
class AttachPaymentMethodInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer to attach it to (a Customer id).")
    stripe_payment_method_id: str = strawberry.field(description="A `pm_…` id made by Stripe.js or Elements.")
    set_as_default: bool | None = strawberry.field(
        default=False, description="Also make it the customer's default payment method (default false)."
    )


@strawberry.input(description="What `detachPaymentMethod` needs.")
class DetachPaymentMethodInput:
    id: strawberry.ID = strawberry.field(description="The payment method to detach (a PaymentMethod id).")


@strawberry.input(description="What `setDefaultPaymentMethod` needs.")
class SetDefaultPaymentMethodInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer (a Customer id).")
    payment_method_id: strawberry.ID = strawberry.field(
        description="One of that customer's payment methods (a PaymentMethod id)."
    )


@strawberry.type(description="The answer of `attachPaymentMethod`.")
class AttachPaymentMethodPayload:
    payment_method: PaymentMethod | None = strawberry.field(
        description="The attached payment method; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> AttachPaymentMethodPayload:
        return cls(
            payment_method=payment_method_from_snapshot(data.get("paymentMethod")), user_errors=user_errors(data)
        )


@strawberry.type(description="The answer of `detachPaymentMethod`.")
class DetachPaymentMethodPayload:
    payment_method: PaymentMethod | None = strawberry.field(
        description="The detached payment method (its `customer` is null); null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> DetachPaymentMethodPayload:
        return cls(
            payment_method=payment_method_from_snapshot(data.get("paymentMethod")), user_errors=user_errors(data)
        )


@strawberry.type(description="The answer of `setDefaultPaymentMethod`.")
class SetDefaultPaymentMethodPayload:
    customer: CustomerRef | None = strawberry.field(
        description="The customer with its new default; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> SetDefaultPaymentMethodPayload:
        customer = data.get("customer")
        return cls(customer=node_of(load(CustomerModel, customer)) if customer else None, user_errors=user_errors(data))
