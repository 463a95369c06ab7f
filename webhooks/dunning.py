"""Dunning visibility: a failed payment attempt of an invoice, pushed live once (`paymentFailed`).

Stripe tells of a failed attempt twice or more: `payment_intent.payment_failed` (the PaymentIntent,
with `last_payment_error.decline_code`), `invoice.payment_failed` (the invoice, with `attempt_count`
and `next_payment_attempt`), and `invoice.payment_action_required` when the card needs its holder
to authenticate (3-D Secure). The frame is pushed from the invoice's events only, since they name
the attempt (`attempt_count`); the PaymentIntent's event updates the payment's mirror row as
before and pushes no `paymentFailed` (a payment outside an invoice reports its failure in the answer
of `createPayment`).

When an invoice failure event applies, the invoice's PaymentIntent is read from Stripe first
(`failed_intent`: the event's invoice does not carry the decline), and mirrored in the event's
transaction (`record_failure`), so the frame's decline code is in the mirror when subscribers read it.
One frame per failed attempt: `Invoice.failure_notified_attempt` is moved to the attempt with a
conditional UPDATE in that transaction, so a second event of the same attempt (or a redelivery, or a
second worker) pushes nothing. Docs: docs/decisions/0048-dunning-visibility.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from tortoise.expressions import Q

from billing.mirror import StripeObject, invoice_payment_intent_id, upsert_payment
from live.bus import StatusMessage
from models import Invoice, WebhookEvent
from stripe_provider.adapter import StripeAdapter

__all__ = ["FAILURE_EVENTS", "failed_intent", "record_failure"]

FAILURE_EVENTS: Final = frozenset({"invoice.payment_failed", "invoice.payment_action_required"})
"""The invoice events that report a failed payment attempt."""

ACTION_REQUIRED_STATUSES: Final = frozenset({"requires_action", "requires_confirmation"})
"""PaymentIntent statuses in which the customer has to act (authenticate) for the payment to go on."""


async def failed_intent(event: WebhookEvent, obj: Mapping[str, Any], stripe: StripeAdapter) -> StripeObject | None:
    """The PaymentIntent whose attempt failed, read from Stripe; None for any other event, or an invoice without one."""
    if event.type not in FAILURE_EVENTS:
        return None
    intent_id = invoice_payment_intent_id(obj)
    if intent_id is None:
        # Current API versions list the invoice's payments only when asked to.
        intent_id = invoice_payment_intent_id(await stripe.retrieve_invoice(str(obj.get("id"))))
    if intent_id is None:
        return None
    return await stripe.retrieve_payment_intent(intent_id)


async def record_failure(event: WebhookEvent, invoice: Invoice, intent: StripeObject | None) -> StatusMessage | None:
    """Mirror the failed PaymentIntent and claim the attempt's frame: the message to publish, None if pushed already.

    Runs in the event's transaction, after the invoice's row was written from the event.
    """
    if event.type not in FAILURE_EVENTS:
        return None
    if intent is not None:
        intent_id = str(intent.get("id"))
        if invoice.payment_intent_stripe_id != intent_id:
            # Current API versions' invoice events do not name the payment: link the one that failed,
            # before the payment's upsert looks for the invoice naming it.
            await Invoice.filter(id=invoice.id).update(payment_intent_stripe_id=intent_id)
        await upsert_payment(intent)
    attempt = invoice.attempt_count
    claimed = await (
        Invoice.filter(id=invoice.id)
        .filter(Q(failure_notified_attempt__isnull=True) | Q(failure_notified_attempt__lt=attempt))
        .update(failure_notified_attempt=attempt)
    )
    if not claimed:
        return None
    action_required = event.type == "invoice.payment_action_required" or (
        intent is not None and intent.get("status") in ACTION_REQUIRED_STATUSES
    )
    return StatusMessage(
        kind="payment_failure",
        object_id=str(invoice.id),
        stripe_id=invoice.stripe_id,
        customer_id=str(invoice.customer_id),
        status="action_required" if action_required else "failed",
        previous_status=None,
        event_id=event.stripe_event_id,
        occurred_at=event.stripe_created,
    )
