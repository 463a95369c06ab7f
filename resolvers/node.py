"""The Relay `node` field: any object by its global id, within what the caller may see."""

from __future__ import annotations

import strawberry

from resolvers.scoping import visible_customers, visible_payment_methods
from schema.context import Info
from schema.customers import Customer
from schema.payment_methods import PaymentMethod
from schema.relay import InvalidIdError, Node, parse_global_id


async def node(info: Info, id: strawberry.ID) -> Node | None:
    """The object behind a global id; null when unknown or not visible to the caller."""
    try:
        type_name, pk = parse_global_id(id)
    except InvalidIdError:
        return None
    principal = info.context.principal
    if type_name == "Customer":
        customer = await visible_customers(principal).get_or_none(id=pk)
        return Customer.from_model(customer) if customer else None
    if type_name == "PaymentMethod":
        pm = await visible_payment_methods(principal).get_or_none(id=pk)
        return PaymentMethod.from_model(pm) if pm else None
    return None
