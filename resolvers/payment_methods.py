"""Queries and mutations on payment methods: set-up, attach, detach, default."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from billing import snapshots
from billing.authorization import visible_customers, visible_payment_methods
from billing.ledger import Attempt
from billing.mirror import upsert_customer, upsert_payment_method
from billing.mutation_errors import MutationError
from billing.mutations import run_mutation
from billing.request_context import Context
from billing.validation import fetch
from models import Customer
from models import PaymentMethod as PaymentMethodModel
from resolvers.node import find_typed
from schema.arguments import IdempotencyKey, MutationInput
from schema.context import Info
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


async def payment_method(context: Context, id: str) -> PaymentMethodModel | None:
    """One payment method by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, PaymentMethodModel)


async def create_setup_intent(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[CreateSetupIntentInput]
) -> CreateSetupIntentPayload:
    """A Stripe SetupIntent whose client secret lets Stripe.js collect a card for later use."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        customer = await fetch(
            visible_customers(info.context.principal), input.customer_id, "Customer", ["input", "customerId"]
        )
        intent = await info.context.stripe.create_setup_intent(
            customer=customer.stripe_id, idempotency_key=attempt.stripe_key("setup_intent"), resumed=attempt.resumed
        )
        response = {"clientSecret": intent.get("client_secret"), "setupIntentId": intent["id"], "userErrors": []}
        async with in_transaction():
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="createSetupIntent", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return CreateSetupIntentPayload.from_snapshot(data)


async def attach_payment_method(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[AttachPaymentMethodInput]
) -> AttachPaymentMethodPayload:
    """Attach a Stripe payment method (made client-side) to a customer, optionally as default."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        customer = await fetch(
            visible_customers(info.context.principal), input.customer_id, "Customer", ["input", "customerId"]
        )
        pm_id = input.stripe_payment_method_id.strip()
        if not pm_id.startswith("pm_") or len(pm_id) > 255:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                "stripePaymentMethodId must be a Stripe payment method id (pm_…)",
                ["input", "stripePaymentMethodId"],
            )
        stripe = info.context.stripe
        obj = await stripe.attach_payment_method(
            pm_id, customer=customer.stripe_id, idempotency_key=attempt.stripe_key("attach")
        )
        customer_obj = None
        if input.set_as_default:
            customer_obj = await stripe.set_default_payment_method(
                customer.stripe_id, pm_id, idempotency_key=attempt.stripe_key("set_default")
            )
        async with in_transaction():
            if customer_obj is not None:
                customer = await upsert_customer(customer_obj)
            row = await upsert_payment_method(obj, customer)
            response = {"paymentMethod": snapshots.dump(row), "userErrors": []}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="attachPaymentMethod", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return AttachPaymentMethodPayload.from_snapshot(data)


async def detach_payment_method(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[DetachPaymentMethodInput]
) -> DetachPaymentMethodPayload:
    """Detach a payment method from its customer; it can no longer be charged."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        row = await fetch(visible_payment_methods(info.context.principal), input.id, "PaymentMethod", ["input", "id"])
        if row.customer_id is None:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "this payment method is already detached", ["input", "id"])
        customer = await Customer.get_or_none(id=row.customer_id)
        stripe = info.context.stripe
        obj = await stripe.detach_payment_method(row.stripe_id, idempotency_key=attempt.stripe_key("detach"))
        # Stripe may clear the customer's default when it was this method: read it back.
        customer_obj = await stripe.call("customers", "retrieve", customer.stripe_id) if customer else None
        async with in_transaction():
            if customer_obj is not None:
                await upsert_customer(customer_obj)
            row = await upsert_payment_method(obj)
            response = {"paymentMethod": snapshots.dump(row), "userErrors": []}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="detachPaymentMethod", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return DetachPaymentMethodPayload.from_snapshot(data)


async def set_default_payment_method(
    info: Info, idempotency_key: IdempotencyKey, input: MutationInput[SetDefaultPaymentMethodInput]
) -> SetDefaultPaymentMethodPayload:
    """Make one of a customer's payment methods the one Stripe charges by default."""

    async def execute(attempt: Attempt) -> dict[str, Any]:
        principal = info.context.principal
        customer = await fetch(visible_customers(principal), input.customer_id, "Customer", ["input", "customerId"])
        pm = await fetch(
            visible_payment_methods(principal), input.payment_method_id, "PaymentMethod", ["input", "paymentMethodId"]
        )
        if pm.customer_id != customer.id:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                "this payment method is not attached to this customer",
                ["input", "paymentMethodId"],
            )
        obj = await info.context.stripe.set_default_payment_method(
            customer.stripe_id, pm.stripe_id, idempotency_key=attempt.stripe_key("set_default")
        )
        async with in_transaction():
            row = await upsert_customer(obj)
            response = {"customer": snapshots.dump(row), "userErrors": []}
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="setDefaultPaymentMethod", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return SetDefaultPaymentMethodPayload.from_snapshot(data)
