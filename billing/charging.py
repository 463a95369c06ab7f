"""What the money-moving mutations share: choosing the card, reading back a charge's outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry

from base.error_codes import ErrorCode
from base.principals import Principal
from billing.authorization import visible_payment_methods
from billing.mirror import invoice_payment_intent_id
from billing.money_locks import ObjectBusyError, money_lock
from billing.mutation_errors import MutationError, user_error
from billing.request_context import Context
from billing.validation import fetch
from models import Customer
from stripe_provider.adapter import StripeAdapter

# Stripe error codes of a last_payment_error that mean the card itself said no.
DECLINE_CODES = frozenset({"card_declined", "expired_card", "incorrect_cvc", "incorrect_number", "insufficient_funds"})


async def payment_method_to_charge(
    principal: Principal, customer: Customer, payment_method_id: str | None, field: list[str]
) -> str:
    """The Stripe id of the card to charge: the one named, or the customer's default."""
    if payment_method_id is not None and payment_method_id is not strawberry.UNSET:
        pm = await fetch(visible_payment_methods(principal), payment_method_id, "PaymentMethod", field)
        if pm.customer_id != customer.id:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, "this payment method is not attached to this customer", field
            )
        return pm.stripe_id
    if customer.default_payment_method_stripe_id is None:
        raise MutationError(
            ErrorCode.VALIDATION_FAILED,
            "the customer has no default payment method: attach one with setAsDefault, or pass paymentMethodId",
            field,
        )
    return customer.default_payment_method_stripe_id


def payment_failure(payment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The userErrors a PaymentIntent's last failed attempt calls for (none when it did not fail)."""
    if not payment or payment.get("status") != "requires_payment_method":
        return []
    error = payment.get("last_payment_error") or {}
    if not error:
        return []
    code = error.get("code")
    decline_code = error.get("decline_code") or code
    message = error.get("message") or "The payment failed."
    if error.get("type") == "card_error" or code in DECLINE_CODES:
        return [user_error(ErrorCode.CARD_DECLINED, message, None, decline_code)]
    return [user_error(ErrorCode.PAYMENT_FAILED, message, None, decline_code)]


async def invoice_with_payment(
    stripe: StripeAdapter, invoice_id: str | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """An invoice and the PaymentIntent that pays it, read back from Stripe."""
    if invoice_id is None:
        return None, None
    invoice = await stripe.retrieve_invoice(invoice_id)
    payment_intent_id = invoice_payment_intent_id(invoice)
    payment = await stripe.retrieve_payment_intent(payment_intent_id) if payment_intent_id else None
    return invoice, payment


@asynccontextmanager
async def locked_money(ctx: Context, kind: str, object_id: str) -> AsyncIterator[None]:
    """The money lock of one payment or invoice (`billing.money_locks`); too long a wait is OBJECT_BUSY."""
    try:
        async with money_lock(ctx.settings, kind, object_id):
            yield
    except ObjectBusyError as busy:
        raise MutationError(ErrorCode.OBJECT_BUSY, str(busy), ["input"]) from None
