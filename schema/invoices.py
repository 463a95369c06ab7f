"""Invoice: the type as read from the mirror."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from base.ids import to_global_id
from billing.authorization import may_see_customer
from billing.mirror import from_timestamp
from billing.snapshots import load
from models import Invoice as InvoiceModel
from schema.context import Info
from schema.enums import InvoiceStatus, to_enum
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.money import MinorUnits
from schema.nodes import node_of, node_type
from schema.relay import CREATED_AT_DESCRIPTION, CURRENCY_DESCRIPTION, ID_DESCRIPTION, Node

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.payments import Payment
    from schema.subscriptions import Subscription

CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]
PaymentRef = Annotated["Payment", strawberry.lazy("schema.payments")]
SubscriptionRef = Annotated["Subscription", strawberry.lazy("schema.subscriptions")]


@strawberry.type(description="The time span an invoice line bills.")
class InvoiceLinePeriod:
    start: datetime | None = strawberry.field(description="When the span starts.")
    end: datetime | None = strawberry.field(description="When the span ends (equal to `start` for a one-off item).")


@strawberry.type(description="One line item of an invoice, as mirrored from Stripe. Amounts are in minor units.")
class InvoiceLine:
    stripe_id: str | None = strawberry.field(description="The line item's id at Stripe (`il_…`).")
    description: str | None = strawberry.field(description="What the line bills, as shown on the invoice.")
    amount: MinorUnits = strawberry.field(
        description="The line's amount before discounts and taxes; negative for a credit (unused time)."
    )
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    quantity: int | None = strawberry.field(description="Units billed; null when Stripe gives none.")
    proration: bool = strawberry.field(
        description="True when the line prorates a mid-period change of a subscription (a charge or a credit)."
    )
    period: InvoiceLinePeriod = strawberry.field(description="The time span the line bills.")
    price_id: str | None = strawberry.field(
        description="The Stripe price (or, on emulators, plan) id billed; null for an item without a price."
    )

    @classmethod
    def from_stored(cls, line: dict[str, Any]) -> InvoiceLine:
        """The GraphQL object of one stored line (`billing.mirror.invoice_line_fields`)."""
        return cls(
            stripe_id=line.get("stripe_id"),
            description=line.get("description"),
            amount=MinorUnits(int(line.get("amount") or 0)),
            currency=str(line.get("currency") or ""),
            quantity=line.get("quantity"),
            proration=bool(line.get("proration")),
            period=InvoiceLinePeriod(
                start=from_timestamp(line.get("period_start")), end=from_timestamp(line.get("period_end"))
            ),
            price_id=line.get("price_stripe_id"),
        )


@node_type(InvoiceModel)
@strawberry.type(description="A Stripe invoice, as mirrored by the gateway. Amounts are in the currency's minor unit.")
class Invoice(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The invoice's id at Stripe (`in_…`).")
    status: InvoiceStatus = strawberry.field(description="The invoice's status at Stripe.")
    amount_due: MinorUnits = strawberry.field(description="What the customer owes on it.")
    amount_paid: MinorUnits = strawberry.field(description="What has been paid.")
    amount_remaining: MinorUnits = strawberry.field(description="What is left to pay.")
    total: MinorUnits = strawberry.field(description="The invoice total, after discounts and taxes.")
    total_discount_amount: MinorUnits = strawberry.field(
        description="What discounts took off this invoice (the sum of Stripe's `total_discount_amounts`); 0 for none."
    )
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    number: str | None = strawberry.field(description="The invoice number shown to the customer; null for drafts.")
    hosted_invoice_url: str | None = strawberry.field(
        description="Stripe's page where the customer can see and pay it."
    )
    period_start: datetime | None = strawberry.field(description="Start of the period it bills.")
    period_end: datetime | None = strawberry.field(description="End of the period it bills.")
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    attempt_count: int = strawberry.field(
        description="Payment attempts made so far (Stripe's automatic retries and `payInvoice`); 0 before the first."
    )
    next_payment_attempt: datetime | None = strawberry.field(
        description="When Stripe retries the payment automatically (UTC); null when it will not (paid, void, "
        "retries exhausted, or not collected automatically)."
    )
    model: strawberry.Private[InvoiceModel]

    @classmethod
    def from_model(cls, row: InvoiceModel) -> Invoice:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Invoice", row.id),
            stripe_id=row.stripe_id,
            status=to_enum(InvoiceStatus, row.status),
            amount_due=row.amount_due,
            amount_paid=row.amount_paid,
            amount_remaining=row.amount_remaining,
            total=row.total,
            total_discount_amount=row.total_discount_amount,
            currency=row.currency,
            number=row.number,
            hosted_invoice_url=row.hosted_invoice_url,
            period_start=row.period_start,
            period_end=row.period_end,
            created_at=row.stripe_created or row.created_at,
            attempt_count=row.attempt_count,
            next_payment_attempt=row.next_payment_attempt,
            model=row,
        )

    @strawberry.field(
        description=(
            "Its line items, in Stripe's order (the first page Stripe includes in the invoice: up to 10); "
            "null when the gateway has not read them yet (an invoice mirrored before lines were kept)."
        )
    )
    def lines(self) -> list[InvoiceLine] | None:
        stored = self.model.lines
        return None if stored is None else [InvoiceLine.from_stored(line) for line in stored]

    @strawberry.field(description="The billed customer.")
    async def customer(self, info: Info) -> CustomerRef:
        row = await info.context.loaders.customer.load(self.model.customer_id)  # type: ignore[arg-type]
        if row is None:  # the foreign key forbids it; say so rather than answer a wrong null
            raise LookupError(f"invoice {self.model.id} has no customer row")
        return node_of(row)

    @strawberry.field(description="The subscription that billed it; null for a one-off invoice.")
    async def subscription(self, info: Info) -> SubscriptionRef | None:
        loaders = info.context.loaders
        if self.model.subscription_id is not None:
            row = await loaders.subscription.load(self.model.subscription_id)  # type: ignore[arg-type]
        elif self.model.subscription_stripe_id is not None:
            # Not linked yet (the invoice arrived before its subscription): the Stripe id still names it.
            row = await loaders.subscription_by_stripe_id.load(self.model.subscription_stripe_id)
        else:
            return None
        if row is None or not may_see_customer(info.context.principal, row.customer_id):  # type: ignore[arg-type]
            return None
        return node_of(row)

    @strawberry.field(description="The payment (PaymentIntent) that collects it, once there is one.")
    async def payment(self, info: Info) -> PaymentRef | None:
        loaders = info.context.loaders
        if self.model.payment_intent_stripe_id is not None:
            row = await loaders.payment_by_stripe_id.load(self.model.payment_intent_stripe_id)
        else:
            # Current Stripe API versions dropped `invoice.payment_intent`: fall back to the newest
            # payment the mirror linked to this invoice.
            row = await loaders.latest_payment_by_invoice.load(self.model.id)
        if row is None or not may_see_customer(info.context.principal, row.customer_id):  # type: ignore[arg-type]
            return None
        return node_of(row)


def invoice_from_snapshot(data: dict[str, Any] | None) -> Invoice | None:
    """The Invoice of a stored mutation response (null when it held none)."""
    return Invoice.from_model(load(InvoiceModel, data)) if data else None


@strawberry.type(description="The span of time an invoice line bills.")
class InvoicePreviewPeriod:
    start: datetime | None = strawberry.field(description="When it starts.")
    end: datetime | None = strawberry.field(description="When it ends.")


def _line_proration(line: dict[str, Any]) -> bool:
    """Whether Stripe's line is a proration (current API: under `parent`; older ones and emulators: top level)."""
    parent = line.get("parent") or {}
    for details in (parent.get("subscription_item_details"), parent.get("invoice_item_details")):
        if isinstance(details, dict) and details.get("proration") is not None:
            return bool(details["proration"])
    return bool(line.get("proration"))


