"""What the operator commands (`process-refund`, `webhook-status`, `subscription-info`) read and do.

`gateway/cli.py` parses the arguments, asks for confirmation and prints; this module finds the
rows and builds plain-data reports (the `--json` output is exactly these dicts, so their field
names are the commands' stable interface).

`process-refund` runs the `refundPayment` mutation's own code (`resolvers.payments.refund_payment`
→ `billing.mutations.run_mutation`): the same idempotency ledger, money lock, Stripe keys, mirror
write and one audit entry, under the principal `cli:<operator>` (its ledger scope), so a rerun with
the same idempotency key replays the stored answer instead of refunding twice.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from getpass import getuser
from typing import Any, Final
from uuid import UUID

from tortoise.expressions import Q

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_global_id, to_global_id
from base.principals import Principal, Scope, effective_scopes
from base.redaction import redact
from base.settings import Settings
from billing.loaders import Loaders
from billing.mutations import MutationCall, Snapshot
from billing.request_context import Context
from models import (
    AuditEntry,
    Customer,
    EventDelivery,
    EventStatus,
    IdempotencyRecord,
    Invoice,
    LedgerStatus,
    Payment,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
    WebhookEndpoint,
    WebhookEvent,
)
from resolvers.payments import REFUNDABLE_STATUSES, refund_payment
from schema.payments import RefundReason
from stripe_provider.adapter import StripeAdapter

REFUND_OPERATION: Final = "refundPayment"
"""The operation name the ledger and the audit trail record: the mutation's own, so both read alike."""

RECENT_SCAN: Final = 1000
"""How many of the newest inbox events and audit entries `subscription-info` searches for its objects."""

RECENT_SHOWN: Final = 10
"""How many recent events and payment attempts `subscription-info` shows."""

OLDEST_SHOWN: Final = 10
"""How many of the oldest pending/failed inbox events `webhook-status` shows."""

ERROR_EXCERPT: Final = 120

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class OperatorError(Exception):
    """A failure the operator reads as one line (a bad id, an over-refund, a refusal); exit code 1."""


# --- principal and context ------------------------------------------------------------------------------


def operator_name() -> str:
    """Who runs the command: `BILLING_GATEWAY_OPERATOR`, else the login name."""
    name = os.environ.get("BILLING_GATEWAY_OPERATOR", "").strip()
    if not name:
        try:
            name = getuser()
        except (KeyError, OSError):
            name = "unknown"
    return re.sub(r"[^\w.@-]", "_", name)[:100] or "unknown"


def operator_principal(name: str) -> Principal:
    """The principal of an operator's command: ledger scope and audit principal `cli:<name>`."""
    return Principal(kind="cli", id=name, scopes=effective_scopes([Scope.ADMIN]))


