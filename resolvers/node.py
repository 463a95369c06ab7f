"""Root fields that name no type: `node` (any object by its global id) and `viewer` (the caller's customer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from base.ids import InvalidIdError, parse_global_id
from base.principals import Principal
from billing.authorization import (
    raise_if_foreign,
    visible_customers,
    visible_invoices,
    visible_payment_methods,
    visible_payments,
    visible_prices,
    visible_refunds,
    visible_subscriptions,
)
from schema.arguments import ObjectId
from schema.context import Info
from schema.customers import Customer
from schema.invoices import Invoice
from schema.payment_methods import PaymentMethod
from schema.payments import Payment, Refund
from schema.prices import Price
from schema.relay import Node
from schema.subscriptions import Subscription

N = TypeVar("N", bound=Node)

# Type name in the global id -> (the rows the caller may see, the GraphQL object of a row).
_NODE_TYPES: dict[str, tuple[Callable[[Principal], QuerySet[Any]], Callable[[Any], Node]]] = {
    "Customer": (visible_customers, Customer.from_model),
    "PaymentMethod": (visible_payment_methods, PaymentMethod.from_model),
    "Subscription": (visible_subscriptions, Subscription.from_model),
    "Invoice": (visible_invoices, Invoice.from_model),
    "Payment": (visible_payments, Payment.from_model),
    "Refund": (visible_refunds, Refund.from_model),
    "Price": (visible_prices, Price.from_model),
}


async def _find(info: Info, global_id: str, type_name: str | None = None) -> Node | None:
    """The visible object behind a global id (of `type_name`, when given), or None.

    An object that exists but belongs to another customer raises a FORBIDDEN error: the
    one place (with `billing.validation.fetch`) where reads tell hidden from unknown.
    """
    try:
        found_type, pk = parse_global_id(global_id)
    except InvalidIdError:
        return None
    entry = _NODE_TYPES.get(found_type)
    if entry is None or (type_name is not None and found_type != type_name):
        return None
    visible, convert = entry
    principal = info.context.principal
    qs = visible(principal)
    row = await qs.get_or_none(id=pk)
    if row is None:
        await raise_if_foreign(qs.model, pk, found_type, principal)
        return None
    return convert(row)


async def node(info: Info, id: ObjectId) -> Node | None:
    """The object behind a global id; null when unknown, FORBIDDEN when another customer's."""
    return await _find(info, id)


async def find_typed(info: Info, global_id: str, cls: type[N]) -> N | None:
    """The visible object of type `cls` behind a global id; None when unknown or another type.

    Raises a FORBIDDEN GraphQL error when the object belongs to another customer.
    """
    found = await _find(info, global_id, cls.__name__)
    return found if isinstance(found, cls) else None


async def viewer(info: Info) -> Customer | None:
    """The customer a customer session is bound to; null for API keys."""
    customer_id = info.context.principal.customer_id
    if customer_id is None:
        return None
    row = await visible_customers(info.context.principal).get_or_none(id=customer_id)
    return Customer.from_model(row) if row is not None else None
