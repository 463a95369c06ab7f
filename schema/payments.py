"""Payment (a Stripe PaymentIntent) and Refund: the types as read from the mirror."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from base.ids import to_global_id
from billing.authorization import may_see_customer
from billing.loaders import load_page
from billing.snapshots import load
from models import Payment as PaymentModel
from models import Refund as RefundModel
from schema.arguments import After, First
from schema.context import Info
from schema.enums import PaymentStatus, RefundStatus, to_enum
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.money import MinorUnits
from schema.nodes import node_of, node_type
from schema.relay import CREATED_AT_DESCRIPTION, CURRENCY_DESCRIPTION, ID_DESCRIPTION, Connection, Node

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.disputes import Dispute
    from schema.invoices import Invoice

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]
DisputeRef = Annotated["Dispute", strawberry.lazy("schema.disputes")]
InvoiceRef = Annotated["Invoice", strawberry.lazy("schema.invoices")]


@node_type(PaymentModel)
@strawberry.type(description="A Stripe PaymentIntent, as mirrored by the gateway. Amounts are in minor units.")
class Payment(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The PaymentIntent's id at Stripe (`pi_…`).")
    status: PaymentStatus = strawberry.field(description="The PaymentIntent's status at Stripe.")
    amount: MinorUnits = strawberry.field(description="The amount to collect.")
    amount_received: MinorUnits = strawberry.field(description="The amount collected.")
    amount_refunded: MinorUnits = strawberry.field(description="The amount refunded so far.")
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    description: str | None = strawberry.field(description="The description given when it was made.")
    client_secret: str | None = strawberry.field(description="For Stripe.js to confirm the payment in a browser.")
    failure_code: str | None = strawberry.field(description="Stripe's error code of the last failed attempt.")
    decline_code: str | None = strawberry.field(description="Stripe's decline code when a card was declined.")
    failure_message: str | None = strawberry.field(
        description="Stripe's message for the last failed attempt, fit to show the customer."
    )
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    model: strawberry.Private[PaymentModel]

    @classmethod
    def from_model(cls, row: PaymentModel) -> Payment:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Payment", row.id),
            stripe_id=row.stripe_id,
            status=to_enum(PaymentStatus, row.status),
            amount=row.amount,
            amount_received=row.amount_received,
            amount_refunded=row.amount_refunded,
            currency=row.currency,
            description=row.description,
            client_secret=row.client_secret,
            failure_code=row.failure_code,
            decline_code=row.decline_code,
            failure_message=row.failure_message,
            created_at=row.stripe_created or row.created_at,
            model=row,
        )

    @strawberry.field(description="The paying customer; null for a payment made without one.")
    async def customer(self, info: Info) -> CustomerRef | None:
        if self.model.customer_id is None:
            return None
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        return node_of(row) if row is not None else None

    @strawberry.field(description="The invoice this payment collects; null for a one-off payment.")
    async def invoice(self, info: Info) -> InvoiceRef | None:
        loaders = info.context.loaders
        if self.model.invoice_id is not None:
            row = await loaders.invoice.load(self.model.invoice_id)  # type: ignore[arg-type]
        elif self.model.invoice_stripe_id is not None:
            # Not linked yet (the payment arrived before its invoice): the Stripe id still names it.
            row = await loaders.invoice_by_stripe_id.load(self.model.invoice_stripe_id)
        else:
            return None
        if row is None or not may_see_customer(info.context.principal, row.customer_id):  # type: ignore[arg-type]
            return None
        return node_of(row)

    @strawberry.field(description="Refunds of this payment, newest first.")
    async def refunds(self, info: Info, first: First = None, after: After = None) -> Connection[Refund]:
        page = await load_page(info.context.loaders.payment_refunds, self.model.id, first, after)
        return Connection.from_page(page, Refund.from_model)

    @strawberry.field(description="Disputes (chargebacks) of this payment, newest first.")
    async def disputes(self, info: Info, first: First = None, after: After = None) -> Connection[DisputeRef]:
        page = await load_page(info.context.loaders.payment_disputes, self.model.id, first, after)
        return Connection.from_page(page, node_of)


@node_type(RefundModel)
@strawberry.type(description="A refund of (part of) a payment, as mirrored by the gateway.")
class Refund(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The refund's id at Stripe (`re_…`).")
    amount: MinorUnits = strawberry.field(description="The amount refunded.")
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    status: RefundStatus = strawberry.field(description="The refund's status at Stripe.")
    reason: str | None = strawberry.field(
        description=(
            "Stripe's reason, in Stripe's spelling: `duplicate`, `fraudulent`, `requested_by_customer` (as given "
            "to `refundPayment`), or one Stripe sets itself (`expired_uncaptured_charge`); null when none was given."
        )
    )
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    model: strawberry.Private[RefundModel]

    @classmethod
    def from_model(cls, row: RefundModel) -> Refund:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Refund", row.id),
            stripe_id=row.stripe_id,
            amount=row.amount,
            currency=row.currency,
            status=to_enum(RefundStatus, row.status),
            reason=row.reason,
            created_at=row.stripe_created or row.created_at,
            model=row,
        )

    @strawberry.field(description="The refunded payment.")
    async def payment(self, info: Info) -> Payment:
        row = await info.context.loaders.payment.load(self.model.payment_id)  # type: ignore[arg-type]
        if row is None:  # the foreign key forbids it; say so rather than answer a wrong null
            raise LookupError(f"refund {self.model.id} has no payment row")
        return Payment.from_model(row)


def payment_from_snapshot(data: dict[str, Any] | None) -> Payment | None:
    """The Payment of a stored mutation response (null when it held none)."""
    return Payment.from_model(load(PaymentModel, data)) if data else None


def refund_from_snapshot(data: dict[str, Any] | None) -> Refund | None:
    """The Refund of a stored mutation response (null when it held none)."""
    return Refund.from_model(load(RefundModel, data)) if data else None


@strawberry.input(description="What `createPayment` makes: a card PaymentIntent, confirmed at once.")
class CreatePaymentInput:
    customer_id: strawberry.ID = strawberry.field(description="The paying customer (a Customer id).")
    amount: MinorUnits = strawberry.field(
        description="In the currency's minor unit (cents): 1 to 999,999,999,999 (Stripe's 12 digits)."
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `usd`.")
    payment_method_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One of the customer's payment methods; default: the customer's default."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="Shown in Stripe's dashboard (not sent to emulators)."
    )


@strawberry.enum(description="Why a payment is refunded, as Stripe records it on the refund (`Refund.reason`).")
class RefundReason(Enum):
    DUPLICATE = strawberry.enum_value("duplicate", description="The payment was a duplicate of another one.")
    FRAUDULENT = strawberry.enum_value(
        "fraudulent", description="The payment was fraudulent (Stripe uses it to improve fraud detection)."
    )
    REQUESTED_BY_CUSTOMER = strawberry.enum_value(
        "requested_by_customer", description="The customer asked for the refund."
    )


@strawberry.input(description="What `refundPayment` needs.")
class RefundPaymentInput:
    payment_id: strawberry.ID = strawberry.field(
        description="The payment to refund (a Payment id); it must have `SUCCEEDED`."
    )
    amount: MinorUnits | None = strawberry.field(
        default=strawberry.UNSET, description="In minor units, at most what is left; default: all that is left."
    )
    reason: RefundReason | None = strawberry.field(
        default=strawberry.UNSET, description="Why, sent to Stripe and kept on the refund; default: none given."
    )


@strawberry.type(
    description="The answer of `createPayment`; a decline answers the payment and a `CARD_DECLINED` error."
)
class CreatePaymentPayload:
    payment: Payment | None = strawberry.field(description="The payment made; null when nothing was made.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CreatePaymentPayload:
        return cls(payment=payment_from_snapshot(data.get("payment")), user_errors=user_errors(data))


@strawberry.type(description="The answer of `refundPayment`.")
class RefundPaymentPayload:
    refund: Refund | None = strawberry.field(description="The refund made; null when `userErrors` is not empty.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> RefundPaymentPayload:
        return cls(refund=refund_from_snapshot(data.get("refund")), user_errors=user_errors(data))