def operator_context(settings: Settings, principal: Principal, stripe: StripeAdapter) -> Context:
    return Context(
        principal=principal,
        settings=settings,
        stripe=stripe,
        loaders=Loaders(),
        request_id=f"cli-{uuid.uuid4().hex[:16]}",
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_unix(value: object) -> str | None:
    return datetime.fromtimestamp(value, UTC).isoformat() if isinstance(value, int) else None


def one_line(text: str | None, width: int = ERROR_EXCERPT) -> str | None:
    """`text` redacted, on one line, cut to `width` characters; None stays None."""
    if not text:
        return None
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _global_id(kind: str, value: str) -> UUID | None:
    """The primary key when `value` is a global id of `kind`; None when it is not one at all."""
    try:
        found, pk = parse_global_id(value)
    except InvalidIdError:
        return None
    return pk if found == kind else None


# --- process-refund ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundRequest:
    """The input `refund_payment` reads (`resolvers.payments.RefundPaymentFields`), as the CLI gives it."""

    payment_id: str
    amount: int | None
    reason: RefundReason | None


REASONS: Final = tuple(str(reason.value) for reason in RefundReason)


def parse_reason(value: str | None) -> RefundReason | None:
    if value is None:
        return None
    try:
        return RefundReason(value.strip().lower())
    except ValueError:
        raise OperatorError(f"unknown --reason {value!r} (expected {', '.join(REASONS)})") from None


async def find_payment(reference: str) -> Payment:
    """The payment a global Payment id or a `pi_…` id names; OperatorError when none."""
    reference = reference.strip()
    row: Payment | None = None
    if reference.startswith("pi_"):
        row = await Payment.get_or_none(stripe_id=reference)
    else:
        pk = _global_id("Payment", reference)
        if pk is not None:
            row = await Payment.get_or_none(id=pk)
        elif _looks_global(reference):
            raise OperatorError(f"{reference!r} is not the id of a Payment")
    if row is None:
        raise OperatorError(f"no payment {reference!r} (give a Payment id or a pi_… id)")
    return row


def _looks_global(reference: str) -> bool:
    try:
        parse_global_id(reference)
    except InvalidIdError:
        return False
    return True


def left_to_refund(payment: Payment) -> int:
    left: int = (payment.amount_received or payment.amount) - payment.amount_refunded
    return max(left, 0)


def payment_summary(payment: Payment) -> dict[str, Any]:
    return {
        "id": str(to_global_id("Payment", payment.id)),
        "stripe_id": payment.stripe_id,
        "status": payment.status,
        "amount": payment.amount,
        "amount_received": payment.amount_received,
        "amount_refunded": payment.amount_refunded,
        "left_to_refund": left_to_refund(payment),
        "currency": payment.currency,
    }


def check_refundable(payment: Payment, amount: int | None) -> int:
    """The amount the refund will be, from the mirror (the mutation checks again against Stripe)."""
    if payment.status not in REFUNDABLE_STATUSES:
        raise OperatorError(f"payment {payment.stripe_id} is {payment.status}; only succeeded payments can be refunded")
    left = left_to_refund(payment)
    if amount is not None and amount < 1:
        raise OperatorError("--amount must be a positive integer in minor units (cents)")
    if left <= 0:
        raise OperatorError(f"payment {payment.stripe_id}: nothing is left to refund")
    if amount is not None and amount > left:
        raise OperatorError(
            f"payment {payment.stripe_id}: only {left} {payment.currency} is left to refund, not {amount}"
        )
    return left if amount is None else amount


async def already_answered(principal: Principal, key: str) -> bool:
    """Whether the ledger holds a stored answer for this operator's key (the call will replay it)."""
    return await IdempotencyRecord.exists(
        principal=principal.ledger_scope, key=key, operation=REFUND_OPERATION, status=LedgerStatus.COMPLETED
    )


@dataclass(frozen=True)
class RefundResult:
    replayed: bool
    response: Snapshot


async def run_refund(ctx: Context, key: str, request: RefundRequest) -> RefundResult:
    """Refund through `refundPayment`'s own path; OperatorError for a userError (refusal, over-refund)."""
    replayed = await already_answered(ctx.principal, key)
    response = await refund_payment(ctx, MutationCall(operation=REFUND_OPERATION, idempotency_key=key), request)
    errors = response.get("userErrors") or []
    if errors:
        first = errors[0]
        code = first.get("code") or "ERROR"
        message = first.get("message") or "refused"
        if code == ErrorCode.PROVIDER_UNAVAILABLE:
            raise OperatorError(
                f"Stripe is unavailable ({message}); the outcome is unknown: rerun with --idempotency-key {key}"
            )
        if first.get("field") == ["idempotencyKey"]:
            raise OperatorError(f"idempotency key {key!r}: {message} ({code})")
        raise OperatorError(f"refund refused: {message} ({code})")
    return RefundResult(replayed=replayed, response=response)


async def refund_report(result: RefundResult, key: str) -> dict[str, Any]:
    """What `process-refund` prints: the refund and its payment as the mirror now has them."""
    stored = result.response.get("refund") or {}
    refund = await Refund.get(id=UUID(str(stored["id"])))
    payment = await Payment.get(id=refund.payment_id)
    return {
        "refund": {
            "id": str(to_global_id("Refund", refund.id)),
            "stripe_id": refund.stripe_id,
            "amount": refund.amount,
            "currency": refund.currency,
            "status": refund.status,
            "reason": refund.reason,
        },
        "payment": payment_summary(payment),
        "idempotency_key": key,
        "replayed": result.replayed,
    }


def new_idempotency_key() -> str:
    return f"cli-refund-{uuid.uuid4()}"


# --- webhook-status ---------------------------------------------------------------------------------------


def _age_seconds(moment: datetime, now: datetime) -> int:
    return max(int((now - moment).total_seconds()), 0)


async def webhook_status(statuses: Iterable[EventStatus], now: datetime | None = None) -> dict[str, Any]:
    """Counts per inbox status and per outgoing delivery status, and the oldest events/deliveries of `statuses`."""
    now = now or datetime.now(UTC)
    wanted = list(statuses)
    counts = {status.value: await WebhookEvent.filter(status=status).count() for status in EventStatus}
    oldest = await WebhookEvent.filter(status__in=wanted).order_by("created_at", "id").limit(OLDEST_SHOWN)
    return {
        "inbox": {
            "counts": counts,
            "total": sum(counts.values()),
            "oldest_statuses": [status.value for status in wanted],
            "oldest": [
                {
                    "stripe_event_id": event.stripe_event_id,
                    "type": event.type,
                    "status": event.status.value,
                    "received_at": _iso(event.created_at),
                    "age_seconds": _age_seconds(event.created_at, now),
                    "attempts": event.attempts,
                    "last_error": one_line(event.last_error),
                }
                for event in oldest
            ],
        },
        "outgoing": await _outgoing_status(wanted, now),
    }


DELIVERY_STATUSES: Final = ("pending", "succeeded", "failed")


async def _outgoing_status(statuses: list[EventStatus], now: datetime) -> dict[str, Any]:
    """The outgoing webhooks' side: live endpoints, deliveries per status, the oldest of the wanted statuses."""
    endpoints = await WebhookEndpoint.filter(deleted_at__isnull=True).count()
    counts = {status: await EventDelivery.filter(status=status).count() for status in DELIVERY_STATUSES}
    wanted = [status.value for status in statuses if status.value in DELIVERY_STATUSES]
    oldest = (
        await EventDelivery.filter(status__in=wanted).order_by("created_at", "id").limit(OLDEST_SHOWN) if wanted else []
    )
    return {
        "configured": endpoints > 0,
        "endpoints": endpoints,
        "counts": counts,
        "oldest": [
            {
                "delivery_id": str(delivery.id),
                "endpoint_id": str(delivery.endpoint_id),  # type: ignore[attr-defined]
                "event_type": delivery.event_type,
                "status": delivery.status,
                "created_at": _iso(delivery.created_at),
                "age_seconds": _age_seconds(delivery.created_at, now),
                "attempts": delivery.attempts,
                "last_status_code": delivery.last_status_code,
                "last_error": one_line(delivery.last_error),
            }
            for delivery in oldest
        ],
    }


# --- subscription-info ------------------------------------------------------------------------------------


async def find_subscriptions(reference: str) -> tuple[list[Customer], list[Subscription]]:
    """The customers and subscriptions a reference names; OperatorError when it names none.

    A global Customer or Subscription id, a `cus_…` or `sub_…` id, or a customer's email
    (case-insensitive; every customer with it).
    """
    reference = reference.strip()
    customers: list[Customer] = []
    subscriptions: list[Subscription] = []
    if reference.startswith("sub_"):
        found = await Subscription.get_or_none(stripe_id=reference)
        subscriptions = [found] if found else []
    elif reference.startswith("cus_"):
        customer = await Customer.get_or_none(stripe_id=reference)
        customers = [customer] if customer else []
    elif "@" in reference:
        customers = await Customer.filter(email__iexact=reference, deleted=False).order_by("created_at")
    elif (pk := _global_id("Subscription", reference)) is not None:
        found = await Subscription.get_or_none(id=pk)
        subscriptions = [found] if found else []
    elif (pk := _global_id("Customer", reference)) is not None:
        customer = await Customer.get_or_none(id=pk)
        customers = [customer] if customer else []
    elif _looks_global(reference):
        raise OperatorError(f"{reference!r} is not the id of a Customer or a Subscription")
    if subscriptions:
        customers = [await Customer.get(id=subscriptions[0].customer_id)]
    elif customers:
        subscriptions = await Subscription.filter(customer_id__in=[c.id for c in customers]).order_by("-created_at")
    else:
        raise OperatorError(f"no customer or subscription {reference!r} (give an id, a cus_/sub_ id or an email)")
    return customers, subscriptions


def customer_summary(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(to_global_id("Customer", customer.id)),
        "stripe_id": customer.stripe_id,
        "email": customer.email,
        "name": customer.name,
        "deleted": customer.deleted,
    }


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": str(to_global_id("Invoice", invoice.id)),
        "stripe_id": invoice.stripe_id,
        "status": invoice.status,
        "number": invoice.number,
        "currency": invoice.currency,
        "amount_due": invoice.amount_due,
        "amount_paid": invoice.amount_paid,
        "amount_remaining": invoice.amount_remaining,
        "attempt_count": invoice.attempt_count,
        "next_payment_attempt": _iso(invoice.next_payment_attempt),
        "created_at": _iso(invoice.stripe_created or invoice.created_at),
    }


