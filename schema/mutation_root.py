"""The Mutation root: every mutation's field, permission class and payload, in one place.

Each field is a small method: it hands the request context, the call (`mutation_call`:
the field's name as the ledger's and the audit's operation, and the client's key) and
the input to its resolver, and builds the payload from the stored-form answer.
"""

from __future__ import annotations

import strawberry

from billing.mutations import MutationCall
from resolvers import (
    customers,
    discounts,
    disputes,
    invoices,
    payment_methods,
    payments,
    sessions,
    subscriptions,
    usage,
)
from resolvers import outgoing as outgoing_webhooks
from schema.arguments import IdempotencyKey, MutationInput
from schema.context import Info
from schema.customers import CreateCustomerInput, CreateCustomerPayload, UpdateCustomerInput, UpdateCustomerPayload
from schema.discounts import ApplyDiscountInput, RemoveDiscountInput
from schema.disputes import SubmitDisputeEvidenceInput, SubmitDisputeEvidencePayload
from schema.inbox_events import ReplayWebhookEventInput, ReplayWebhookEventPayload
from schema.invoices import (
    FinalizeInvoiceInput,
    FinalizeInvoicePayload,
    PayInvoiceInput,
    PayInvoicePayload,
    VoidInvoiceInput,
    VoidInvoicePayload,
)
from schema.outgoing import (
    CreateWebhookEndpointInput,
    CreateWebhookEndpointPayload,
    DeleteWebhookEndpointPayload,
    RedeliverEventInput,
    RedeliverEventPayload,
    RotateWebhookEndpointSecretPayload,
    UpdateWebhookEndpointInput,
    UpdateWebhookEndpointPayload,
    WebhookEndpointIdInput,
)
from schema.payment_methods import (
    AttachPaymentMethodInput,
    AttachPaymentMethodPayload,
    CreateSetupIntentInput,
    CreateSetupIntentPayload,
    DetachPaymentMethodInput,
    DetachPaymentMethodPayload,
    SetDefaultPaymentMethodInput,
    SetDefaultPaymentMethodPayload,
)
from schema.payments import CreatePaymentInput, CreatePaymentPayload, RefundPaymentInput, RefundPaymentPayload
from schema.permissions import CanWrite, CanWriteOwn, IsAdmin
from schema.sessions import (
    CreateCustomerSessionInput,
    CreateCustomerSessionPayload,
    RevokeCustomerSessionInput,
    RevokeCustomerSessionPayload,
    RevokeCustomerSessionsInput,
    RevokeCustomerSessionsPayload,
)
from schema.subscriptions import (
    ApplyDiscountPayload,
    CancelSubscriptionInput,
    CancelSubscriptionPayload,
    CreateSubscriptionInput,
    CreateSubscriptionPayload,
    PauseSubscriptionInput,
    PauseSubscriptionPayload,
    RemoveDiscountPayload,
    ResumeSubscriptionInput,
    ResumeSubscriptionPayload,
    UpdateSubscriptionInput,
    UpdateSubscriptionPayload,
)
from schema.usage import RecordUsageBatchInput, RecordUsageInput, RecordUsagePayload
from webhooks.inbox_replay import replay_webhook_event as replay_inbox_event


def mutation_call(info: Info, idempotency_key: str) -> MutationCall:
    """This call of the field being resolved: its GraphQL name (e.g. `createCustomer`) is the operation."""
    return MutationCall(operation=info.field_name, idempotency_key=idempotency_key)


