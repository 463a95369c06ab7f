"""Object-level visibility: what rows a principal may see or act on.

API keys see every customer. A customer session sees only its own customer and
what hangs off it. Lists are silently scoped; an object named by id that exists but
belongs to another customer is a FORBIDDEN error (`is_foreign`, used by `find_typed`
and `fetch`), an unknown id reads as null / NOT_FOUND. Prices belong to no customer:
any authenticated caller may read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from graphql import GraphQLError
from tortoise.models import Model
from tortoise.queryset import QuerySet

from base.error_codes import ErrorCode
from base.principals import Principal
from models import Customer, Invoice, Payment, PaymentMethod, Price, Refund, Subscription

M = TypeVar("M", bound=Model)


def visible_customers(principal: Principal) -> QuerySet[Customer]:
    qs = Customer.filter(deleted=False)
    if principal.customer_id is not None:
        qs = qs.filter(id=principal.customer_id)
    return qs


def _owned(model: type[M], principal: Principal) -> QuerySet[M]:
    """Rows with a `customer` link: all for API keys, only its customer's for a session."""
    qs = model.all()
    if principal.customer_id is not None:
        qs = qs.filter(customer_id=principal.customer_id)
    return qs


def visible_payment_methods(principal: Principal) -> QuerySet[PaymentMethod]:
    """Payment methods the principal may see."""
    return _owned(PaymentMethod, principal)


def visible_subscriptions(principal: Principal) -> QuerySet[Subscription]:
    """Subscriptions the principal may see."""
    return _owned(Subscription, principal)


def visible_invoices(principal: Principal) -> QuerySet[Invoice]:
    """Invoices the principal may see."""
    return _owned(Invoice, principal)


def visible_payments(principal: Principal) -> QuerySet[Payment]:
    """Payments the principal may see."""
    return _owned(Payment, principal)


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


# --- objects of another customer ----------------------------------------------------------------------

# What an API key sees: every live row.
_UNSCOPED = Principal(kind="api_key", id="unscoped")

_VISIBLE: dict[type[Model], Callable[[Principal], QuerySet[Any]]] = {
    Customer: visible_customers,
    PaymentMethod: visible_payment_methods,
    Subscription: visible_subscriptions,
    Invoice: visible_invoices,
    Payment: visible_payments,
    Refund: visible_refunds,
    Price: visible_prices,
}


async def is_foreign(model: type[Model], pk: UUID) -> bool:
    """Whether the row exists for an API key; call it when the caller's visible rows lack it.

    For an API key this is always False (it sees the same rows); for a customer session,
    True means the row belongs to another customer (or to none, as a detached card).
    """
    visible = _VISIBLE.get(model)
    return visible is not None and await visible(_UNSCOPED).filter(id=pk).exists()


async def is_foreign_to(principal: Principal, model: type[Model], pk: UUID) -> bool:
    """Whether the row exists but the principal may not see it (another customer's)."""
    visible = _VISIBLE.get(model)
    if visible is None or principal.customer_id is None or await visible(principal).filter(id=pk).exists():
        return False
    return await is_foreign(model, pk)


def forbidden_error(type_name: str) -> GraphQLError:
    """The GraphQL error for an object the caller may not see: `extensions.code` FORBIDDEN, no data.

    `reason: OTHER_CUSTOMER` tells it from a scope refusal (a read key mutating), which has no reason.
    """
    return GraphQLError(
        f"You are not allowed to see this {type_name}.",
        extensions={"code": ErrorCode.FORBIDDEN, "reason": "OTHER_CUSTOMER"},
    )


# --- filter arguments of list fields ----------------------------------------------------------------------


def filter_id(value: str, type_name: str, argument: str) -> UUID:
    """The primary key behind a filter argument's global id; a malformed one is a VALIDATION_FAILED error.

    A well-formed id of an unknown or invisible object is no error: it filters to nothing.
    """
    # Imported here: importing schema.relay initialises the schema package, which imports this module.
    from base.ids import InvalidIdError, parse_typed_id

    try:
        return parse_typed_id(value, type_name)
    except InvalidIdError as exc:
        raise GraphQLError(f"`{argument}`: {exc}", extensions={"code": ErrorCode.VALIDATION_FAILED}) from None


def filter_text(value: str, argument: str) -> str:
    """A text filter argument; NUL (which PostgreSQL text cannot hold) is a VALIDATION_FAILED error."""
    if "\x00" in value:
        raise GraphQLError(
            f"`{argument}` must not contain NUL characters", extensions={"code": ErrorCode.VALIDATION_FAILED}
        )
    return value


@dataclass(frozen=True, slots=True)
class StatusFilter:
    """A status filter argument in plain terms: rows in Stripe status `value`, or (None) in none of `known`."""

    value: str | None
    known: tuple[str, ...]
    """Every status the filter's enum knows; `value` None (its `UNKNOWN`) selects the rows in none of them."""


def with_status(qs: QuerySet[M], status: StatusFilter) -> QuerySet[M]:
    """Rows whose Stripe status is the one the filter names, or none the API knows (as they read)."""
    if status.value is None:
        return qs.exclude(status__in=list(status.known))
    return qs.filter(status=status.value)
