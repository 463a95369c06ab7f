"""Parents the mirror lacks: fetching from Stripe the object a `MissingParentError` names, and mirroring it.

An upsert refuses a row whose required parent is not mirrored (`MissingParentError`): an
object made outside the gateway (the Dashboard, another app), or older than a reconcile's
`since`. Both the webhook worker and reconcile repair it the same way: read the parent from
Stripe (`fetch_parent`), write it, and try the upsert again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from base.error_codes import ErrorCode
from billing.mirror import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    stripe_id_of,
    upsert_customer,
    upsert_payment,
)
from models import Customer
from stripe_provider.adapter import StripeAdapter
from stripe_provider.provider_errors import ProviderError

__all__ = ["Parent", "ensure_customer", "fetch_parent", "mirror_parent"]


@dataclass(frozen=True)
class Parent:
    """A missing parent as Stripe has it now, and the mirror write that stores it."""

    object_type: Literal["customer", "payment_intent"]
    obj: dict[str, Any]
    upsert: Callable[[dict[str, Any]], Awaitable[object]]


async def fetch_parent(missing: MissingParentError, stripe: StripeAdapter) -> Parent:
    """Read the parent `missing` names from Stripe (a charge stands for its PaymentIntent).

    A customer Stripe no longer knows (localstripe forgets deleted customers) comes back
    as a deleted stub, so that its children can still link to it. Raises
    `InvalidStripeObjectError` for a parent of another type, or a charge of no PaymentIntent.
    """
    if missing.object_type == "customer":
        try:
            customer = await stripe.call("customers", "retrieve", missing.stripe_id)
        except ProviderError as exc:
            if exc.code != ErrorCode.NOT_FOUND:
                raise
            # Gone for good at Stripe: keep what we know.
            customer = {"id": missing.stripe_id, "object": "customer", "deleted": True}
        return Parent("customer", customer, upsert_customer)
    if missing.object_type in ("payment_intent", "charge"):
        intent_id = missing.stripe_id
        if missing.object_type == "charge":
            charge = await stripe.call("charges", "retrieve", missing.stripe_id)
            found = stripe_id_of(charge.get("payment_intent"))
            if found is None:
                raise InvalidStripeObjectError(f"charge {missing.stripe_id} belongs to no PaymentIntent")
            intent_id = found
        return Parent("payment_intent", await stripe.retrieve_payment_intent(intent_id), upsert_payment)
    raise InvalidStripeObjectError(f"cannot fetch a missing {missing.object_type} {missing.stripe_id}")


async def ensure_customer(obj: StripeObject, stripe: StripeAdapter) -> None:
    """Mirror the customer `obj` names when it is not mirrored yet.

    Payment methods and payments link a customer only when mirrored; without this, an
    outside customer's objects would stay unlinked until a reconcile.
    """
    customer_id = stripe_id_of(obj.get("customer"))
    if customer_id is not None and not await Customer.exists(stripe_id=customer_id):
        await mirror_parent(MissingParentError("customer", customer_id), stripe)


async def mirror_parent(missing: MissingParentError, stripe: StripeAdapter) -> None:
    """Fetch the missing parent and mirror it (a payment with its customer), outside any transaction of the caller's."""
    parent = await fetch_parent(missing, stripe)
    if parent.object_type == "payment_intent":
        await ensure_customer(parent.obj, stripe)
    await parent.upsert(parent.obj)