def _attempt(payment: Payment) -> dict[str, Any]:
    return {
        "id": str(to_global_id("Payment", payment.id)),
        "stripe_id": payment.stripe_id,
        "invoice_stripe_id": payment.invoice_stripe_id,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "failure_code": payment.failure_code,
        "decline_code": payment.decline_code,
        "failure_message": one_line(payment.failure_message),
        "created_at": _iso(payment.stripe_created or payment.created_at),
    }


async def _items(subscription: Subscription) -> list[dict[str, Any]]:
    items = await SubscriptionItem.filter(subscription_id=subscription.id).order_by("created_at")
    rows: list[tuple[str | None, str, int]]
    if not items and subscription.price_stripe_id:
        rows = [(None, subscription.price_stripe_id, subscription.quantity)]
    else:
        rows = [(item.stripe_id, item.price_stripe_id, item.quantity) for item in items]
    prices = {p.stripe_id: p for p in await Price.filter(stripe_id__in=[price for _, price, _ in rows])}
    shown = []
    for item_id, price_id, quantity in rows:
        price = prices.get(price_id)
        shown.append(
            {
                "stripe_id": item_id,
                "price_stripe_id": price_id,
                "quantity": quantity,
                "unit_amount": price.unit_amount if price else None,
                "currency": price.currency if price else None,
                "interval": price.recurring_interval if price else None,
                "interval_count": price.recurring_interval_count if price else None,
                "nickname": price.nickname if price else None,
            }
        )
    return shown


