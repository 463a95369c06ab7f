"""Status enums: the UPPER_CASE forms of Stripe's lower-case status strings.

Each member's value is the string Stripe sends (and the mirror stores), so a row's
status maps to a member with `to_enum` and a filter argument maps back with
`stripe_value`. Every enum has `UNKNOWN`: Stripe adds statuses from time to time,
and a value this gateway does not know yet must not fail a whole query.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TypeVar

import strawberry

log = logging.getLogger("schema.enums")

UNKNOWN_MEMBER = "UNKNOWN"
UNKNOWN_VALUE = "__unknown__"
"""The value of every `UNKNOWN` member: no Stripe status looks like it, so it never matches a row."""

E = TypeVar("E", bound=Enum)

_warned: set[tuple[str, str | None]] = set()


@strawberry.enum(description="A subscription's status at Stripe.")
class SubscriptionStatus(Enum):
    ACTIVE = "active"
    TRIALING = "trialing"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    PAUSED = "paused"
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="An invoice's status at Stripe.")
class InvoiceStatus(Enum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="A payment's (PaymentIntent's) status at Stripe.")
class PaymentStatus(Enum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="A refund's status at Stripe.")
class RefundStatus(Enum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


def to_enum(enum_cls: type[E], stripe_value: str | None) -> E:
    """The member for a status string from Stripe; `UNKNOWN` (with one warning per value) when there is none."""
    try:
        return enum_cls(stripe_value)
    except ValueError:
        pass
    # Warn once per process and value: a new Stripe status shows up on many rows at once.
    marker = (enum_cls.__name__, stripe_value)
    if marker not in _warned:
        _warned.add(marker)
        log.warning("unknown %s %r from Stripe; reported as UNKNOWN", enum_cls.__name__, stripe_value)
    return enum_cls[UNKNOWN_MEMBER]


def known_stripe_values(enum_cls: type[Enum]) -> list[str]:
    """Every Stripe status string the enum knows (all members but `UNKNOWN`)."""
    return [str(member.value) for member in enum_cls if member.name != UNKNOWN_MEMBER]


def stripe_value(member: Enum) -> str | None:
    """The Stripe string a filter argument stands for; None for `UNKNOWN` (any status not known here)."""
    return None if member.name == UNKNOWN_MEMBER else str(member.value)