@strawberry.type(description="What clients change. Every mutation takes an `idempotencyKey` and answers `userErrors`.")
class Mutation:
    @strawberry.mutation(description="Create a customer at Stripe and in the mirror.", permission_classes=[CanWrite])
    async def create_customer(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateCustomerInput]
    ) -> CreateCustomerPayload:
        data = await customers.create_customer(info.context, mutation_call(info, idempotency_key), input)
        return CreateCustomerPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Change a customer's email, name or metadata at Stripe and in the mirror.",
        permission_classes=[CanWrite],
    )
    async def update_customer(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[UpdateCustomerInput]
    ) -> UpdateCustomerPayload:
        data = await customers.update_customer(info.context, mutation_call(info, idempotency_key), input)
        return UpdateCustomerPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Start saving a card: a SetupIntent whose client secret Stripe.js confirms in the browser.",
        permission_classes=[CanWriteOwn],
    )
    async def create_setup_intent(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateSetupIntentInput]
    ) -> CreateSetupIntentPayload:
        data = await payment_methods.create_setup_intent(info.context, mutation_call(info, idempotency_key), input)
        return CreateSetupIntentPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Attach a payment method made by Stripe.js (`pm_…`) to a customer.",
        permission_classes=[CanWriteOwn],
    )
    async def attach_payment_method(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[AttachPaymentMethodInput]
    ) -> AttachPaymentMethodPayload:
        data = await payment_methods.attach_payment_method(info.context, mutation_call(info, idempotency_key), input)
        return AttachPaymentMethodPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Detach a payment method from its customer; it stays readable by id.",
        permission_classes=[CanWriteOwn],
    )
    async def detach_payment_method(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[DetachPaymentMethodInput]
    ) -> DetachPaymentMethodPayload:
        data = await payment_methods.detach_payment_method(info.context, mutation_call(info, idempotency_key), input)
        return DetachPaymentMethodPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Make one of a customer's payment methods the one charged by default.",
        permission_classes=[CanWriteOwn],
    )
    async def set_default_payment_method(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[SetDefaultPaymentMethodInput]
    ) -> SetDefaultPaymentMethodPayload:
        call = mutation_call(info, idempotency_key)
        data = await payment_methods.set_default_payment_method(info.context, call, input)
        return SetDefaultPaymentMethodPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Subscribe a customer to a price and charge the first invoice at once.",
        permission_classes=[CanWrite],
    )
    async def create_subscription(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateSubscriptionInput]
    ) -> CreateSubscriptionPayload:
        data = await subscriptions.create_subscription(info.context, mutation_call(info, idempotency_key), input)
        return CreateSubscriptionPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Change a subscription's price, quantity or proration behaviour.",
        permission_classes=[CanWrite],
    )
    async def update_subscription(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[UpdateSubscriptionInput]
    ) -> UpdateSubscriptionPayload:
        data = await subscriptions.update_subscription(info.context, mutation_call(info, idempotency_key), input)
        return UpdateSubscriptionPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Cancel a subscription now or at the end of its period.",
        permission_classes=[CanWrite],
    )
    async def cancel_subscription(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CancelSubscriptionInput]
    ) -> CancelSubscriptionPayload:
        data = await subscriptions.cancel_subscription(info.context, mutation_call(info, idempotency_key), input)
        return CancelSubscriptionPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Pause collecting a subscription's payments (Stripe's `pause_collection`); its status stays. "
        "A customer session may pause its own customer's subscriptions.",
        permission_classes=[CanWriteOwn],
    )
    async def pause_subscription(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[PauseSubscriptionInput]
    ) -> PauseSubscriptionPayload:
        data = await subscriptions.pause_subscription(info.context, mutation_call(info, idempotency_key), input)
        return PauseSubscriptionPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Resume collecting a paused subscription's payments. "
        "A customer session may resume its own customer's subscriptions.",
        permission_classes=[CanWriteOwn],
    )
    async def resume_subscription(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[ResumeSubscriptionInput]
    ) -> ResumeSubscriptionPayload:
        data = await subscriptions.resume_subscription(info.context, mutation_call(info, idempotency_key), input)
        return ResumeSubscriptionPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Pay a draft or open invoice now, with the default or a named payment method.",
        permission_classes=[CanWriteOwn],
    )
    async def pay_invoice(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[PayInvoiceInput]
    ) -> PayInvoicePayload:
        data = await invoices.pay_invoice(info.context, mutation_call(info, idempotency_key), input)
        return PayInvoicePayload.from_snapshot(data)

    @strawberry.mutation(
        description="Finalize a draft invoice at Stripe (draft to open): it can then be paid, and no longer edited.",
        permission_classes=[CanWrite],
    )
    async def finalize_invoice(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[FinalizeInvoiceInput]
    ) -> FinalizeInvoicePayload:
        data = await invoices.finalize_invoice(info.context, mutation_call(info, idempotency_key), input)
        return FinalizeInvoicePayload.from_snapshot(data)

    @strawberry.mutation(
        description="Void an open invoice at Stripe (open to void): nothing is owed on it any more, for good.",
        permission_classes=[CanWrite],
    )
    async def void_invoice(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[VoidInvoiceInput]
    ) -> VoidInvoicePayload:
        data = await invoices.void_invoice(info.context, mutation_call(info, idempotency_key), input)
        return VoidInvoicePayload.from_snapshot(data)

    @strawberry.mutation(
        description="Charge a customer's card once: a PaymentIntent, confirmed at once.",
        permission_classes=[CanWrite],
    )
    async def create_payment(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreatePaymentInput]
    ) -> CreatePaymentPayload:
        data = await payments.create_payment(info.context, mutation_call(info, idempotency_key), input)
        return CreatePaymentPayload.from_snapshot(data)

    @strawberry.mutation(description="Refund all or part of a succeeded payment.", permission_classes=[CanWrite])
    async def refund_payment(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RefundPaymentInput]
    ) -> RefundPaymentPayload:
        data = await payments.refund_payment(info.context, mutation_call(info, idempotency_key), input)
        return RefundPaymentPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Give Stripe evidence for a dispute, and submit it to the bank when `submit` (admin keys only).",
        permission_classes=[IsAdmin],
    )
    async def submit_dispute_evidence(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[SubmitDisputeEvidenceInput]
    ) -> SubmitDisputeEvidencePayload:
        data = await disputes.submit_dispute_evidence(info.context, mutation_call(info, idempotency_key), input)
        return SubmitDisputeEvidencePayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="A short-lived token bound to one customer, for a frontend (API keys with `write` only).",
    )
    async def create_customer_session(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateCustomerSessionInput]
    ) -> CreateCustomerSessionPayload:
        data = await sessions.create_customer_session(info.context, mutation_call(info, idempotency_key), input)
        return CreateCustomerSessionPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[CanWriteOwn],
        description="Revoke one customer session: its token is refused by every gateway process within a second "
        "and its open WebSocket connections are closed (4403). API keys with `write` revoke any session; a "
        "session revokes itself (no `sessionId`) or another session of its own customer.",
    )
    async def revoke_customer_session(
        self,
        info: Info,
        idempotency_key: IdempotencyKey,
        input: MutationInput[RevokeCustomerSessionInput | None] = None,
    ) -> RevokeCustomerSessionPayload:
        data = await sessions.revoke_customer_session(info.context, mutation_call(info, idempotency_key), input)
        return RevokeCustomerSessionPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[CanWriteOwn],
        description="Revoke every live session of a customer (API keys with `write`, or a session of that "
        "customer: log out everywhere). Sessions created afterwards work.",
    )
    async def revoke_customer_sessions(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RevokeCustomerSessionsInput]
    ) -> RevokeCustomerSessionsPayload:
        data = await sessions.revoke_customer_sessions(info.context, mutation_call(info, idempotency_key), input)
        return RevokeCustomerSessionsPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Apply a coupon or a promotion code to a subscription (or to each running subscription of a "
        "customer); the discounts already there stay. A customer session may redeem a promotion code on its own "
        "subscriptions; coupons take an API key with `write`.",
        permission_classes=[CanWriteOwn],
    )
    async def apply_discount(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[ApplyDiscountInput]
    ) -> ApplyDiscountPayload:
        data = await discounts.apply_discount(info.context, mutation_call(info, idempotency_key), input)
        return ApplyDiscountPayload.from_snapshot(data)

    @strawberry.mutation(
        description="Remove one discount (or all) from a subscription, or from each running subscription of a "
        "customer (API keys with `write`).",
        permission_classes=[CanWrite],
    )
    async def remove_discount(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RemoveDiscountInput]
    ) -> RemoveDiscountPayload:
        data = await discounts.remove_discount(info.context, mutation_call(info, idempotency_key), input)
        return RemoveDiscountPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[CanWriteOwn],
        description="Record one usage event on a Billing Meter. It is persisted first, then forwarded to Stripe as "
        "a meter event (with `identifier` as Stripe's dedupe key); a repeated identifier is ignored (`duplicates`). "
        "A customer session records only its own customer's usage.",
    )
    async def record_usage(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RecordUsageInput]
    ) -> RecordUsagePayload:
        data = await usage.record_usage(info.context, mutation_call(info, idempotency_key), input)
        return RecordUsagePayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[CanWriteOwn],
        description="Record up to 1,000 usage events in one call (one statement); repeated identifiers are ignored "
        "and counted. One invalid event refuses the call. A customer session records only its own customer's usage.",
    )
    async def record_usage_batch(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RecordUsageBatchInput]
    ) -> RecordUsagePayload:
        data = await usage.record_usage_batch(info.context, mutation_call(info, idempotency_key), input)
        return RecordUsagePayload.from_snapshot(data)

    # Outgoing webhooks (issue 16): admin keys only.
    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Register an outgoing webhook endpoint (admin keys only): domain events are POSTed to it signed "
        "per the Standard Webhooks spec. The answer carries the signing secret, this once.",
    )
    async def create_webhook_endpoint(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateWebhookEndpointInput]
    ) -> CreateWebhookEndpointPayload:
        call = mutation_call(info, idempotency_key)
        data = await outgoing_webhooks.create_webhook_endpoint(info.context, call, input)
        return CreateWebhookEndpointPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Change an outgoing webhook endpoint's URL, event types, description, or enable/disable it "
        "(admin keys only).",
    )
    async def update_webhook_endpoint(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[UpdateWebhookEndpointInput]
    ) -> UpdateWebhookEndpointPayload:
        call = mutation_call(info, idempotency_key)
        data = await outgoing_webhooks.update_webhook_endpoint(info.context, call, input)
        return UpdateWebhookEndpointPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Give an outgoing webhook endpoint a new signing secret (answered this once; admin keys only). "
        "For 24 h deliveries carry signatures with both the new and the previous secret.",
    )
    async def rotate_webhook_endpoint_secret(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[WebhookEndpointIdInput]
    ) -> RotateWebhookEndpointSecretPayload:
        call = mutation_call(info, idempotency_key)
        data = await outgoing_webhooks.rotate_webhook_endpoint_secret(info.context, call, input)
        return RotateWebhookEndpointSecretPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Delete an outgoing webhook endpoint: nothing more is sent to it (admin keys only).",
    )
    async def delete_webhook_endpoint(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[WebhookEndpointIdInput]
    ) -> DeleteWebhookEndpointPayload:
        call = mutation_call(info, idempotency_key)
        data = await outgoing_webhooks.delete_webhook_endpoint(info.context, call, input)
        return DeleteWebhookEndpointPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Send one event to one endpoint again, with the same `webhook-id` (admin keys only).",
    )
    async def redeliver_event(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[RedeliverEventInput]
    ) -> RedeliverEventPayload:
        call = mutation_call(info, idempotency_key)
        data = await outgoing_webhooks.redeliver_event(info.context, call, input)
        return RedeliverEventPayload.from_snapshot(data)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Apply one Stripe inbox event again (like `billing-gateway webhooks replay <id>`): back to "
        "`pending`, then to its worker (admin keys only).",
    )
    async def replay_webhook_event(
        self, info: Info, idempotency_key: IdempotencyKey, input: MutationInput[ReplayWebhookEventInput]
    ) -> ReplayWebhookEventPayload:
        call = mutation_call(info, idempotency_key)
        data = await replay_inbox_event(info.context, call, input)
        return ReplayWebhookEventPayload.from_snapshot(data)
