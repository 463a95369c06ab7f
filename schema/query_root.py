"""The Query root: every read field, its resolver and its permission class, in one place."""

from __future__ import annotations

import strawberry

from resolvers import customers, invoices, node, payment_methods, payments, prices, subscriptions
from resolvers.audit import audit_events as resolve_audit_events
from resolvers.invoices import upcoming_invoice as resolve_upcoming_invoice  # `invoices` is a field in Query
from resolvers.node import viewer as resolve_viewer  # the `node` field shadows the module inside Query
from schema.audit import AuditEvent
from schema.customers import (
    Customer,
)
from schema.invoices import Invoice, InvoicePreview
from schema.payment_methods import (
    PaymentMethod,
)
from schema.payments import Payment
from schema.permissions import CanRead, CanReadAll, CanReadOwnSubscription, IsAdmin
from schema.prices import Price
from schema.relay import Connection, Node
from schema.subscriptions import (
    Subscription,
)


@strawberry.type(
    description="What clients read: the mirror of Stripe's objects (never Stripe itself, but `upcomingInvoice`)."
)
class Query:
    node: Node | None = strawberry.field(
        resolver=node.node,
        description=("Any object by its id (the `Node` interface); null when unknown or not visible."),
        permission_classes=[CanRead],
    )
    customer: Customer | None = strawberry.field(
        resolver=customers.customer, description="One customer by id; null when unknown.", permission_classes=[CanRead]
    )
    customers: Connection[Customer] = strawberry.field(
        resolver=customers.customers,
        description=("All customers, newest first (API keys only; a session reads `viewer`)."),
        permission_classes=[CanReadAll],
    )
    payment_method: PaymentMethod | None = strawberry.field(
        resolver=payment_methods.payment_method,
        description="One payment method by id, detached ones included; null when unknown.",
        permission_classes=[CanRead],
    )
    # Lists below run for sessions too: the scoped querysets keep a session to its own customer.
    subscription: Subscription | None = strawberry.field(
        resolver=subscriptions.subscription,
        description="One subscription by id; null when unknown.",
        permission_classes=[CanRead],
    )
    subscriptions: Connection[Subscription] = strawberry.field(
        resolver=subscriptions.subscriptions,
        description="Subscriptions, newest first; a customer session sees its own only.",
        permission_classes=[CanRead],
    )
    invoice: Invoice | None = strawberry.field(
        resolver=invoices.invoice, description="One invoice by id; null when unknown.", permission_classes=[CanRead]
    )
    invoices: Connection[Invoice] = strawberry.field(
        resolver=invoices.invoices,
        description=("Invoices, newest first; a customer session sees its own only."),
        permission_classes=[CanRead],
    )
    payment: Payment | None = strawberry.field(
        resolver=payments.payment,
        description=("One payment (a Stripe PaymentIntent) by id; null when unknown."),
        permission_classes=[CanRead],
    )
    payments: Connection[Payment] = strawberry.field(
        resolver=payments.payments,
        description=("Payments, newest first; a customer session sees its own only."),
        permission_classes=[CanRead],
    )
    upcoming_invoice: InvoicePreview | None = strawberry.field(
        resolver=resolve_upcoming_invoice,
        permission_classes=[CanReadOwnSubscription],
        description="Stripe's preview of a subscription's next invoice (asks Stripe; not mirrored).",
    )
    prices: Connection[Price] = strawberry.field(
        resolver=prices.prices,
        description=("The mirrored prices (and plans) a subscription can use, newest first."),
        permission_classes=[CanRead],
    )
    viewer: Customer | None = strawberry.field(
        resolver=resolve_viewer,
        permission_classes=[CanRead],
        description="The customer a customer session is bound to; null for API keys.",
    )
    audit_events: Connection[AuditEvent] = strawberry.field(
        resolver=resolve_audit_events,
        permission_classes=[IsAdmin],
        description="The audit trail, newest first (admin keys only); `principal` and `operation` match exactly.",
    )