async def _recent_events(stripe_ids: set[str], global_ids: set[str]) -> list[dict[str, Any]]:
    """Inbox events about these Stripe objects and audit entries naming these objects, newest first."""
    events: list[dict[str, Any]] = []
    for event in await WebhookEvent.all().order_by("-created_at", "-id").limit(RECENT_SCAN):
        data = event.payload.get("data") if isinstance(event.payload, dict) else None
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and obj.get("id") in stripe_ids:
            events.append(
                {
                    "source": "webhook",
                    "at": _iso(event.stripe_created),
                    "what": event.type,
                    "object": obj.get("id"),
                    "status": event.status.value,
                    "by": "stripe",
                    "reference": event.stripe_event_id,
                }
            )
    for entry in await AuditEntry.all().order_by("-id").limit(RECENT_SCAN):
        named = [object_id for object_id in entry.object_ids or [] if object_id in global_ids]
        if named and entry.stripe_event_id is None:  # applied webhooks are listed from the inbox
            events.append(
                {
                    "source": "audit",
                    "at": _iso(entry.occurred_at),
                    "what": entry.operation,
                    "object": named[0],
                    "status": entry.outcome,
                    "by": entry.principal,
                    "reference": entry.idempotency_key,
                }
            )
    events.sort(key=lambda event: datetime.fromisoformat(event["at"]) if event["at"] else _EPOCH, reverse=True)
    return events[:RECENT_SHOWN]


async def subscription_report(subscription: Subscription) -> dict[str, Any]:
    invoices = await Invoice.filter(subscription_id=subscription.id).order_by("-created_at")
    latest = next((i for i in invoices if i.stripe_id == subscription.latest_invoice_stripe_id), None)
    if latest is None and invoices:
        latest = invoices[0]
    invoice_stripe_ids = [invoice.stripe_id for invoice in invoices]
    # Current API versions link an invoice's payment from the invoice's side only; older ones from the payment's.
    intent_ids = [invoice.payment_intent_stripe_id for invoice in invoices if invoice.payment_intent_stripe_id]
    payments = (
        await Payment.filter(Q(invoice_stripe_id__in=invoice_stripe_ids) | Q(stripe_id__in=intent_ids))
        .order_by("-created_at")
        .limit(RECENT_SCAN)
        if invoices
        else []
    )
    customer = await Customer.get(id=subscription.customer_id)
    stripe_ids = {subscription.stripe_id, *invoice_stripe_ids, *(p.stripe_id for p in payments)}
    global_ids = {
        str(to_global_id("Subscription", subscription.id)),
        *(str(to_global_id("Invoice", i.id)) for i in invoices),
        *(str(to_global_id("Payment", p.id)) for p in payments),
    }
    return {
        "id": str(to_global_id("Subscription", subscription.id)),
        "stripe_id": subscription.stripe_id,
        "customer": customer_summary(customer),
        "status": subscription.status,
        "current_period_start": _iso(subscription.current_period_start),
        "current_period_end": _iso(subscription.current_period_end),
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "canceled_at": _iso(subscription.canceled_at),
        "trial_end": _iso(subscription.trial_end),
        "items": await _items(subscription),
        "pause": (
            None
            if subscription.pause_behavior is None
            else {"behavior": subscription.pause_behavior, "resumes_at": _iso(subscription.pause_resumes_at)}
        ),
        "discounts": [
            {
                "id": discount.get("id"),
                "coupon": discount.get("coupon"),
                "promotion_code": discount.get("promotion_code"),
                "end": _from_unix(discount.get("end")),
            }
            for discount in subscription.discounts or []
        ],
        "latest_invoice": invoice_summary(latest) if latest is not None else None,
        "payment_attempts": [_attempt(payment) for payment in payments[:RECENT_SHOWN]],
        "recent_events": await _recent_events(stripe_ids, global_ids),
    }


async def subscription_info(reference: str) -> dict[str, Any]:
    """What `subscription-info` prints: the customers named and each of their subscriptions."""
    customers, subscriptions = await find_subscriptions(reference)
    return {
        "customers": [customer_summary(customer) for customer in customers],
        "subscriptions": [await subscription_report(subscription) for subscription in subscriptions],
    }
