"""Status enums: the UPPER_CASE forms of Stripe's lower-case status strings.

Each member's value is the string Stripe sends (and the mirror stores), so a row's
status maps to a member with `to_enum` and a filter argument maps back with
`stripe_value` (`status_filter` for the resolvers). Every enum has `UNKNOWN`: Stripe adds
statuses from time to time, and a value this gateway does not know yet must not fail a whole query.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import TypeVar

import strawberry

from billing.authorization import StatusFilter

log = logging.getLogger("schema.enums")

UNKNOWN_MEMBER = "UNKNOWN"
UNKNOWN_VALUE = "__unknown__"
"""The value of every `UNKNOWN` member: no Stripe status looks like it, so it never matches a row."""

E = TypeVar("E", bound=Enum)

_warned: set[tuple[str, str | None]] = set()


@strawberry.enum(description="A subscription's status at Stripe.")
class SubscriptionStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="In good standing: it renews each period.")
    TRIALING = strawberry.enum_value("trialing", description="In its free trial.")
    PAST_DUE = strawberry.enum_value("past_due", description="The latest renewal payment failed; Stripe retries it.")
    CANCELED = strawberry.enum_value("canceled", description="Ended; it will not renew.")
    UNPAID = strawberry.enum_value(
        "unpaid", description="Renewal payments failed and Stripe stopped retrying; invoices stay open."
    )
    INCOMPLETE = strawberry.enum_value(
        "incomplete", description="The first payment has not succeeded yet (declined or waiting for 3-D Secure)."
    )
    INCOMPLETE_EXPIRED = strawberry.enum_value(
        "incomplete_expired", description="The first payment did not succeed within 23 hours; it is over."
    )
    PAUSED = strawberry.enum_value("paused", description="A trial ended without a payment method; nothing is billed.")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="An invoice's status at Stripe.")
class InvoiceStatus(Enum):
    DRAFT = strawberry.enum_value("draft", description="Still editable; not yet finalized.")
    OPEN = strawberry.enum_value("open", description="Finalized and waiting for payment.")
    PAID = strawberry.enum_value("paid", description="Paid in full.")
    UNCOLLECTIBLE = strawberry.enum_value("uncollectible", description="Deemed unlikely to be paid.")
    VOID = strawberry.enum_value("void", description="Canceled; nothing is owed.")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="A payment's (PaymentIntent's) status at Stripe.")
class PaymentStatus(Enum):
    REQUIRES_PAYMENT_METHOD = strawberry.enum_value(
        "requires_payment_method", description="Needs a (new) payment method: none given yet, or the last one failed."
    )
    REQUIRES_CONFIRMATION = strawberry.enum_value("requires_confirmation", description="Waiting to be confirmed.")
    REQUIRES_ACTION = strawberry.enum_value(
        "requires_action", description="The customer must act, e.g. 3-D Secure with `clientSecret` in Stripe.js."
    )
    PROCESSING = strawberry.enum_value("processing", description="Stripe is processing it.")
    REQUIRES_CAPTURE = strawberry.enum_value("requires_capture", description="Authorized; waiting to be captured.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="The money was collected.")
    CANCELED = strawberry.enum_value("canceled", description="Canceled; nothing will be collected.")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="A refund's status at Stripe.")
class RefundStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Under way.")
    REQUIRES_ACTION = strawberry.enum_value("requires_action", description="Needs an action before it can proceed.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="The money was returned.")
    FAILED = strawberry.enum_value("failed", description="It failed; the money stays with the merchant.")
    CANCELED = strawberry.enum_value("canceled", description="Canceled before it was done.")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="A dispute's (chargeback's) status at Stripe.")
class DisputeStatus(Enum):
    WARNING_NEEDS_RESPONSE = strawberry.enum_value(
        "warning_needs_response", description="An inquiry (no chargeback yet): evidence may still prevent one."
    )
    WARNING_UNDER_REVIEW = strawberry.enum_value(
        "warning_under_review", description="The inquiry's evidence was submitted; the bank is reviewing it."
    )
    WARNING_CLOSED = strawberry.enum_value(
        "warning_closed", description="The inquiry closed without becoming a chargeback."
    )
    NEEDS_RESPONSE = strawberry.enum_value(
        "needs_response", description="A chargeback: submit evidence before `evidenceDueBy`."
    )
    UNDER_REVIEW = strawberry.enum_value(
        "under_review", description="Evidence was submitted; the bank is reviewing it."
    )
    WON = strawberry.enum_value("won", description="Decided for the merchant: the money comes back.")
    LOST = strawberry.enum_value("lost", description="Decided for the card holder: the money stays with them.")
    PREVENTED = strawberry.enum_value("prevented", description="Resolved before it became a chargeback.")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A status this gateway does not know yet.")


@strawberry.enum(description="How a Billing Meter aggregates its events (Stripe's `default_aggregation.formula`).")
class MeterFormula(Enum):
    SUM = strawberry.enum_value("sum", description="The sum of the events' values.")
    COUNT = strawberry.enum_value("count", description="The number of events (their values are ignored).")
    LAST = strawberry.enum_value("last", description="The value of the latest event (by its timestamp).")
    UNKNOWN = strawberry.enum_value(UNKNOWN_VALUE, description="A formula this gateway does not know yet.")


@strawberry.enum(description="A Billing Meter's status at Stripe.")
class MeterStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="The meter takes events.")
    INACTIVE = strawberry.enum_value("inactive", description="The meter was deactivated: events for it are refused.")
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


def status_filter(member: Enum) -> StatusFilter:
    """A status filter argument as the resolvers take it: the Stripe string, or for `UNKNOWN` the ones known here."""
    return StatusFilter(value=stripe_value(member), known=tuple(known_stripe_values(type(member))))
