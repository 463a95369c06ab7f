"""Queries and mutations on payment methods: set-up, attach, detach, default."""

from __future__ import annotations

from typing import Any, Protocol

from base.error_codes import ErrorCode
from billing.authorization import visible_customers, visible_payment_methods
from billing.mirror import upsert_customer, upsert_payment_method
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, StripeKeys, run_mutation
from billing.request_context import Context
from billing.validation import fetch
from models import Customer
from models import PaymentMethod as PaymentMethodModel
from resolvers.node import find_typed


async def payment_method(context: Context, id: str) -> PaymentMethodModel | None:
    """One payment method by id; None when unknown or not visible to the caller."""
    return await find_typed(context, id, PaymentMethodModel)


class CreateSetupIntentFields(Protocol):
    """What `create_setup_intent` reads of its input (`schema.payment_methods.CreateSetupIntentInput`)."""

    @property
    def customer_id(self) -> str: ...


async def create_setup_intent(ctx: Context, call: MutationCall, input: CreateSetupIntentFields) -> Snapshot:
    """A Stripe SetupIntent whose client secret lets Stripe.js collect a card for later use."""

    async def validate() -> Customer:
        return await fetch(visible_customers(ctx.principal), input.customer_id, "Customer", ["input", "customerId"])

    async def call_stripe(customer: Customer, keys: StripeKeys) -> dict[str, Any]:
        return await ctx.stripe.create_setup_intent(
            customer=customer.stripe_id, idempotency_key=keys.stripe_key("setup_intent"), resumed=keys.resumed
        )

    async def write(customer: Customer, intent: dict[str, Any]) -> Outcome:
        # Nothing to mirror: the card arrives with `attachPaymentMethod` (or its webhook).
        return Outcome(fields={"clientSecret": intent.get("client_secret"), "setupIntentId": intent["id"]})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class AttachPaymentMethodFields(Protocol):
    """What `attach_payment_method` reads of its input (`schema.payment_methods.AttachPaymentMethodInput`)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def stripe_payment_method_id(self) -> str: ...
    @property
    def set_as_default(self) -> bool | None: ...


async def attach_payment_method(ctx: Context, call: MutationCall, input: AttachPaymentMethodFields) -> Snapshot:
    """Attach a Stripe payment method (made client-side) to a customer, optionally as default."""

    async def validate() -> tuple[Customer, str]:
        customer = await fetch(visible_customers(ctx.principal), input.customer_id, "Customer", ["input", "customerId"])
        pm_id = input.stripe_payment_method_id.strip()
        if not pm_id.startswith("pm_") or len(pm_id) > 255:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                "stripePaymentMethodId must be a Stripe payment method id (pm_…)",
                ["input", "stripePaymentMethodId"],
            )
        return customer, pm_id

    async def call_stripe(
        checked: tuple[Customer, str], keys: StripeKeys
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        customer, pm_id = checked
        stripe = ctx.stripe
        obj = await stripe.attach_payment_method(
            pm_id, customer=customer.stripe_id, idempotency_key=keys.stripe_key("attach")
        )
        customer_obj = None
        if input.set_as_default:
            customer_obj = await stripe.set_default_payment_method(
                customer.stripe_id, pm_id, idempotency_key=keys.stripe_key("set_default")
            )
        return obj, customer_obj

    async def write(checked: tuple[Customer, str], answered: tuple[dict[str, Any], dict[str, Any] | None]) -> Outcome:
        customer = checked[0]
        obj, customer_obj = answered
        if customer_obj is not None:
            customer = await upsert_customer(customer_obj)
        return Outcome(rows={"paymentMethod": await upsert_payment_method(obj, customer)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class DetachPaymentMethodFields(Protocol):
    """What `detach_payment_method` reads of its input (`schema.payment_methods.DetachPaymentMethodInput`)."""

    @property
    def id(self) -> str: ...


async def detach_payment_method(ctx: Context, call: MutationCall, input: DetachPaymentMethodFields) -> Snapshot:
    """Detach a payment method from its customer; it can no longer be charged."""

    async def validate() -> tuple[PaymentMethodModel, Customer | None]:
        row = await fetch(visible_payment_methods(ctx.principal), input.id, "PaymentMethod", ["input", "id"])
        if row.customer_id is None:
            raise MutationError(ErrorCode.VALIDATION_FAILED, "this payment method is already detached", ["input", "id"])
        return row, await Customer.get_or_none(id=row.customer_id)

    async def call_stripe(
        checked: tuple[PaymentMethodModel, Customer | None], keys: StripeKeys
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        row, customer = checked
        stripe = ctx.stripe
        obj = await stripe.detach_payment_method(row.stripe_id, idempotency_key=keys.stripe_key("detach"))
        # Stripe may clear the customer's default when it was this method: read it back.
        customer_obj = await stripe.call("customers", "retrieve", customer.stripe_id) if customer else None
        return obj, customer_obj

    async def write(
        checked: tuple[PaymentMethodModel, Customer | None], answered: tuple[dict[str, Any], dict[str, Any] | None]
    ) -> Outcome:
        obj, customer_obj = answered
        if customer_obj is not None:
            await upsert_customer(customer_obj)
        return Outcome(rows={"paymentMethod": await upsert_payment_method(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)


class SetDefaultPaymentMethodFields(Protocol):
    """What `set_default_payment_method` reads of its input (`schema.payment_methods.SetDefaultPaymentMethodInput`)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def payment_method_id(self) -> str: ...


async def set_default_payment_method(
    ctx: Context, call: MutationCall, input: SetDefaultPaymentMethodFields
) -> Snapshot:
    """Make one of a customer's payment methods the one Stripe charges by default."""

    async def validate() -> tuple[Customer, PaymentMethodModel]:
        principal = ctx.principal
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
        return customer, pm

    async def call_stripe(checked: tuple[Customer, PaymentMethodModel], keys: StripeKeys) -> dict[str, Any]:
        customer, pm = checked
        return await ctx.stripe.set_default_payment_method(
            customer.stripe_id, pm.stripe_id, idempotency_key=keys.stripe_key("set_default")
        )

    async def write(checked: tuple[Customer, PaymentMethodModel], obj: dict[str, Any]) -> Outcome:
        return Outcome(rows={"customer": await upsert_customer(obj)})

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=call_stripe, write=write)
