"""The GraphQL schema: per-domain types from this package, root fields from `resolvers/`.

Every root field names its permission class here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from base.settings import Settings
from live import streams as live_resolvers
from resolvers import customers, invoices, node, payment_methods, payments, prices, subscriptions
from resolvers.audit import audit_events as resolve_audit_events
from resolvers.invoices import upcoming_invoice as resolve_upcoming_invoice  # `invoices` is a field in Query
from resolvers.node import viewer as resolve_viewer  # the `node` field shadows the module inside Query
from resolvers.sessions import create_customer_session as resolve_create_customer_session
from resolvers.sessions import revoke_customer_session as resolve_revoke_customer_session
from resolvers.sessions import revoke_customer_sessions as resolve_revoke_customer_sessions
from runtime.execution import CachingExecutor, SuggestionFreeExecutor
from schema.audit import AuditEvent
from schema.customers import (
    CreateCustomerPayload,
    Customer,
    UpdateCustomerPayload,
)
from schema.extensions import GatewaySchema, gateway_extensions
from schema.invoices import Invoice, InvoicePreview, PayInvoicePayload
from schema.money import SCALAR_MAP as MONEY_SCALARS
from schema.payment_methods import (
    AttachPaymentMethodPayload,
    CreateSetupIntentPayload,
    DetachPaymentMethodPayload,
    PaymentMethod,
    SetDefaultPaymentMethodPayload,
)
from schema.payments import CreatePaymentPayload, Payment, Refund, RefundPaymentPayload
from schema.permissions import CanRead, CanReadAll, CanReadOwnSubscription, CanWrite, CanWriteOwn, IsAdmin
from schema.prices import Price
from schema.relay import Connection, Node
from schema.scalars import SCALAR_MAP as TIME_SCALARS
from schema.sessions import (
    CreateCustomerSessionPayload,
    RevokeCustomerSessionPayload,
    RevokeCustomerSessionsPayload,
)
from schema.status_events import CanWatchInvoices, CanWatchPayments, CanWatchSubscriptions
from schema.subscriptions import (
    CancelSubscriptionPayload,
    CreateSubscriptionPayload,
    Subscription,
    UpdateSubscriptionPayload,
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


@strawberry.type(description="What clients change. Every mutation takes an `idempotencyKey` and answers `userErrors`.")
class Mutation:
    create_customer: CreateCustomerPayload = strawberry.mutation(
        resolver=customers.create_customer,
        description="Create a customer at Stripe and in the mirror.",
        permission_classes=[CanWrite],
    )
    update_customer: UpdateCustomerPayload = strawberry.mutation(
        resolver=customers.update_customer,
        description="Change a customer's email, name or metadata at Stripe and in the mirror.",
        permission_classes=[CanWrite],
    )
    create_setup_intent: CreateSetupIntentPayload = strawberry.mutation(
        resolver=payment_methods.create_setup_intent,
        description="Start saving a card: a SetupIntent whose client secret Stripe.js confirms in the browser.",
        permission_classes=[CanWriteOwn],
    )
    attach_payment_method: AttachPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.attach_payment_method,
        description="Attach a payment method made by Stripe.js (`pm_…`) to a customer.",
        permission_classes=[CanWriteOwn],
    )
    detach_payment_method: DetachPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.detach_payment_method,
        description="Detach a payment method from its customer; it stays readable by id.",
        permission_classes=[CanWriteOwn],
    )
    set_default_payment_method: SetDefaultPaymentMethodPayload = strawberry.mutation(
        resolver=payment_methods.set_default_payment_method,
        description="Make one of a customer's payment methods the one charged by default.",
        permission_classes=[CanWriteOwn],
    )
    create_subscription: CreateSubscriptionPayload = strawberry.mutation(
        resolver=subscriptions.create_subscription,
        description="Subscribe a customer to a price and charge the first invoice at once.",
        permission_classes=[CanWrite],
    )
    update_subscription: UpdateSubscriptionPayload = strawberry.mutation(
        resolver=subscriptions.update_subscription,
        description="Change a subscription's price, quantity or proration behaviour.",
        permission_classes=[CanWrite],
    )
    cancel_subscription: CancelSubscriptionPayload = strawberry.mutation(
        resolver=subscriptions.cancel_subscription,
        description="Cancel a subscription now or at the end of its period.",
        permission_classes=[CanWrite],
    )
    pay_invoice: PayInvoicePayload = strawberry.mutation(
        resolver=invoices.pay_invoice,
        description="Pay a draft or open invoice now, with the default or a named payment method.",
        permission_classes=[CanWriteOwn],
    )
    create_payment: CreatePaymentPayload = strawberry.mutation(
        resolver=payments.create_payment,
        description="Charge a customer's card once: a PaymentIntent, confirmed at once.",
        permission_classes=[CanWrite],
    )
    refund_payment: RefundPaymentPayload = strawberry.mutation(
        resolver=payments.refund_payment,
        description="Refund all or part of a succeeded payment.",
        permission_classes=[CanWrite],
    )
    create_customer_session: CreateCustomerSessionPayload = strawberry.mutation(
        resolver=resolve_create_customer_session,
        permission_classes=[CanWrite],
        description="A short-lived token bound to one customer, for a frontend (API keys with `write` only).",
    )
    revoke_customer_session: RevokeCustomerSessionPayload = strawberry.mutation(
        resolver=resolve_revoke_customer_session,
        permission_classes=[CanWriteOwn],
        description="Revoke one customer session: its token is refused by every gateway process within a second "
        "and its open WebSocket connections are closed (4403). API keys with `write` revoke any session; a "
        "session revokes itself (no `sessionId`) or another session of its own customer.",
    )
    revoke_customer_sessions: RevokeCustomerSessionsPayload = strawberry.mutation(
        resolver=resolve_revoke_customer_sessions,
        permission_classes=[CanWriteOwn],
        description="Revoke every live session of a customer (API keys with `write`, or a session of that "
        "customer: log out everywhere). Sessions created afterwards work.",
    )


@strawberry.type(
    description="Live status changes over WebSocket (graphql-transport-ws). The root is not named "
    "`Subscription`: that is the billing object type."
)
class LiveUpdates:
    payment_status_changed = strawberry.subscription(
        resolver=live_resolvers.payment_status_changed,
        description="Every status change of the payments you may see, or of one customer's or one payment's.",
        permission_classes=[CanWatchPayments],
    )
    invoice_status_changed = strawberry.subscription(
        resolver=live_resolvers.invoice_status_changed,
        description="Every status change of the invoices you may see, or of one customer's or one invoice's.",
        permission_classes=[CanWatchInvoices],
    )
    subscription_status_changed = strawberry.subscription(
        resolver=live_resolvers.subscription_status_changed,
        description="Every status change of the subscriptions you may see, or of one customer's or one subscription's.",
        permission_classes=[CanWatchSubscriptions],
    )


def build_schema(
    settings: Settings | None = None, extra_extensions: Sequence[Callable[[], SchemaExtension]] = ()
) -> strawberry.Schema:
    """The gateway's schema with its caches, query limits and error masking (introspection off in production)."""
    settings = settings or Settings(_env_file=None)  # type: ignore[call-arg]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=LiveUpdates,
        types=[Customer, PaymentMethod, Subscription, Invoice, Payment, Refund, Price],
        extensions=[*gateway_extensions(settings), *extra_extensions],
        config=StrawberryConfig(
            auto_camel_case=True,
            disable_field_suggestions=settings.is_production,
            scalar_map={**MONEY_SCALARS, **TIME_SCALARS},
        ),
        # In production no error names what the client did not type (see CachedValidation too).
        execution_context_class=SuggestionFreeExecutor if settings.is_production else CachingExecutor,
    )
