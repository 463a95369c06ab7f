"""The transactional outbox writer: a mirror change's domain event, in the transaction of the change.

`record_changes(rows, occurred_at=…)` is called INSIDE the transaction that wrote the rows: the
mutation path (`billing.mutations`, after the ledger row and the audit entry) and the worker's
apply (`webhooks.apply`, after the inbox row's completion). It writes at most one
`models.OutboxEvent` per row, so the event commits or rolls back with the change itself: a
gateway killed after the commit still has the event (docs/decisions/0051-transactional-outbox.md).

One change, one event. The type is decided by comparing the row, rendered as the GraphQL API
shows it (`render`), with the data of the object's LATEST event: a status transition
(`payment.succeeded`, `subscription.canceled`, …) is written once per object until another event
of the object came between; an `*.updated` event only when the rendered data differs. So the
webhook that confirms what a mutation already wrote (or Stripe's retry of one) adds nothing.

Order: every writer takes one transaction-level advisory lock (`OUTBOX_LOCK`) before it reads the
latest events and inserts; it holds it until its commit, so `sequence` (a BIGSERIAL) is handed out
in commit order and a reader paging with `sequence > cursor` never skips a row committed late.
The lock is taken at the END of each transaction (its last statements), so it is held only
for the insert and the commit.

Reading (`pending_events`): rows in `sequence` order after a cursor; the envelope of a row is
`envelope(row)` (`id`, `type`, `occurredAt`, `schemaVersion`, `sequence`, `object`, `data`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from base.ids import to_global_id
from models import Customer, Dispute, Invoice, OutboxEvent, Payment, PaymentMethod, Refund, Subscription

__all__ = [
    "OUTBOX_LOCK",
    "SCHEMA_VERSION",
    "Change",
    "Recorded",
    "envelope",
    "event_type",
    "object_global_id",
    "pending_events",
    "record_changes",
    "render",
]

SCHEMA_VERSION: Final = 1
"""The envelope's and every type's data schema version (`billing.event_catalogue`)."""

OUTBOX_LOCK: Final = 0x6F7574626F78
"""The transaction-level advisory lock key every outbox writer holds from its insert to its commit ("outbox")."""

_TRANSITIONS: Final = frozenset(
    {
        "customer.created",
        "customer.deleted",
        "payment_method.attached",
        "payment_method.detached",
        "subscription.created",
        "subscription.paused",
        "subscription.resumed",
        "subscription.canceled",
        "invoice.paid",
        "invoice.voided",
        "payment.succeeded",
        "payment.requires_action",
        "refund.created",
        "dispute.created",
        "dispute.closed",
    }
)
"""Types written once per object until another event of the object comes between (the rest: only on a data change)."""

_DISPUTE_CLOSED: Final = frozenset({"won", "lost", "warning_closed", "charge_refunded"})


def _time(value: datetime | None) -> str | None:
    """A date-time as the GraphQL DateTime scalar serializes it (RFC 3339, UTC offset)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _enum(value: str | None) -> str | None:
    """A Stripe status as the GraphQL enum shows it (its member name)."""
    return None if value is None else value.upper()


def _created(row: Any) -> str | None:
    return _time(row.stripe_created or row.created_at)


def _customer(row: Customer) -> dict[str, Any]:
    return {
        "id": to_global_id("Customer", row.id),
        "stripeId": row.stripe_id,
        "email": row.email,
        "name": row.name,
        "metadata": dict(row.metadata or {}),
        "createdAt": _created(row),
    }


def _payment_method(row: PaymentMethod) -> dict[str, Any]:
    return {
        "id": to_global_id("PaymentMethod", row.id),
        "stripeId": row.stripe_id,
        "type": row.type,
        "brand": row.brand,
        "last4": row.last4,
        "expMonth": row.exp_month,
        "expYear": row.exp_year,
    }


def _subscription(row: Subscription) -> dict[str, Any]:
    pause = (
        None
        if row.pause_behavior is None
        else {"behavior": _enum(row.pause_behavior), "resumesAt": _time(row.pause_resumes_at)}
    )
    return {
        "id": to_global_id("Subscription", row.id),
        "stripeId": row.stripe_id,
        "status": _enum(row.status),
        "priceId": row.price_stripe_id,
        "quantity": row.quantity,
        "currentPeriodStart": _time(row.current_period_start),
        "currentPeriodEnd": _time(row.current_period_end),
        "cancelAtPeriodEnd": row.cancel_at_period_end,
        "canceledAt": _time(row.canceled_at),
        "pauseCollection": pause,
        "createdAt": _created(row),
        "pastDueSince": _time(row.past_due_since),
    }


