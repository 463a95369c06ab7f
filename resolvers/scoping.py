"""Object-level visibility: what rows a principal may see or act on.

API keys see every customer. A customer session sees only its own customer and
what hangs off it; anything else looks exactly like an unknown id.
"""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet

from gateway.auth import Principal
from models import Customer, PaymentMethod


def visible_customers(principal: Principal) -> QuerySet[Customer]:
    qs = Customer.filter(deleted=False)
    if principal.customer_id is not None:
        qs = qs.filter(id=principal.customer_id)
    return qs


def visible_payment_methods(principal: Principal) -> QuerySet[PaymentMethod]:
    qs = PaymentMethod.all()
    if principal.customer_id is not None:
        qs = qs.filter(customer_id=principal.customer_id)
    return qs


def may_see_customer(principal: Principal, customer_id: UUID | None) -> bool:
    """Whether an object owned by `customer_id` is visible to the principal."""
    return principal.customer_id is None or principal.customer_id == customer_id
