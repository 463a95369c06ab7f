"""Object-level visibility: what rows a principal may see or act on.

API keys see every customer. A customer session sees only its own customer and
what hangs off it; anything else looks exactly like an unknown id. Prices belong to
no customer: any authenticated caller may read them.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar
from uuid import UUID

from graphql import GraphQLError
from tortoise.models import Model
from tortoise.queryset import QuerySet

from gateway.auth import Principal
from models import Customer, Invoice, Payment, PaymentMethod, Price, Refund, Subscription

M = TypeVar("M", bound=Model)


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


def visible_subscriptions(principal: Principal) -> QuerySet[Subscription]:
    """Subscriptions the principal may see: all for API keys, its customer's for a session."""
    qs = Subscription.all()
    if principal.customer_id is not None:
        qs = qs.filter(customer_id=principal.customer_id)
    return qs


def visible_invoices(principal: Principal) -> QuerySet[Invoice]:
    """Invoices the principal may see: all for API keys, its customer's for a session."""
    qs = Invoice.all()
    if principal.customer_id is not None:
        qs = qs.filter(customer_id=principal.customer_id)
    return qs


def visible_payments(principal: Principal) -> QuerySet[Payment]:
    """Payments the principal may see: all for API keys, its customer's for a session."""
    qs = Payment.all()
    if principal.customer_id is not None:
        qs = qs.filter(customer_id=principal.customer_id)
    return qs


def visible_refunds(principal: Principal) -> QuerySet[Refund]:
    """Refunds the principal may see: those of the payments it may see."""
    qs = Refund.all()
    if principal.customer_id is not None:
        # A refund belongs to whoever owns its payment.
        qs = qs.filter(payment__customer_id=principal.customer_id)
    return qs


def visible_prices(principal: Principal) -> QuerySet[Price]:
    """Every price: the catalogue is public to any authenticated caller."""
    return Price.all()


def may_see_customer(principal: Principal, customer_id: UUID | None) -> bool:
    """Whether an object owned by `customer_id` is visible to the principal."""
    return principal.customer_id is None or principal.customer_id == customer_id


# --- filter arguments of list fields ----------------------------------------------------------------------


def filter_id(value: str, type_name: str, argument: str) -> UUID:
    """The primary key behind a filter argument's global id; a malformed one is a VALIDATION_FAILED error.

    A well-formed id of an unknown or invisible object is no error: it filters to nothing.
    """
    # Imported here: importing schema.relay initialises the schema package, which imports this module.
    from schema.relay import InvalidIdError, parse_typed_id

    try:
        return parse_typed_id(value, type_name)
    except InvalidIdError as exc:
        raise GraphQLError(f"`{argument}`: {exc}", extensions={"code": "VALIDATION_FAILED"}) from None


def with_status(qs: QuerySet[M], status: Enum) -> QuerySet[M]:
    """Rows whose Stripe status is the one a status enum member stands for.

    `UNKNOWN` selects the rows whose status the enum does not know (as they read).
    """
    from schema.enums import known_stripe_values, stripe_value

    value = stripe_value(status)
    if value is None:
        return qs.exclude(status__in=known_stripe_values(type(status)))
    return qs.filter(status=value)