def _line_price(line: dict[str, Any]) -> str | None:
    price_details = (line.get("pricing") or {}).get("price_details") or {}
    price = price_details.get("price") or line.get("price") or line.get("plan")
    if isinstance(price, dict):
        price = price.get("id")
    return price if isinstance(price, str) else None


@strawberry.type(description="One line of an invoice preview, as Stripe computed it.")
class InvoicePreviewLine:
    description: str | None = strawberry.field(
        description="Stripe's text for it "
        "(`Unused time on 1 \N{MULTIPLICATION SIGN} Basic after 15 May 2026` for a proration)."
    )
    amount: MinorUnits = strawberry.field(description="Its amount; negative for a credit.")
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    quantity: int | None = strawberry.field(description="How many units it bills.")
    proration: bool = strawberry.field(description="True for a proration (a credit or charge for part of a period).")
    price_id: str | None = strawberry.field(description="The Stripe price (or, on emulators, plan) it bills.")
    period: InvoicePreviewPeriod = strawberry.field(description="The span of time it bills.")

    @classmethod
    def from_stripe(cls, line: dict[str, Any]) -> InvoicePreviewLine:
        """The line of Stripe's line item object."""
        period = line.get("period") or {}
        return cls(
            description=line.get("description"),
            amount=MinorUnits(int(line.get("amount") or 0)),
            currency=str(line.get("currency") or ""),
            quantity=line.get("quantity"),
            proration=_line_proration(line),
            price_id=_line_price(line),
            period=InvoicePreviewPeriod(
                start=from_timestamp(period.get("start")), end=from_timestamp(period.get("end"))
            ),
        )


