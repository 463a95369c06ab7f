"""The GraphQL schema: per-domain types from this package, root fields from `resolvers/`.

Every root field names its permission class here, in one place.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from resolvers import customers, node, payment_methods
from schema.customers import (
    CreateCustomerPayload,
    Customer,
    UpdateCustomerPayload,
)
from schema.payment_methods import (
    AttachPaymentMethodPayload,
    CreateSetupIntentPayload,
    DetachPaymentMethodPayload,
    PaymentMethod,
    SetDefaultPaymentMethodPayload,
)
from schema.permissions import CanRead, CanReadAll, CanWrite, CanWriteOwn
from schema.relay import Connection, Node


@strawberry.type
class Query:
    node: Node | None = strawberry.field(resolver=node.node, permission_classes=[CanRead])
    customer: Customer | None = strawberry.field(resolver=customers.customer, permission_classes=[CanRead])
    customers: Connection[Customer] = strawberry.field(resolver=customers.customers, permission_classes=[CanReadAll])
    payment_method: PaymentMethod | None = strawberry.field(
        resolver=payment_methods.payment_method, permission_classes=[CanRead]
    )


@strawberry.type
class Mutation:
    create_customer: CreateCustomerPayload = strawberry.mutation(
        resolver=customers.create_customer, permission_classes=[CanWrite]
    )
    update_customer: UpdateCustomerPayload = strawberry.mutation(
        resolver=customers.update_customer, permission_classes=[CanWrite]
    )
    create_setup_intent: CreateSetupIntentPayload = strawberry.mutation(
        resolver=payment_methods.create_setup_intent, permission_classes=[CanWriteOwn]
    )
    attach_payment_method: AttachPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.attach_payment_method, permission_classes=[CanWriteOwn]
    )
    detach_payment_method: DetachPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.detach_payment_method, permission_classes=[CanWriteOwn]
    )
    set_default_payment_method: SetDefaultPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.set_default_payment_method, permission_classes=[CanWriteOwn]
    )


def build_schema() -> strawberry.Schema:
    """The gateway's schema with its caching extensions."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Customer, PaymentMethod],
        # Factories: a fresh extension per request; both caches live at module level.
        extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
        config=StrawberryConfig(auto_camel_case=True),
    )
