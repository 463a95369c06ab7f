"""The Mutation root: every mutation, its resolver and its permission class, in one place."""

from __future__ import annotations

import strawberry

from resolvers import customers, invoices, payment_methods, payments, subscriptions
from resolvers.sessions import create_customer_session as resolve_create_customer_session
from resolvers.sessions import revoke_customer_session as resolve_revoke_customer_session
from resolvers.sessions import revoke_customer_sessions as resolve_revoke_customer_sessions
from schema.customers import (
    CreateCustomerPayload,
    UpdateCustomerPayload,
)
from schema.invoices import PayInvoicePayload
from schema.payment_methods import (
    AttachPaymentMethodPayload,
    CreateSetupIntentPayload,
    DetachPaymentMethodPayload,
    SetDefaultPaymentMethodPayload,
)
from schema.payments import CreatePaymentPayload, RefundPaymentPayload
from schema.permissions import CanWrite, CanWriteOwn
from schema.sessions import (
    CreateCustomerSessionPayload,
    RevokeCustomerSessionPayload,
    RevokeCustomerSessionsPayload,
)
from schema.subscriptions import (
    CancelSubscriptionPayload,
    CreateSubscriptionPayload,
    UpdateSubscriptionPayload,
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