@strawberry.type(description="What a subscription's next invoice will be, computed by Stripe; not stored.")
class InvoicePreview:
    amount_due: MinorUnits = strawberry.field(description="What the customer will owe.")
    subtotal: MinorUnits = strawberry.field(description="The total before discounts and taxes.")
    total: MinorUnits = strawberry.field(description="The total after discounts and taxes.")
    total_discount_amount: MinorUnits = strawberry.field(
        default=MinorUnits(0),
        description="What the subscription's discounts will take off it (Stripe's `total_discount_amounts`).",
    )
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    period_start: datetime | None = strawberry.field(description="Start of the period it will bill.")
    period_end: datetime | None = strawberry.field(description="End of the period it will bill.")
    next_payment_attempt: datetime | None = strawberry.field(description="When Stripe will try to charge it.")
    lines: list[InvoicePreviewLine] = strawberry.field(
        description="Its lines in Stripe's order: prorations, then the recurring charge when there is one."
    )

    @classmethod
    def from_stripe(cls, preview: dict[str, Any]) -> InvoicePreview:
        """The preview of Stripe's invoice object (`invoices.create_preview`)."""
        lines = (preview.get("lines") or {}).get("data") or []
        return cls(
            lines=[InvoicePreviewLine.from_stripe(line) for line in lines if isinstance(line, dict)],
            amount_due=MinorUnits(int(preview.get("amount_due") or 0)),
            subtotal=MinorUnits(int(preview.get("subtotal") or 0)),
            total=MinorUnits(int(preview.get("total") or 0)),
            total_discount_amount=MinorUnits(
                sum(int(entry.get("amount") or 0) for entry in preview.get("total_discount_amounts") or [] if entry)
            ),
            currency=str(preview.get("currency") or ""),
            period_start=from_timestamp(preview.get("period_start")),
            period_end=from_timestamp(preview.get("period_end")),
            next_payment_attempt=from_timestamp(preview.get("next_payment_attempt")),
        )


@strawberry.type(description="The answer of `previewSubscriptionChange`: the invoice the change would produce.")
class SubscriptionChangePreview:
    invoice: InvoicePreview | None = strawberry.field(
        description="The invoice `updateSubscription` with the same input would produce (with `ALWAYS_INVOICE`, "
        "the one made at once; otherwise the next one); null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why there is no preview (the errors `updateSubscription` would answer); empty otherwise."
    )

    @classmethod
    def of(cls, invoice: dict[str, Any] | None, errors: list[dict[str, Any]]) -> SubscriptionChangePreview:
        """The answer of a preview: Stripe's invoice object, or the userErrors in their stored form."""
        return cls(
            invoice=InvoicePreview.from_stripe(invoice) if invoice is not None else None,
            user_errors=user_errors({"userErrors": errors}),
        )


@strawberry.input(description="What `payInvoice` needs.")
class PayInvoiceInput:
    id: strawberry.ID = strawberry.field(description="The invoice to pay (an Invoice id), `DRAFT` or `OPEN`.")
    payment_method_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One of the customer's payment methods; default: the customer's default."
    )


@strawberry.type(description="The answer of `payInvoice`.")
class PayInvoicePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice after the attempt; null when nothing was tried."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> PayInvoicePayload:
        return cls(invoice=invoice_from_snapshot(data.get("invoice")), user_errors=user_errors(data))


@strawberry.input(description="What `finalizeInvoice` needs.")
class FinalizeInvoiceInput:
    id: strawberry.ID = strawberry.field(description="The invoice to finalize (an Invoice id); it must be `DRAFT`.")


@strawberry.type(description="The answer of `finalizeInvoice`.")
class FinalizeInvoicePayload:
    invoice: Invoice | None = strawberry.field(
        description=(
            "The invoice as finalized (`OPEN`, or `PAID` when nothing was due); null when `userErrors` is not empty."
        )
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> FinalizeInvoicePayload:
        return cls(invoice=invoice_from_snapshot(data.get("invoice")), user_errors=user_errors(data))


@strawberry.input(description="What `voidInvoice` needs.")
class VoidInvoiceInput:
    id: strawberry.ID = strawberry.field(description="The invoice to void (an Invoice id); it must be `OPEN`.")


@strawberry.type(description="The answer of `voidInvoice`.")
class VoidInvoicePayload:
    invoice: Invoice | None = strawberry.field(
        description="The invoice as voided (`VOID`); null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> VoidInvoicePayload:
        return cls(invoice=invoice_from_snapshot(data.get("invoice")), user_errors=user_errors(data))
