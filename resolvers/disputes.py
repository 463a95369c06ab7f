"""Queries and mutations on disputes (chargebacks of a payment's charge)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

import strawberry

from base.error_codes import ErrorCode
from billing.authorization import StatusFilter, visible_disputes, with_status
from billing.mirror import upsert_dispute
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from billing.validation import clean_text, fetch
from models import Dispute as DisputeModel
from models import Payment as PaymentModel


async def disputes(
    context: Context, first: int | None = None, after: str | None = None, status: StatusFilter | None = None
) -> Page[DisputeModel]:
    """Disputes, newest first; optionally in one status. A customer session sees its own customer's only."""
    qs = visible_disputes(context.principal)
    if status is not None:
        qs = with_status(qs, status)
    return await paginate(qs, first, after)


EVIDENCE_FIELDS: Final = (
    "product_description",
    "customer_communication",
    "uncategorized_text",
    "customer_name",
    "customer_email_address",
    "refund_refusal_explanation",
    "service_date",
    "shipping_tracking_number",
)
"""The evidence fields `submitDisputeEvidence` takes, by Stripe's names (`evidence[<name>]`)."""

EVIDENCE_MAX_CHARACTERS: Final = 20_000
"""Stripe's limit on the text of all evidence fields together."""

OPEN_FOR_EVIDENCE: Final = frozenset({"needs_response", "warning_needs_response"})
"""Statuses in which Stripe accepts evidence."""


class DisputeEvidenceFields(Protocol):
    """What `submit_dispute_evidence` reads of the evidence (`schema.disputes.DisputeEvidenceInput`)."""

    @property
    def product_description(self) -> str | None: ...
    @property
    def customer_communication(self) -> str | None: ...
    @property
    def uncategorized_text(self) -> str | None: ...
    @property
    def customer_name(self) -> str | None: ...
    @property
    def customer_email_address(self) -> str | None: ...
    @property
    def refund_refusal_explanation(self) -> str | None: ...
    @property
    def service_date(self) -> str | None: ...
    @property
    def shipping_tracking_number(self) -> str | None: ...


class SubmitDisputeEvidenceFields(Protocol):
    """What `submit_dispute_evidence` reads of its input (`schema.disputes.SubmitDisputeEvidenceInput`)."""

    @property
    def dispute_id(self) -> str: ...
    @property
    def evidence(self) -> DisputeEvidenceFields: ...
    @property
    def submit(self) -> bool | None: ...


@dataclass(frozen=True)
class _Evidence:
    """A validated `submitDisputeEvidence`."""

    dispute: DisputeModel
    evidence: dict[str, str]
    submit: bool


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def clean_evidence(evidence: DisputeEvidenceFields) -> dict[str, str]:
    """The evidence fields given, by Stripe's names; VALIDATION_FAILED on NUL or more text than Stripe takes."""
    cleaned: dict[str, str] = {}
    for name in EVIDENCE_FIELDS:
        value = getattr(evidence, name, None)
        if value in (None, strawberry.UNSET):
            continue
        field = ["input", "evidence", _camel(name)]
        cleaned[name] = clean_text(str(value), _camel(name), field)
    if sum(len(value) for value in cleaned.values()) > EVIDENCE_MAX_CHARACTERS:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            f"the evidence is at most {EVIDENCE_MAX_CHARACTERS:,} characters in all",
            ["input", "evidence"],
        )
    return cleaned


async def submit_dispute_evidence(ctx: Context, call: MutationCall, input: SubmitDisputeEvidenceFields) -> Snapshot:
    """Give Stripe evidence for a dispute, and submit it to the bank when `submit` (then it is `under_review`).

    The mirror's status follows Stripe's events (`charge.dispute.updated`), so that the change is
    published live like any other; the answer shows the dispute as Stripe answered it.
    """

    async def validate() -> _Evidence:
        row = await fetch(visible_disputes(ctx.principal), input.dispute_id, "Dispute", ["input", "disputeId"])
        if row.status not in OPEN_FOR_EVIDENCE:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                f"the dispute is {row.status}; evidence is taken only while it needs a response",
                ["input", "disputeId"],
            )
        evidence = clean_evidence(input.evidence)
        submit = bool(input.submit) if input.submit not in (None, strawberry.UNSET) else False
        if not evidence and not submit:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "give some evidence, or submit what was given", ["input", "evidence"]
            )
        return _Evidence(row, evidence, submit)

    async def call_stripe(checked: _Evidence, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.update_dispute(
            checked.dispute.stripe_id,
            evidence=checked.evidence,
            submit=checked.submit,
            idempotency_key=keys.stripe_key("evidence"),
        )

    async def write(checked: _Evidence, obj: dict[str, Any]) -> Outcome:
        # The status the mirror holds now (an event may have moved it since `validate`): Stripe's events move it.
        current = await DisputeModel.select_for_update().get(id=checked.dispute.id)
        payment = await PaymentModel.get(id=current.payment_id)
        row = await upsert_dispute({**obj, "status": current.status}, payment)
        row.status = str(obj.get("status") or current.status)  # the answer: Stripe's status (not saved here)
        return Outcome(rows={"dispute": row})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)
