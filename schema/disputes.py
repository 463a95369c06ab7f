"""Dispute (a chargeback of a payment's charge): the type as read from the mirror, and `submitDisputeEvidence`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from base.ids import to_global_id
from billing.snapshots import load
from models import Dispute as DisputeModel
from schema.context import Info
from schema.enums import DisputeStatus, to_enum
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from schema.money import MinorUnits
from schema.nodes import node_type
from schema.payments import Payment
from schema.relay import CREATED_AT_DESCRIPTION, CURRENCY_DESCRIPTION, ID_DESCRIPTION, Node


@node_type(DisputeModel)
@strawberry.type(
    description="A dispute (chargeback or inquiry) of a payment's charge, as mirrored by the gateway. "
    "Amounts are in minor units."
)
class Dispute(Node):
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)
    stripe_id: str = strawberry.field(description="The dispute's id at Stripe (`dp_…`).")
    status: DisputeStatus = strawberry.field(description="The dispute's status at Stripe.")
    amount: MinorUnits = strawberry.field(description="The amount disputed (held back from the merchant).")
    currency: str = strawberry.field(description=CURRENCY_DESCRIPTION)
    reason: str | None = strawberry.field(
        description="The card holder's reason as Stripe names it, e.g. `fraudulent`, `product_not_received`."
    )
    evidence_due_by: datetime | None = strawberry.field(
        description="The deadline for evidence; null when none can be submitted any more."
    )
    created_at: datetime = strawberry.field(description=CREATED_AT_DESCRIPTION)
    model: strawberry.Private[DisputeModel]

    @classmethod
    def from_model(cls, row: DisputeModel) -> Dispute:
        """The GraphQL object of one mirror row."""
        return cls(
            id=to_global_id("Dispute", row.id),
            stripe_id=row.stripe_id,
            status=to_enum(DisputeStatus, row.status),
            amount=row.amount,
            currency=row.currency,
            reason=row.reason,
            evidence_due_by=row.evidence_due_by,
            created_at=row.stripe_created or row.created_at,
            model=row,
        )

    @strawberry.field(description="The disputed payment.")
    async def payment(self, info: Info) -> Payment:
        row = await info.context.loaders.payment.load(self.model.payment_id)  # type: ignore[arg-type]
        if row is None:  # the foreign key forbids it; say so rather than answer a wrong null
            raise LookupError(f"dispute {self.model.id} has no payment row")
        return Payment.from_model(row)


def dispute_from_snapshot(data: dict[str, Any] | None) -> Dispute | None:
    """The Dispute of a stored mutation response (null when it held none)."""
    return Dispute.from_model(load(DisputeModel, data)) if data else None


@strawberry.input(description="Evidence for a dispute: text fields of Stripe's evidence object (all optional).")
class DisputeEvidenceInput:
    product_description: str | None = strawberry.field(
        default=strawberry.UNSET, description="What was sold: the product or service, as the customer saw it."
    )
    customer_communication: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A Stripe File id (`file_…`) of the communication with the customer relevant to the case.",
    )
    uncategorized_text: str | None = strawberry.field(
        default=strawberry.UNSET, description="Any other evidence or statement."
    )
    customer_name: str | None = strawberry.field(default=strawberry.UNSET, description="The customer's name.")
    customer_email_address: str | None = strawberry.field(
        default=strawberry.UNSET, description="The customer's email address."
    )
    refund_refusal_explanation: str | None = strawberry.field(
        default=strawberry.UNSET, description="Why the customer was not entitled to a refund."
    )
    service_date: str | None = strawberry.field(
        default=strawberry.UNSET, description="When the service was provided (free text, as Stripe takes it)."
    )
    shipping_tracking_number: str | None = strawberry.field(
        default=strawberry.UNSET, description="The shipment's tracking number(s)."
    )


@strawberry.input(description="What `submitDisputeEvidence` needs.")
class SubmitDisputeEvidenceInput:
    dispute_id: strawberry.ID = strawberry.field(
        description="The dispute (a Dispute id); it must be `NEEDS_RESPONSE` or `WARNING_NEEDS_RESPONSE`."
    )
    evidence: DisputeEvidenceInput = strawberry.field(
        description="The evidence to add; fields left out keep what was given before. At most 20,000 characters in all."
    )
    submit: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Submit the evidence to the bank now (the dispute then goes under review); default false: "
        "only stage it.",
    )


@strawberry.type(description="The answer of `submitDisputeEvidence`.")
class SubmitDisputeEvidencePayload:
    dispute: Dispute | None = strawberry.field(
        description="The dispute as Stripe answered it; null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> SubmitDisputeEvidencePayload:
        return cls(dispute=dispute_from_snapshot(data.get("dispute")), user_errors=user_errors(data))