def _invoice(row: Invoice) -> dict[str, Any]:
    return {
        "id": to_global_id("Invoice", row.id),
        "stripeId": row.stripe_id,
        "status": _enum(row.status),
        "amountDue": row.amount_due,
        "amountPaid": row.amount_paid,
        "amountRemaining": row.amount_remaining,
        "total": row.total,
        "totalDiscountAmount": row.total_discount_amount,
        "currency": row.currency,
        "number": row.number,
        "hostedInvoiceUrl": row.hosted_invoice_url,
        "periodStart": _time(row.period_start),
        "periodEnd": _time(row.period_end),
        "createdAt": _created(row),
        "attemptCount": row.attempt_count,
        "nextPaymentAttempt": _time(row.next_payment_attempt),
    }


def _payment(row: Payment) -> dict[str, Any]:
    return {
        "id": to_global_id("Payment", row.id),
        "stripeId": row.stripe_id,
        "status": _enum(row.status),
        "amount": row.amount,
        "amountReceived": row.amount_received,
        "amountRefunded": row.amount_refunded,
        "currency": row.currency,
        "description": row.description,
        "failureCode": row.failure_code,
        "declineCode": row.decline_code,
        "failureMessage": row.failure_message,
        "createdAt": _created(row),
    }


def _refund(row: Refund) -> dict[str, Any]:
    return {
        "id": to_global_id("Refund", row.id),
        "stripeId": row.stripe_id,
        "amount": row.amount,
        "currency": row.currency,
        "status": _enum(row.status),
        "reason": row.reason,
        "createdAt": _created(row),
        "paymentId": to_global_id("Payment", row.payment_id),  # type: ignore[arg-type]
    }


def _dispute(row: Dispute) -> dict[str, Any]:
    return {
        "id": to_global_id("Dispute", row.id),
        "stripeId": row.stripe_id,
        "status": _enum(row.status),
        "amount": row.amount,
        "currency": row.currency,
        "reason": row.reason,
        "evidenceDueBy": _time(row.evidence_due_by),
        "createdAt": _created(row),
        "paymentId": to_global_id("Payment", row.payment_id),  # type: ignore[arg-type]
    }


_RENDERERS: Final[dict[type[Model], tuple[str, Any]]] = {
    Customer: ("customer", _customer),
    PaymentMethod: ("payment_method", _payment_method),
    Subscription: ("subscription", _subscription),
    Invoice: ("invoice", _invoice),
    Payment: ("payment", _payment),
    Refund: ("refund", _refund),
    Dispute: ("dispute", _dispute),
}
"""The models with domain events: their object kind (the type's prefix) and renderer."""


def render(row: Model) -> tuple[str, dict[str, Any]] | None:
    """The object's kind and its data as the GraphQL API shows it (scalar fields; the payment as `paymentId`).

    None for a model without domain events (a price, a customer session).
    """
    entry = _RENDERERS.get(type(row))
    if entry is None:
        return None
    kind, renderer = entry
    return kind, renderer(row)


def object_global_id(row: Model) -> str:
    """The GraphQL global id an object's events are filed under (`OutboxEvent.object_id`)."""
    return str(to_global_id(type(row).__name__, row.pk))


async def _customer_of(row: Model, client: BaseDBAsyncClient) -> str | None:
    """The global id of the row's customer (a refund's: its payment's)."""
    if isinstance(row, Customer):
        return str(to_global_id("Customer", row.id))
    value: Any
    if isinstance(row, Refund):
        payment = await Payment.filter(id=row.payment_id).using_db(client).only("id", "customer_id").first()
        value = None if payment is None else payment.customer_id
    else:
        value = getattr(row, "customer_id", None)
    return None if value is None else str(to_global_id("Customer", value))


