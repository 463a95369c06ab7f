"""Subscription: the type as read from the mirror."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from base.ids import to_global_id
from billing.authorization import may_see_customer
from billing.loaders import load_page
from billing.snapshots import load
from models import Subscription as SubscriptionModel
from schema.arguments import After, First
from schema.context import Info
from schema.discounts import Discount
from schema.enums import UNKNOWN_VALUE, SubscriptionStatus, to_enum
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.nodes import node_of, node_type
from schema.relay import CREATED_AT_DESCRIPTION, ID_DESCRIPTION, Connection, Node

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.invoices import Invoice
    from schema.prices import Price

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]
InvoiceRef = Annotated["Invoice", strawberry.lazy("schema.invoices")]
PriceRef = Annotated["Price", strawberry.lazy("schema.prices")]


@strawberry.enum(
    description="What Stripe does with the invoices of a subscription whose collection is paused "
    "(Stripe's `pause_collection.behavior`)."
)
class PauseBehavior(Enum):
    KEEP_AS_DRAFT = strawberry.enum_value(
        "keep_as_draft", description="Invoices are made but stay drafts: nothing is charged until they are finalized."
    )
    MARK_UNCOLLECTIBLE = strawberry.enum_value(
        "mark_uncollectible", description="Invoices are made and marked uncollectible: the service is given free."
    )
    VOID = strawberry.enum_value("void", description="Invoices are made and voided at once: nothing is owed.")
    UNKNOWN = strawberry.enum_value(
        UNKNOWN_VALUE, description="A behavior this gateway does not know yet (never accepted as input)."
    )


@strawberry.type(description="How a subscription's payment collection is paused (Stripe's `pause_collection`).")
class PauseCollection:
    behavior: PauseBehavior = strawberry.field(description="What happens to the invoices made while paused.")
    resumes_at: datetime | None = strawberry.field(
        description="When Stripe resumes collection by itself; null: paused until `resumeSubscription`."
    )

    @classmethod
    def of(cls, row: SubscriptionModel) -> PauseCollection | None:
        """The pause of a mirror row; None when its collection is not paused."""
        if row.pause_behavior is None:
            return None
        return cls(behavior=to_enum(PauseBehavior, row.pause_behavior), resumes_at=row.pause_resumes_at)


@node_type(SubscriptionModel)
@strawberry.type(description="A customer's subscription to a price at Stripe, as mirrored by the gateway.")
class Subscription(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The subscription's id at Stripe (`sub_…`).")
    status: SubscriptionStatus = strawberry.field(description="The subscription's status at Stripe.")
    price_id: str | None = strawberry.field(description="The Stripe price (or, on emulators, plan) id subscribed to.")
    quantity: int = strawberry.field(description="How many units of the price are billed.")
    current_period_start: datetime | None = strawberry.field(description="Start of the period billed last.")
    current_period_end: datetime | None = strawberry.field(
        description="End of the period billed last: the next renewal."
    )
    cancel_at_period_end: bool = strawberry.field(
        description="True when it ends at `currentPeriodEnd` instead of renewing."
    )
    canceled_at: datetime | None = strawberry.field(description="When it was canceled; null while it runs.")
    pause_collection: PauseCollection | None = strawberry.field(
        description="Set while payment collection is paused (the status stays, e.g. ACTIVE); null when not paused."
    )
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    past_due_since: datetime | None = strawberry.field(
        description="Since when it is PAST_DUE (a renewal payment failed; Stripe retries it): the time of the Stripe "
        "event that first showed it past due, UTC. Null whenever the status is not PAST_DUE."
    )
    model: strawberry.Private[SubscriptionModel]

    @classmethod
    def from_model(cls, row: SubscriptionModel) -> Subscription:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Subscription", row.id),
            stripe_id=row.stripe_id,
            status=to_enum(SubscriptionStatus, row.status),
            price_id=row.price_stripe_id,
            quantity=row.quantity,
            current_period_start=row.current_period_start,
            current_period_end=row.current_period_end,
            cancel_at_period_end=row.cancel_at_period_end,
            canceled_at=row.canceled_at,
            pause_collection=PauseCollection.of(row),
            created_at=row.stripe_created or row.created_at,
            past_due_since=row.past_due_since,
            model=row,
        )

    @strawberry.field(description="The subscribed customer.")
    async def customer(self, info: Info) -> CustomerRef:
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        if row is None:  # the foreign key forbids it; say so rather than answer a wrong null
            raise LookupError(f"subscription {self.model.id} has no customer row")
        return node_of(row)

    @strawberry.field(description="The most recent invoice Stripe made for this subscription.")
    async def latest_invoice(self, info: Info) -> InvoiceRef | None:
        stripe_id = self.model.latest_invoice_stripe_id
        if stripe_id is None:
            return None
        row = await info.context.loaders.invoice_by_stripe_id.load(stripe_id)
        if row is None or not may_see_customer(info.context.principal, row.customer_id):  # type: ignore[arg-type]
            return None
        return node_of(row)

    @strawberry.field(description="The mirrored price (or plan) subscribed to; null while the mirror has not seen it.")
    async def price(self, info: Info) -> PriceRef | None:
        if self.model.price_stripe_id is None:
            return None
        row = await info.context.loaders.price_by_stripe_id.load(self.model.price_stripe_id)
        return node_of(row) if row is not None else None

    @strawberry.field(
        description="The Stripe product ids (`prod_…`) of the prices of its items, each once, as mirrored; "
        "a price the mirror has not seen adds none."
    )
    async def products(self, info: Info) -> list[str]:
        loaders = info.context.loaders
        items = await loaders.subscription_items.load(self.model.id)
        price_ids = [item.price_stripe_id for item in items] or (
            [self.model.price_stripe_id] if self.model.price_stripe_id else []
        )
        prices = await loaders.price_by_stripe_id.load_many(price_ids)
        products = [price.product_stripe_id for price in prices if price is not None and price.product_stripe_id]
        return list(dict.fromkeys(products))

    @strawberry.field(description="The coupons applied to it (Stripe's discounts), as mirrored; oldest first.")
    def discounts(self) -> list[Discount]:
        return [Discount.of(entry) for entry in self.model.discounts or []]

    @strawberry.field(description="This subscription's invoices, newest first.")
    async def invoices(self, info: Info, first: First = None, after: After = None) -> Connection[InvoiceRef]:
        page = await load_page(info.context.loaders.subscription_invoices, self.model.id, first, after)
        return Connection.from_page(page, node_of)


def subscription_from_snapshot(data: dict[str, Any] | None) -> Subscription | None:
    """The Subscription of a stored mutation response (null when it held none)."""
    return Subscription.from_model(load(SubscriptionModel, data)) if data else None


@strawberry.enum(description="How Stripe bills a mid-period change of price or quantity.")
class ProrationBehavior(Enum):
    CREATE_PRORATIONS = strawberry.enum_value(
        "create_prorations", description="Credit or charge the difference on the next invoice (the default)."
    )
    NONE = strawberry.enum_value("none", description="No proration: the new price applies from the next period.")
    ALWAYS_INVOICE = strawberry.enum_value("always_invoice", description="Prorate and invoice the difference at once.")


@strawberry.input(description="What `createSubscription` makes: a subscription whose first invoice is charged at once.")
class CreateSubscriptionInput:
    customer_id: strawberry.ID = strawberry.field(description="The subscribing customer (a Customer id).")
    price_id: str = strawberry.field(description="A Stripe price id (`price_…`); on emulators, a plan id.")
    quantity: int | None = strawberry.field(default=1, description="Units of the price, 1 to 10,000 (default 1).")
    payment_method_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One of the customer's payment methods; default: the customer's default."
    )
    trial_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Free days before the first charge, 1 to 730."
    )


@strawberry.input(description="What `updateSubscription` changes on the subscription's item; fields left out are kept.")
class UpdateSubscriptionInput:
    id: strawberry.ID = strawberry.field(description="The subscription to change (a Subscription id).")
    price_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new price (a Stripe price id; on emulators, a plan id); the quantity is kept.",
    )
    quantity: int | None = strawberry.field(default=strawberry.UNSET, description="The new quantity, 1 to 10,000.")
    proration_behavior: ProrationBehavior | None = strawberry.field(
        default=ProrationBehavior.CREATE_PRORATIONS, description="How Stripe bills the change mid-period."
    )
    proration_date: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="The moment the change is prorated from, within the current period (default: now); "
        "pass the `prorationDate` of a `previewSubscriptionChange` to be charged what it showed.",
    )


@strawberry.input(
    description="A change of a subscription's item to preview (`previewSubscriptionChange`): what "
    "`updateSubscription` would take; fields left out are kept."
)
class SubscriptionChangeInput:
    subscription_id: strawberry.ID = strawberry.field(description="The subscription to change (a Subscription id).")
    price_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The new price (a Stripe price id; on emulators, a plan id); the quantity is kept.",
    )
    quantity: int | None = strawberry.field(default=strawberry.UNSET, description="The new quantity, 1 to 10,000.")
    proration_behavior: ProrationBehavior | None = strawberry.field(
        default=ProrationBehavior.CREATE_PRORATIONS,
        description="How Stripe would bill the change: `ALWAYS_INVOICE` previews the invoice made at once, the "
        "others the next invoice.",
    )
    proration_date: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="The moment to prorate from, within the current period (default: now); give the same to "
        "`updateSubscription` to be charged what the preview shows.",
    )


@strawberry.input(description="What `cancelSubscription` needs.")
class CancelSubscriptionInput:
    id: strawberry.ID = strawberry.field(description="The subscription to cancel (a Subscription id).")
    at_period_end: bool | None = strawberry.field(
        default=False, description="True: it stays active until `currentPeriodEnd`; false (the default): canceled now."
    )


@strawberry.type(
    description="The answer of `createSubscription`; a declined first charge answers the INCOMPLETE subscription "
    "and a `CARD_DECLINED` error."
)
class CreateSubscriptionPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription made; null when nothing was made."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreateSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.type(description="The answer of `updateSubscription`.")
class UpdateSubscriptionPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription as changed; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> UpdateSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.type(description="The answer of `cancelSubscription`.")
class CancelSubscriptionPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription as canceled; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CancelSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.input(
    description="What `pauseSubscription` needs: the subscription, what to do with its invoices, until when."
)
class PauseSubscriptionInput:
    id: strawberry.ID = strawberry.field(description="The subscription to pause (a Subscription id).")
    behavior: PauseBehavior = strawberry.field(
        description="What Stripe does with the invoices made while paused (`UNKNOWN` is refused)."
    )
    resumes_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="When collection resumes by itself, in the future, with a UTC offset; "
        "left out: paused until `resumeSubscription`.",
    )


@strawberry.input(description="What `resumeSubscription` needs.")
class ResumeSubscriptionInput:
    id: strawberry.ID = strawberry.field(description="The paused subscription to resume (a Subscription id).")


@strawberry.type(description="The answer of `pauseSubscription`.")
class PauseSubscriptionPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription as paused; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> PauseSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


@strawberry.type(description="The answer of `resumeSubscription`.")
class ResumeSubscriptionPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription as resumed; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> ResumeSubscriptionPayload:
        return cls(subscription=subscription_from_snapshot(data.get("subscription")), user_errors=user_errors(data))


def _subscriptions(data: dict[str, Any]) -> list[Subscription]:
    return [Subscription.from_model(load(SubscriptionModel, row)) for row in data.get("subscriptions") or []]


@strawberry.type(description="The answer of `applyDiscount`.")
class ApplyDiscountPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription discounted (for `subscriptionId`); null when `userErrors` is not empty."
    )
    subscriptions: list[Subscription] = strawberry.field(
        description="Every subscription discounted (one for `subscriptionId`); empty when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> ApplyDiscountPayload:
        return cls(
            subscription=subscription_from_snapshot(data.get("subscription")),
            subscriptions=_subscriptions(data),
            user_errors=user_errors(data),
        )


@strawberry.type(description="The answer of `removeDiscount`.")
class RemoveDiscountPayload:
    subscription: Subscription | None = strawberry.field(
        description="The subscription (for `subscriptionId`); null when `userErrors` is not empty."
    )
    subscriptions: list[Subscription] = strawberry.field(
        description="Every subscription changed; empty when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RemoveDiscountPayload:
        return cls(
            subscription=subscription_from_snapshot(data.get("subscription")),
            subscriptions=_subscriptions(data),
            user_errors=user_errors(data),
        )
