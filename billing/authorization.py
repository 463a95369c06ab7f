"""Authorization, decided in one place: who may call what, see which rows, watch which status stream.

- Rights (`may_read`, `may_read_all`, `may_write`, `may_write_own`, `is_admin`): whether a root
  field may run at all. The strawberry permission classes of `schema/permissions.py` only ask these.
- Rows: API keys see every customer. A customer session sees only its own customer and
  what hangs off it (`visible_*`, `may_see_customer`). Lists are silently scoped; an object named by
  id that exists but belongs to another customer is a FORBIDDEN error (`raise_if_foreign`, used by
  `find_typed` and `fetch`), an unknown id reads as null / NOT_FOUND. Prices belong to no customer:
  any authenticated caller may read them.
- Live status streams (`may_watch`, `watched_customers`): who may subscribe to which changes, and
  which customers' changes a subscriber's stream carries (`live.hub.status_filter`).
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
from base.ids import InvalidIdError, parse_typed_id
from base.principals import Principal, Scope
from models import (
    Coupon,
    Customer,
    Dispute,
    Invoice,
    Payment,
    PaymentMethod,
    Price,
    PromotionCode,
    Refund,
    Subscription,
)

M = TypeVar("M", bound=Model)


# --- rights: whether a root field may run at all ----------------------------------------------------------


def may_read(principal: Principal) -> bool:
    """API keys with `read`, and customer sessions (their reads scoped to their customer)."""
    return principal.kind == "customer_session" or principal.has_scope(Scope.READ)


def may_read_all(principal: Principal) -> bool:
    """API keys with `read`: lists across all customers."""
    return principal.kind == "api_key" and principal.has_scope(Scope.READ)


def may_write(principal: Principal) -> bool:
    """API keys with `write`."""
    return principal.kind == "api_key" and principal.has_scope(Scope.WRITE)


def may_write_own(principal: Principal) -> bool:
    """API keys with `write`, and customer sessions acting for their own customer."""
    return principal.kind == "customer_session" or principal.has_scope(Scope.WRITE)


def is_admin(principal: Principal) -> bool:
    """API keys with `admin`."""
    return principal.kind == "api_key" and principal.has_scope(Scope.ADMIN)


# --- rows -------------------------------------------------------------------------------------------------


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


def visible_disputes(principal: Principal) -> QuerySet[Dispute]:
    """Disputes the principal may see: those of its customer's payments (the row carries the payment's customer)."""
    return _owned(Dispute, principal)


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
    Dispute: visible_disputes,
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


async def raise_if_foreign(model: type[Model], pk: UUID, type_name: str, principal: Principal | None = None) -> None:
    """Raise FORBIDDEN when the row exists but is another customer's; call it when the caller's visible rows lack it.

    `principal`, when given, spares an API key the query: nothing is foreign to it.
    """
    if principal is not None and principal.customer_id is None:
        return
    if await is_foreign(model, pk):
        raise forbidden_error(type_name)


def forbidden_error(type_name: str) -> GraphQLError:
    """The GraphQL error for an object the caller may not see: `extensions.code` FORBIDDEN, no data.

    `reason: OTHER_CUSTOMER` tells it from a scope refusal (a read key mutating), which has no reason.
    """
    return GraphQLError(
        f"You are not allowed to see this {type_name}.",
        extensions={"code": ErrorCode.FORBIDDEN, "reason": "OTHER_CUSTOMER"},
    )


# --- live status streams ---------------------------------------------------------------------------------


async def may_watch(principal: Principal, model: type[Model], customer_pk: UUID | None, object_pk: UUID | None) -> bool:
    """Whether a principal may follow the status changes of `model`'s rows (of one customer, one object, when given).

    API keys with `read`: any customer's. A customer session: only its own customer's objects; naming
    another customer, or an object that is not its own customer's (or unknown), is refused.
    """
    if not may_read(principal):
        return False
    if principal.customer_id is None:
        return True
    if customer_pk is not None and customer_pk != principal.customer_id:
        return False
    if object_pk is not None:
        owner = await model.filter(id=object_pk).values_list("customer_id", flat=True)
        if list(owner) != [principal.customer_id]:
            return False
    return True


def watched_customers(principal: Principal, customer_pk: UUID | None) -> frozenset[UUID] | None:
    """The customers whose status changes a principal's stream carries; None: every customer's.

    A customer session's stream is always narrowed to its own customer, even without a `customerId`
    argument (and carries nothing when it names another: `may_watch` refuses that first).
    """
    own = principal.customer_id
    if own is None:
        return None if customer_pk is None else frozenset({customer_pk})
    if customer_pk is not None and customer_pk != own:
        return frozenset()
    return frozenset({own})


# --- filter arguments of list fields ----------------------------------------------------------------------


def filter_id(value: str, type_name: str, argument: str) -> UUID:
    """The primary key behind a filter argument's global id; a malformed one is a VALIDATION_FAILED error.

    A well-formed id of an unknown or invisible object is no error: it filters to nothing.
    """
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


# --- discounts (issue 15) ----------------------------------------------------------------------------------


def visible_coupons(principal: Principal) -> QuerySet[Coupon]:
    """Every coupon not deleted: like prices, the catalogue of what discounts exist."""
    return Coupon.filter(deleted=False)


def visible_promotion_codes(principal: Principal) -> QuerySet[PromotionCode]:
    """Every promotion code for an API key; none for a customer session (codes are handed out, not listed)."""
    qs = PromotionCode.all()
    if principal.customer_id is not None:
        qs = qs.filter(id__isnull=True)
    return qs