def event_type(row: Model, data: dict[str, Any], last_type: str | None, last_data: dict[str, Any] | None) -> str | None:
    """The event a row's new state makes, given the object's latest event (None: none yet); None when none.

    `last_data` plays the part of the previous state: it is what subscribers were last told.
    """
    changed = data != last_data
    if isinstance(row, Customer):
        if row.deleted:
            return "customer.deleted"
        return "customer.created" if last_type is None else ("customer.updated" if changed else None)
    if isinstance(row, PaymentMethod):
        if row.detached_at is not None or row.customer_id is None:  # type: ignore[attr-defined]
            return "payment_method.detached"
        if last_type in (None, "payment_method.detached"):
            return "payment_method.attached"
        return "payment_method.updated" if changed else None
    previous_status = None if last_data is None else last_data.get("status")
    status = data.get("status")
    if isinstance(row, Subscription):
        if last_type is None:
            return "subscription.created"
        if status == "CANCELED":
            return "subscription.canceled"
        paused = data["pauseCollection"] is not None or status == "PAUSED"
        was_paused = last_data is not None and (
            last_data.get("pauseCollection") is not None or previous_status == "PAUSED"
        )
        if paused and not was_paused:
            return "subscription.paused"
        if was_paused and not paused:
            return "subscription.resumed"
        return "subscription.updated" if changed else None
    if isinstance(row, Invoice):
        return {"PAID": "invoice.paid", "VOID": "invoice.voided"}.get(str(status))
    if isinstance(row, Payment):
        if status == "SUCCEEDED":
            return "payment.succeeded"
        if status == "REQUIRES_ACTION":
            return "payment.requires_action"
        if data.get("failureCode") and status in ("REQUIRES_PAYMENT_METHOD", "CANCELED"):
            return "payment.failed" if changed else None
        return None
    if isinstance(row, Refund):
        return "refund.created" if last_type is None else ("refund.updated" if changed else None)
    if isinstance(row, Dispute):
        if last_type is None:
            return "dispute.created"
        if row.status in _DISPUTE_CLOSED:
            return "dispute.closed"
        return "dispute.updated" if changed else None
    return None


class Change:
    """One row written by a transaction, and optionally the event type it must make (`invoice.payment_failed`)."""

    __slots__ = ("forced_type", "row")

    def __init__(self, row: Model, forced_type: str | None = None) -> None:
        self.row = row
        self.forced_type = forced_type


@dataclass
class Recorded:
    """What `record_changes` did: the events written, and each judged object's latest event's cursor."""

    written: list[OutboxEvent] = field(default_factory=list)
    latest: dict[str, int] = field(default_factory=dict)
    """GraphQL global id → `sequence` of its newest event after the call (a new one, or the one that told it)."""


async def record_changes(
    changes: Iterable[Change | Model],
    *,
    occurred_at: datetime | None = None,
    connection: BaseDBAsyncClient | None = None,
) -> Recorded:
    """Write the domain events of `changes` (rows just written) in the caller's open transaction.

    `occurred_at`: when the change happened (a Stripe event's `created`; default now, UTC). Rows
    without domain events are skipped; a row seen twice in `changes` is judged once per entry, in order.
    """
    wanted = [change if isinstance(change, Change) else Change(change) for change in changes]
    wanted = [change for change in wanted if type(change.row) in _RENDERERS]
    recorded = Recorded()
    if not wanted:
        return recorded
    client = connection or connections.get("default")
    if client.capabilities.dialect == "postgres":
        await client.execute_query("SELECT pg_advisory_xact_lock($1)", [OUTBOX_LOCK])
    when = occurred_at or datetime.now(UTC)
    for change in wanted:
        rendered = render(change.row)
        assert rendered is not None  # filtered above
        kind, data = rendered
        object_id = str(data["id"])
        last = await OutboxEvent.filter(object_id=object_id).using_db(client).order_by("-sequence").first()
        last_type = None if last is None else last.type
        last_data = None if last is None else last.data
        if last is not None:
            recorded.latest.setdefault(object_id, last.sequence)
        kind_type = change.forced_type or event_type(change.row, data, last_type, last_data)
        if kind_type is None:
            continue
        if last_type == kind_type and (kind_type in _TRANSITIONS or last_data == data):
            continue  # the same transition (or the same state) told already: a webhook confirming a mutation
        event = await OutboxEvent.create(
            type=kind_type,
            occurred_at=when,
            object_kind=kind,
            object_id=object_id,
            customer_id=await _customer_of(change.row, client),
            data=data,
            schema_version=SCHEMA_VERSION,
            using_db=client,
        )
        recorded.written.append(event)
        recorded.latest[object_id] = event.sequence
    return recorded


def envelope(event: OutboxEvent) -> dict[str, Any]:
    """The event as it leaves the gateway (feed, webhooks, stream sinks): validated by `billing.event_catalogue`."""
    return {
        "id": str(event.id),
        "type": event.type,
        "occurredAt": _time(event.occurred_at),
        "schemaVersion": event.schema_version,
        "sequence": event.sequence,
        "object": {"kind": event.object_kind, "id": event.object_id, "customerId": event.customer_id},
        "data": event.data,
    }


async def pending_events(
    after: int | None = None, *, types: Sequence[str] | None = None, limit: int = 100
) -> list[OutboxEvent]:
    """Events with `sequence > after` (all when None), oldest first, at most `limit`; only `types` when given."""
    query = OutboxEvent.all()
    if after is not None:
        query = query.filter(sequence__gt=after)
    if types:
        query = query.filter(type__in=list(types))
    return await query.order_by("sequence").limit(limit)
