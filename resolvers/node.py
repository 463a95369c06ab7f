"""Reads that name no type: `node` (any object by its global id) and `viewer` (the caller's customer).

They answer mirror rows; `schema/` makes each the GraphQL object of its model (`schema.nodes.node_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.ids import InvalidIdError, parse_global_id
from base.principals import Principal
from billing.authorization import (
    raise_if_foreign,
    visible_customers,
    visible_disputes,
    visible_invoices,
    visible_payment_methods,
    visible_payments,
    visible_prices,
    visible_refunds,
    visible_subscriptions,
)
from billing.request_context import Context
from models import Customer, Dispute, Invoice, Payment, PaymentMethod, Price, Refund, Subscription
from runtime.statement_templates import select_rows

M = TypeVar("M", bound=Model)

# Type name in the global id -> (its model, the rows the caller may see).
_NODE_TYPES: dict[str, tuple[type[Model], Callable[[Principal], QuerySet[Any]]]] = {
    "Customer": (Customer, visible_customers),
    "PaymentMethod": (PaymentMethod, visible_payment_methods),
    "Subscription": (Subscription, visible_subscriptions),
    "Invoice": (Invoice, visible_invoices),
    "Payment": (Payment, visible_payments),
    "Refund": (Refund, visible_refunds),
    "Dispute": (Dispute, visible_disputes),
    "Price": (Price, visible_prices),
}
_TYPE_NAMES: dict[type[Model], str] = {model: name for name, (model, _) in _NODE_TYPES.items()}


async def _find(context: Context, global_id: str, type_name: str | None = None) -> Model | None:
    """The visible row behind a global id (of `type_name`, when given), or None.

    A row that exists but belongs to another customer raises a FORBIDDEN error: the
    one place (with `billing.validation.fetch`) where reads tell hidden from unknown.
    """
    try:
        found_type, pk = parse_global_id(global_id)
    except InvalidIdError:
        return None
    entry = _NODE_TYPES.get(found_type)
    if entry is None or (type_name is not None and found_type != type_name):
        return None
    principal = context.principal
    model, visible = entry
    row: Model | None
    if principal.customer_id is None:
        # What an API key sees depends on nothing but the id: one statement text per type, built once.
        rows = await select_rows(model, ("node", found_type), lambda key: visible(principal).filter(id=key), pk)
        row = rows[0] if rows else None
    else:
        row = await visible(principal).get_or_none(id=pk)
    if row is None:
        await raise_if_foreign(model, pk, found_type, principal)
        return None
    return row


async def node(context: Context, id: str) -> Model | None:
    """The row behind a global id; None when unknown, FORBIDDEN when another customer's."""
    return await _find(context, id)


async def find_typed(context: Context, global_id: str, model: type[M]) -> M | None:
    """The visible `model` row behind a global id; None when unknown or of another type.

    Raises a FORBIDDEN GraphQL error when the row belongs to another customer.
    """
    found = await _find(context, global_id, _TYPE_NAMES[model])
    return found if isinstance(found, model) else None


async def viewer(context: Context) -> Customer | None:
    """The customer a customer session is bound to; None for API keys."""
    customer_id = context.principal.customer_id
    if customer_id is None:
        return None
    return await visible_customers(context.principal).get_or_none(id=customer_id)
