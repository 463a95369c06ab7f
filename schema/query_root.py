"""The Query root: every read field, its permission class, and the GraphQL objects of what its resolver answers.

The resolvers (`resolvers/`) take the request context and plain arguments and answer mirror rows
or pages of them; each field here makes those the schema's types (`Connection.from_page`, `node_of`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError

# Revenue analytics (issue 16).
import resolvers.analytics
import resolvers.audit
import resolvers.customers
import resolvers.discounts
import resolvers.disputes
import resolvers.invoices
import resolvers.node
import resolvers.outbox
import resolvers.outgoing
import resolvers.payment_methods
import resolvers.payments
import resolvers.prices
import resolvers.subscriptions
import resolvers.usage
import resolvers.webhook_inbox
from base.error_codes import ErrorCode
from base.ids import InvalidIdError

# Revenue analytics (issue 16).
from models import EventStatus
from schema.analytics import BillingMetrics, MetricsInterval
from schema.arguments import (
    ActiveFilter,
    After,
    DisputeStatusFilter,
    EmailFilter,
    First,
    InvoiceStatusFilter,
    ObjectId,
    OfCustomer,
    OfSubscription,
    OperationFilter,
    PrincipalFilter,
    SubscriptionStatusFilter,
    SubscriptionToPreview,
)
from schema.audit import AuditEvent
from schema.context import Info
from schema.customers import Customer, nested_pages_asked
from schema.discounts import CodeFilter, Coupon, PromotionActiveFilter, PromotionCode, ValidFilter
from schema.disputes import Dispute
from schema.enums import MeterStatus, status_filter, stripe_value
from schema.inbox_events import WebhookInboxEvent, WebhookInboxStatus
from schema.invoices import Invoice, InvoicePreview, SubscriptionChangePreview
from schema.nodes import node_of
from schema.outbox import DomainEventConnection, EventCursor, EventTypesFilter
from schema.outgoing import EventDelivery, EventDeliveryStatus, WebhookEndpoint
from schema.payment_methods import PaymentMethod
from schema.payments import Payment
from schema.permissions import CanRead, CanReadAll, CanReadOwnSubscription, IsAdmin
from schema.prices import Price
from schema.relay import Connection, Node
from schema.subscriptions import Subscription, SubscriptionChangeInput
from schema.usage import Meter

CHANGE_TO_PREVIEW = "The change to preview: what `updateSubscription` would be given."


@strawberry.type(
    description="What clients read: the mirror of Stripe's objects (never Stripe itself, but `upcomingInvoice` and "
    "`previewSubscriptionChange`)."
)
class Query:
    @strawberry.field(
        description="Any object by its id (the `Node` interface); null when unknown or not visible.",
        permission_classes=[CanRead],
    )
    async def node(self, info: Info, id: ObjectId) -> Node | None:
        row = await resolvers.node.node(info.context, id)
        return node_of(row) if row is not None else None

    @strawberry.field(description="One customer by id; null when unknown.", permission_classes=[CanRead])
    async def customer(self, info: Info, id: ObjectId) -> Customer | None:
        row = await resolvers.customers.customer(info.context, id)
        return Customer.from_model(row) if row is not None else None

    @strawberry.field(
        description="All customers, newest first (API keys only; a session reads `viewer`).",
        permission_classes=[CanReadAll],
    )
    async def customers(
        self, info: Info, first: First = None, after: After = None, email: EmailFilter = None
    ) -> Connection[Customer]:
        # The nested pages the selection reads are fetched ahead, for the whole page at once.
        nested = nested_pages_asked(info)
        page = await resolvers.customers.customers(info.context, first, after, email, nested)
        return Connection.from_page(page, Customer.from_model)

    @strawberry.field(
        description="One payment method by id, detached ones included; null when unknown.",
        permission_classes=[CanRead],
    )
    async def payment_method(self, info: Info, id: ObjectId) -> PaymentMethod | None:
        row = await resolvers.payment_methods.payment_method(info.context, id)
        return PaymentMethod.from_model(row) if row is not None else None

    # Lists below run for sessions too: the scoped querysets keep a session to its own customer.
    @strawberry.field(description="One subscription by id; null when unknown.", permission_classes=[CanRead])
    async def subscription(self, info: Info, id: ObjectId) -> Subscription | None:
        row = await resolvers.subscriptions.subscription(info.context, id)
        return Subscription.from_model(row) if row is not None else None

    @strawberry.field(
        description="Subscriptions, newest first; a customer session sees its own only.",
        permission_classes=[CanRead],
    )
    async def subscriptions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        customer_id: OfCustomer = None,
        status: SubscriptionStatusFilter = None,
    ) -> Connection[Subscription]:
        page = await resolvers.subscriptions.subscriptions(
            info.context, first, after, customer_id, status_filter(status) if status is not None else None
        )
        return Connection.from_page(page, Subscription.from_model)

    @strawberry.field(description="One invoice by id; null when unknown.", permission_classes=[CanRead])
    async def invoice(self, info: Info, id: ObjectId) -> Invoice | None:
        row = await resolvers.invoices.invoice(info.context, id)
        return Invoice.from_model(row) if row is not None else None

    @strawberry.field(
        description="Invoices, newest first; a customer session sees its own only.", permission_classes=[CanRead]
    )
    async def invoices(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        customer_id: OfCustomer = None,
        subscription_id: OfSubscription = None,
        status: InvoiceStatusFilter = None,
    ) -> Connection[Invoice]:
        page = await resolvers.invoices.invoices(
            info.context,
            first,
            after,
            customer_id,
            subscription_id,
            status_filter(status) if status is not None else None,
        )
        return Connection.from_page(page, Invoice.from_model)

    @strawberry.field(
        description="One payment (a Stripe PaymentIntent) by id; null when unknown.", permission_classes=[CanRead]
    )
    async def payment(self, info: Info, id: ObjectId) -> Payment | None:
        row = await resolvers.payments.payment(info.context, id)
        return Payment.from_model(row) if row is not None else None

    @strawberry.field(
        description="Payments, newest first; a customer session sees its own only.", permission_classes=[CanRead]
    )
    async def payments(
        self, info: Info, first: First = None, after: After = None, customer_id: OfCustomer = None
    ) -> Connection[Payment]:
        page = await resolvers.payments.payments(info.context, first, after, customer_id)
        return Connection.from_page(page, Payment.from_model)

    @strawberry.field(
        description="Disputes (chargebacks), newest first; a customer session sees its own customer's only.",
        permission_classes=[CanRead],
    )
    async def disputes(
        self, info: Info, first: First = None, after: After = None, status: DisputeStatusFilter = None
    ) -> Connection[Dispute]:
        page = await resolvers.disputes.disputes(
            info.context, first, after, status_filter(status) if status is not None else None
        )
        return Connection.from_page(page, Dispute.from_model)

    @strawberry.field(
        permission_classes=[CanReadOwnSubscription],
        description="Stripe's preview of a subscription's next invoice (asks Stripe; not mirrored).",
    )
    async def upcoming_invoice(self, info: Info, subscription_id: SubscriptionToPreview) -> InvoicePreview | None:
        preview = await resolvers.invoices.upcoming_invoice(info.context, subscription_id)
        return InvoicePreview.from_stripe(preview) if preview is not None else None

    @strawberry.field(
        permission_classes=[CanRead],
        description="The invoice a change of a subscription's price or quantity would produce, prorated as Stripe "
        "will (asks Stripe; nothing changes). A customer session previews its own subscriptions only.",
    )
    async def preview_subscription_change(
        self, info: Info, input: Annotated[SubscriptionChangeInput, strawberry.argument(description=CHANGE_TO_PREVIEW)]
    ) -> SubscriptionChangePreview:
        answer = await resolvers.subscriptions.preview_subscription_change(info.context, input)
        return SubscriptionChangePreview.of(answer.invoice, answer.user_errors)

    @strawberry.field(
        description="The mirrored prices (and plans) a subscription can use, newest first.",
        permission_classes=[CanRead],
    )
    async def prices(
        self, info: Info, first: First = None, after: After = None, active: ActiveFilter = None
    ) -> Connection[Price]:
        page = await resolvers.prices.prices(info.context, first, after, active)
        return Connection.from_page(page, Price.from_model)

    @strawberry.field(
        permission_classes=[CanRead],
        description="The customer a customer session is bound to; null for API keys.",
    )
    async def viewer(self, info: Info) -> Customer | None:
        row = await resolvers.node.viewer(info.context)
        return Customer.from_model(row) if row is not None else None

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="The audit trail, newest first (admin keys only); `principal` and `operation` match exactly.",
    )
    async def audit_events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        principal: PrincipalFilter = None,
        operation: OperationFilter = None,
        object_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only entries concerning this object (a global id).")
        ] = None,
        occurred_after: Annotated[
            datetime | None, strawberry.argument(description="Only entries at or after this time.")
        ] = None,
        occurred_before: Annotated[
            datetime | None, strawberry.argument(description="Only entries before this time.")
        ] = None,
    ) -> Connection[AuditEvent]:
        page = await resolvers.audit.audit_events(
            info.context,
            first,
            after,
            principal,
            operation,
            object_id=object_id,
            occurred_after=occurred_after,
            occurred_before=occurred_before,
        )
        return Connection.from_page(page, AuditEvent.from_model)

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="The Stripe webhook inbox (admin keys only), newest first: each event as received, its status "
        "and, when it failed, why.",
    )
    async def webhook_inbox(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            WebhookInboxStatus | None, strawberry.argument(description="Only events in this status.")
        ] = None,
    ) -> Connection[WebhookInboxEvent]:
        wanted = EventStatus(str(status.value)) if status is not None else None
        page = await resolvers.webhook_inbox.webhook_inbox(first, after, wanted)
        return Connection.from_page(page, WebhookInboxEvent.from_row)

    @strawberry.field(
        description="The mirrored coupons (what a discount takes off), newest first; any authenticated caller, "
        "like prices.",
        permission_classes=[CanRead],
    )
    async def coupons(
        self, info: Info, first: First = None, after: After = None, valid: ValidFilter = None
    ) -> Connection[Coupon]:
        page = await resolvers.discounts.coupons(info.context, first, after, valid)
        return Connection.from_page(page, Coupon.from_model)

    @strawberry.field(
        description="The mirrored promotion codes, newest first (API keys with `read`: codes are handed out to "
        "customers, not listed to them).",
        permission_classes=[CanReadAll],
    )
    async def promotion_codes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        code: CodeFilter = None,
        active: PromotionActiveFilter = None,
    ) -> Connection[PromotionCode]:
        page = await resolvers.discounts.promotion_codes(info.context, first, after, code, active)
        return Connection.from_page(page, PromotionCode.from_model)

    @strawberry.field(
        permission_classes=[CanRead],
        description="The account's Billing Meters (usage-based billing), newest first, from the gateway's mirror "
        "(kept by Stripe's `billing.meter.*` webhooks; Stripe is not asked).",
    )
    async def meters(
        self,
        info: Info,
        status: Annotated[MeterStatus | None, strawberry.argument(description="Only meters in this status.")] = None,
    ) -> list[Meter]:
        rows = await resolvers.usage.meters(info.context, stripe_value(status) if status is not None else None)
        return [Meter.from_model(row) for row in rows]

    # Revenue analytics (issue 16).
    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Revenue analytics per period (admin keys only): MRR and its movements, subscription counts, "
        "churn rates, net revenue and ARPU in one currency (no FX), from the mirror's subscription history. "
        "Definitions and where they differ from Stripe's Billing analytics: docs/analytics.md.",
    )
    async def billing_metrics(
        self,
        info: Info,
        currency: Annotated[str, strawberry.argument(description="ISO 4217 code (`usd`); only amounts in it count.")],
        start: Annotated[
            datetime, strawberry.argument(name="from", description="The start of the range (inclusive), UTC offset.")
        ],
        end: Annotated[
            datetime, strawberry.argument(name="to", description="The end of the range (exclusive), UTC offset.")
        ],
        interval: Annotated[MetricsInterval, strawberry.argument(description="The length of one period.")],
    ) -> BillingMetrics:
        answer = await resolvers.analytics.billing_metrics(info.context, currency, start, end, interval.as_interval())
        return BillingMetrics.of(currency, answer)

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="The replayable event feed (admin keys only): the transactional outbox, OLDEST first, after a "
        "cursor (an event's `sequence`); keep `endCursor` and ask again to get what happened since.",
    )
    async def events(
        self, info: Info, after: EventCursor = None, types: EventTypesFilter = None, first: First = None
    ) -> DomainEventConnection:
        page = await resolvers.outbox.events(info.context, first, after, types)
        return DomainEventConnection.from_page(page)

    # Outgoing webhooks (issue 16): admin keys only.
    @strawberry.field(
        permission_classes=[IsAdmin],
        description="The outgoing webhook endpoints (admin keys only), oldest first, at most 100; never their secrets.",
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        return [WebhookEndpoint.from_row(row) for row in await resolvers.outgoing.webhook_endpoints()]

    @strawberry.field(
        permission_classes=[IsAdmin],
        description="Deliveries of events to outgoing webhook endpoints (admin keys only), newest first.",
    )
    async def event_deliveries(
        self,
        info: Info,
        endpoint_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this endpoint's deliveries.")
        ] = None,
        status: Annotated[
            EventDeliveryStatus | None, strawberry.argument(description="Only deliveries in this status.")
        ] = None,
        first: Annotated[
            int | None, strawberry.argument(description="At most this many (1 to 100; default 100).")
        ] = None,
    ) -> list[EventDelivery]:
        try:
            rows = await resolvers.outgoing.event_deliveries(
                None if endpoint_id is None else str(endpoint_id), None if status is None else str(status.value), first
            )
        except (InvalidIdError, ValueError) as exc:
            raise GraphQLError(str(exc), extensions={"code": ErrorCode.VALIDATION_FAILED}) from exc
        return [EventDelivery.from_row(row) for row in rows]
