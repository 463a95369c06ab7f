"""Disputes (chargebacks) of a payment's charge.

A dispute names its charge and, in current API versions, its PaymentIntent (`payment_intent`);
the mirror row hangs off the payment (found by the intent, else by its latest charge) and
carries the payment's customer, so that customer sessions see and watch their own disputes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from billing.mirror.common import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    amount_of,
    currency_of,
    dig,
    from_timestamp,
    mirror_fields,
    object_id,
    required_str,
    stripe_id_of,
    synced_now,
)
from models import Dispute, Payment


def dispute_fields(obj: StripeObject) -> dict[str, Any]:
    """The `Dispute` columns of a Stripe dispute (without the payment and customer rows)."""
    due_by = dig(obj, "evidence_details", "due_by")
    return {
        **mirror_fields(obj),
        "status": required_str(obj, "status"),
        "amount": amount_of(obj.get("amount")),
        "currency": currency_of(obj.get("currency")),
        "reason": obj.get("reason"),
        # Stripe sends 0 (or null) when no evidence can be submitted any more.
        "evidence_due_by": from_timestamp(due_by) if due_by else None,
        "charge_stripe_id": stripe_id_of(obj.get("charge")),
    }


def dispute_parent_ids(obj: StripeObject) -> tuple[str | None, str | None]:
    """The (payment_intent id, charge id) a dispute names; either may be missing."""
    return stripe_id_of(obj.get("payment_intent")), stripe_id_of(obj.get("charge"))


async def _payment_of(obj: StripeObject, payment: Payment | None) -> Payment:
    intent_id, charge_id = dispute_parent_ids(obj)
    if payment is not None:
        if intent_id is not None and intent_id != payment.stripe_id:
            raise InvalidStripeObjectError(f"dispute {obj.get('id')} is of {intent_id}, not {payment.stripe_id}")
        return payment
    if intent_id is not None:
        found = await Payment.get_or_none(stripe_id=intent_id)
        if found is None:
            raise MissingParentError("payment_intent", intent_id)
        return found
    if charge_id is not None:
        found = await Payment.filter(latest_charge_stripe_id=charge_id).first()
        if found is None:
            raise MissingParentError("charge", charge_id)
        return found
    raise InvalidStripeObjectError(f"dispute {obj.get('id')} names neither a payment_intent nor a charge")


async def upsert_dispute(
    obj: StripeObject, payment: Payment | None = None, *, stripe_event_at: datetime | None = None
) -> Dispute:
    """Create or update the mirror row of a Stripe dispute.

    The payment is `payment`, else the one named by `payment_intent`, else the one whose
    latest charge is the dispute's `charge`; when it is not mirrored yet this raises
    `MissingParentError` (`payment_intent` or `charge`, with the id). The row's customer is
    the payment's. `stripe_event_at` (the applied event's `created`) is written when given.
    """
    stripe_id = object_id(obj)
    fields = {**dispute_fields(obj), **synced_now()}
    if stripe_event_at is not None:
        fields["stripe_event_at"] = stripe_event_at
    async with in_transaction():
        parent = await _payment_of(obj, payment)
        dispute, _ = await Dispute.update_or_create(
            defaults={**fields, "payment_id": parent.id, "customer_id": parent.customer_id}, stripe_id=stripe_id
        )
    return dispute
