"""Applying one stored Stripe event to the mirror: once, in order, then telling the live side.

`process_event(row_id, stripe, publisher)` is what every webhook actor runs:

1. **Claim** the inbox row with one conditional UPDATE (pending/failed, or processing
   with a claim older than `processing_stale_after()`: its worker died), so two workers never
   both apply it. A processed or ignored row is a no-op. While it applies, the worker
   renews its claim (`processing_started_at`) every third of that time, so the window
   can be seconds (`WEBHOOK_PROCESSING_STALE_SECONDS`) without taking a slow, live run over.
   The claim is the row's `attempts` value: completing or releasing the row checks it is
   still ours, so a run whose claim was taken over commits nothing (effects stay once).
2. **Apply** `data.object` to the mirror by event family (`webhooks.families`). A required
   parent that is not mirrored yet (an object made outside the gateway) is fetched
   from Stripe, mirrored, and the write retried.
3. **Order**: the event's `created` is compared with the target row's
   `stripe_event_at` (the `created` of the newest event applied to it):
   older → not written ("stale"); newer → written, `stripe_event_at` = created;
   equal (Stripe's `created` has one-second resolution), or doubt (the row was written
   from an API answer, `stripe_event_at` null, after the event happened) → the object
   is fetched fresh from Stripe and THAT is written. A row never touched by an event
   (null `stripe_event_at`) counts as older than any event. Writes to one object are
   serialized by a transaction-scoped advisory lock (PostgreSQL), so the comparison
   and the write cannot interleave with another worker's, even for a row not created yet.
4. The mirror writes, marking the row `processed` and its audit entry (principal
   `stripe`, operation = event type, outcome `processed` or `stale`) share ONE
   transaction. A permanent failure writes an entry with outcome `failed`. After the
   commit, a `StatusMessage` is published for each payment, invoice or subscription
   whose status changed or was first confirmed by an event (best effort: a failed
   publish is logged, the event stays processed).

Exceptions:

    TransientEventError   Stripe unavailable, database connection lost, deadlock: the row
                          is back to `pending` (on a lost database, as soon as it answers
                          again, within `RELEASE_WAIT_SECONDS`); retry later
    EventNotFoundError    no inbox row with that id (a programming error upstream)

Permanent errors (a malformed object, Stripe refusing a fetch) are not raised: the row
is marked `failed` with the error, and `process_event` returns `EventStatus.FAILED`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import structlog
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DBConnectionError
from tortoise.transactions import in_transaction

from base.db import exception_causes, is_database_unavailable, wait_for_database
from base.error_codes import ErrorCode
from base.ids import to_global_id
from base.settings import Settings, get_settings
from billing.mirror import (
    InvalidStripeObjectError,
    MissingParentError,
    StripeObject,
    stripe_id_of,
    upsert_customer,
    upsert_invoice,
    upsert_payment,
    upsert_payment_method,
    upsert_price,
    upsert_refund,
    upsert_subscription,
)
from billing.mirror.common import Statement, db_value, python_value, quoted
from billing.money_locks import lock_object
from live.bus import StatusKind, StatusMessage, StatusPublisher
from models import (
    AuditEntry,
    Customer,
    EventStatus,
    Invoice,
    Payment,
    PaymentMethod,
    Price,
    Refund,
    Subscription,
    WebhookEvent,
)
from models.base import StripeMirrorModel, uuid7
from stripe_provider.adapter import ProviderError, StripeAdapter
from webhooks.families import family_of

__all__ = [
    "EventNotFoundError",
    "TransientEventError",
    "busy_for",
    "mark_failed",
    "process_event",
    "processing_stale_after",
]


def processing_stale_after(settings: Settings | None = None) -> timedelta:
    """A row whose claim was not renewed for this long belongs to a dead worker and may be claimed again.

    `WEBHOOK_PROCESSING_STALE_SECONDS`, read when called (default: this process's settings). A live
    run renews its claim every third of it (`_keep_claim`), however long its Stripe calls take."""
    return timedelta(seconds=(settings or get_settings()).webhook_processing_stale_seconds)


RELEASE_WAIT_SECONDS: Final = 30.0
"""How long a run that lost the database waits for it to give its row back (else the stale rule does)."""

MAX_ERROR_CHARS: Final = 2000
_MAX_ROUNDS: Final = 5
"""Transaction attempts per event: one per fetched parent and one per refetch, with room to spare."""

log = logging.getLogger("webhooks.apply")


class TransientEventError(Exception):
    """Applying the event failed for a reason that may go away (Stripe or the database unreachable).

    The row is back to `pending` with `last_error`; the actor retries it with backoff.
    """

    def __init__(self, event_row_id: UUID, error: str) -> None:
        super().__init__(f"event row {event_row_id}: {error}")
        self.event_row_id = event_row_id
        self.error = error


class EventNotFoundError(LookupError):
    """No inbox row has this id."""


# --- what one event writes ----------------------------------------------------------------------------------

Fetch = Callable[[StripeAdapter, str], Awaitable[dict[str, Any]]]


class Upsert(Protocol):
    """`upsert(obj, stripe_event_at=…)`: the mirror write (`billing.mirror`), stamping the event's time on the row."""

    def __call__(
        self, obj: StripeObject, *, stripe_event_at: datetime | None = None
    ) -> Awaitable[StripeMirrorModel]: ...


@dataclass(frozen=True)
class _Target:
    """The one mirrored object an event is about, and how to read it fresh from Stripe."""

    model: type[StripeMirrorModel]
    obj: StripeObject
    upsert: Upsert
    fetch: Fetch
    kind: StatusKind | None = None
    """Set for the objects whose status changes are published."""
    fresh: bool = False
    """`obj` was just read from Stripe (not the event's copy): always at least as new as the event."""
    on_fresh: Callable[[StripeObject], StripeObject] = field(default=lambda obj: obj)
    """Adjusts a refetched object (a deleted customer comes back as a stub)."""

    @property
    def stripe_id(self) -> str:
        value = self.obj.get("id")
        if not value:
            raise InvalidStripeObjectError(f"the event's {self.obj.get('object', 'object')} has no id")
        return str(value)


async def _fetch_customer(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("customers", "retrieve", stripe_id)


async def _fetch_payment_method(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("payment_methods", "retrieve", stripe_id)


async def _fetch_subscription(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("subscriptions", "retrieve", stripe_id)


async def _fetch_invoice(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.retrieve_invoice(stripe_id)


async def _fetch_payment_intent(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.retrieve_payment_intent(stripe_id)


async def _fetch_refund(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
    return await stripe.call("refunds", "retrieve", stripe_id)


def _price_fetcher(obj: StripeObject) -> Fetch:
    # A plan event names a plan, a price event a price: ask the endpoint that knows it.
    resource = "plans" if obj.get("object") == "plan" else "prices"

    async def fetch(stripe: StripeAdapter, stripe_id: str) -> dict[str, Any]:
        return await stripe.call(resource, "retrieve", stripe_id)

    return fetch


def _as_deleted_customer(event_obj: StripeObject) -> Callable[[StripeObject], StripeObject]:
    """Stripe answers a deleted customer with a stub `{id, deleted: true}`: keep the event's fields then."""

    def adjust(fetched: StripeObject) -> StripeObject:
        if fetched.get("deleted"):
            return {**event_obj, "deleted": True}
        return fetched

    return adjust


async def _target_of(event: WebhookEvent, family: str, obj: StripeObject, stripe: StripeAdapter) -> _Target | None:
    """What the event writes; None when there is nothing to mirror (a charge of no PaymentIntent)."""
    if family == "customer":
        if event.type == "customer.deleted":
            # The event carries the customer as it was; our row keeps its fields, flagged deleted.
            obj = {**obj, "deleted": True}
        return _Target(Customer, obj, upsert_customer, _fetch_customer, on_fresh=_as_deleted_customer(obj))
    if family == "payment_method":
        return _Target(PaymentMethod, obj, upsert_payment_method, _fetch_payment_method)
    if family == "subscription":
        return _Target(Subscription, obj, upsert_subscription, _fetch_subscription, kind="subscription")
    if family == "invoice":
        return _Target(Invoice, obj, upsert_invoice, _fetch_invoice, kind="invoice")
    if family == "payment_intent":
        return _Target(Payment, obj, upsert_payment, _fetch_payment_intent, kind="payment")
    if family == "price":
        return _Target(Price, obj, upsert_price, _price_fetcher(obj))
    if family == "refund":
        if obj.get("object") == "charge" or event.type.startswith("charge."):
            # charge.refunded: what the mirror keeps is on the PaymentIntent (amount refunded):
            # read it fresh rather than patch it from the charge.
            intent_id = stripe_id_of(obj.get("payment_intent"))
            if intent_id is None:
                return None
            fresh = await _fetch_payment_intent(stripe, intent_id)
            return _Target(Payment, fresh, upsert_payment, _fetch_payment_intent, kind="payment", fresh=True)
        return _Target(Refund, obj, upsert_refund, _fetch_refund)
    raise InvalidStripeObjectError(f"no handler for event family {family!r}")


# --- parents made outside the gateway -----------------------------------------------------------------------


async def _ensure_customer(obj: StripeObject, stripe: StripeAdapter) -> None:
    """Mirror the customer `obj` names when it is not mirrored yet (made in the Dashboard or another app).

    Payment methods and payments link a customer only when mirrored; without this, an
    outside customer's objects would stay unlinked until a reconcile.
    """
    customer_id = stripe_id_of(obj.get("customer"))
    if customer_id is not None and not await Customer.exists(stripe_id=customer_id):
        await _mirror_parent(MissingParentError("customer", customer_id), stripe)


async def _mirror_parent(missing: MissingParentError, stripe: StripeAdapter) -> None:
    """Fetch the missing parent from Stripe and mirror it (its own transaction: it is true whatever the event does)."""
    if missing.object_type == "customer":
        try:
            customer = await _fetch_customer(stripe, missing.stripe_id)
        except ProviderError as exc:
            if exc.code != ErrorCode.NOT_FOUND:
                raise
            # Gone for good at Stripe (localstripe forgets deleted customers): keep what we know.
            customer = {"id": missing.stripe_id, "object": "customer", "deleted": True}
        await upsert_customer(customer)
        return
    if missing.object_type in ("payment_intent", "charge"):
        intent_id = missing.stripe_id
        if missing.object_type == "charge":
            charge = await stripe.call("charges", "retrieve", missing.stripe_id)
            found = stripe_id_of(charge.get("payment_intent"))
            if found is None:
                raise InvalidStripeObjectError(f"charge {missing.stripe_id} belongs to no PaymentIntent")
            intent_id = found
        intent = await _fetch_payment_intent(stripe, intent_id)
        await _ensure_customer(intent, stripe)
        await upsert_payment(intent)
        return
    raise InvalidStripeObjectError(f"cannot fetch a missing {missing.object_type} {missing.stripe_id}")


# --- ordering -----------------------------------------------------------------------------------------------


class _ClaimLost(Exception):
    """The row is no longer ours (another worker took it over as stale): roll back, apply nothing."""


class _NeedsFresh(Exception):
    """The event's copy may not be the newest state: leave the transaction, fetch, try again."""


@dataclass
class _Applied:
    """What one transaction did: a status change to publish, and why nothing was written."""

    message: StatusMessage | None = None
    note: str | None = None
    object_ids: list[str] = field(default_factory=list)
    """Global ids of the objects the event was about (for the audit entry)."""


async def _lock_object(connection: BaseDBAsyncClient, model: type[StripeMirrorModel], stripe_id: str) -> None:
    """Serialize writers of one Stripe object until the transaction ends (also when its row does not exist yet).

    SQLite (embedded mode) serializes all writers already.
    """
    if connection.capabilities.dialect == "postgres":
        await lock_object(connection, f"{model.__name__}:{stripe_id}")


@dataclass(frozen=True)
class _Existing:
    """What the ordering needs of the target's row, read under its lock."""

    id: UUID
    stripe_event_at: datetime | None
    synced_at: datetime | None
    status: str | None


async def _read_existing(
    connection: BaseDBAsyncClient, model: type[StripeMirrorModel], stripe_id: str
) -> _Existing | None:
    """The target's row (the columns `_decide` and the status message need), or None: one prepared SELECT."""
    statement = Statement(connection)
    has_status = "status" in model._meta.fields_map
    columns = ("id", "stripe_event_at", "synced_at", "status") if has_status else ("id", "stripe_event_at", "synced_at")
    sql = (
        f'SELECT {quoted(columns)} FROM "{model._meta.db_table}" '  # noqa: S608 - fixed names
        f'WHERE "stripe_id" = {statement.param(stripe_id)}'
    )
    rows = await connection.execute_query_dict(sql, statement.params)
    if not rows:
        return None
    row = rows[0]
    return _Existing(
        id=python_value(model, "id", row["id"]),
        stripe_event_at=python_value(model, "stripe_event_at", row["stripe_event_at"]),
        synced_at=python_value(model, "synced_at", row["synced_at"]),
        status=row["status"] if has_status else None,
    )


def _decide(event_at: datetime, existing: _Existing | None) -> str:
    """`apply`, `stale` or `refetch` for an event's copy of an object, given the object's row."""
    if existing is None:
        return "apply"
    applied_at = existing.stripe_event_at
    if applied_at is None:
        # Written from an API answer (a mutation, a reconcile, a fetched parent) only. If
        # that answer was read after the event happened it may be newer: doubt, so refetch.
        synced = existing.synced_at
        return "refetch" if synced is not None and synced >= event_at else "apply"
    if event_at < applied_at:
        return "stale"
    if event_at > applied_at:
        return "apply"
    return "refetch"  # Same second: the order of the two events is unknowable from `created`.


_CUSTOMER_LINKED: Final[tuple[type[StripeMirrorModel], ...]] = (PaymentMethod, Payment)
"""Targets whose customer link is optional in the mirror, but which an event only writes with it."""


def _check_customer_linked(target: _Target, row: StripeMirrorModel) -> None:
    """Raise `MissingParentError` when the object names a customer that is not mirrored yet.

    The upsert links the customer only when its row exists; raising here rolls the write
    back, so the customer is fetched first (`_apply`) and the write redone with the link.
    """
    if target.model in _CUSTOMER_LINKED and getattr(row, "customer_id", None) is None:
        customer_id = stripe_id_of(target.obj.get("customer"))
        if customer_id is not None:
            raise MissingParentError("customer", customer_id)


async def _apply_in_transaction(event: WebhookEvent, target: _Target | None) -> _Applied:
    """The mirror write (ordered) and the inbox row's completion, in one transaction."""
    applied = _Applied()
    event_at = event.stripe_created
    async with in_transaction() as connection:
        if target is None:
            applied.note = "nothing to mirror"
        else:
            stripe_id = target.stripe_id
            await _lock_object(connection, target.model, stripe_id)
            existing = await _read_existing(connection, target.model, stripe_id)
            decision = "apply" if target.fresh else _decide(event_at, existing)
            if decision == "refetch":
                raise _NeedsFresh
            if decision == "stale":
                applied.note = "stale"
                if existing is not None:
                    applied.object_ids.append(str(to_global_id(target.model.__name__, existing.id)))
            else:
                previous_status = existing.status if existing is not None else None
                newest = event_at
                if existing is not None and existing.stripe_event_at is not None:
                    # A fresh object is at least as new as the newest event applied before.
                    newest = max(newest, existing.stripe_event_at)
                row = await target.upsert(target.obj, stripe_event_at=newest)
                _check_customer_linked(target, row)
                applied.object_ids.append(str(to_global_id(target.model.__name__, row.id)))
                status: str | None = getattr(row, "status", None)
                # The first event for a row our own API answer wrote is Stripe's confirmation of that
                # status: subscribers hear of it even when the answer already had it (previous: none).
                first_confirmation = existing is not None and existing.stripe_event_at is None
                if first_confirmation and status == previous_status:
                    previous_status = None
                changed = existing is None or status != previous_status
                if target.kind is not None and status is not None and changed:
                    customer_id = getattr(row, "customer_id", None)
                    applied.message = StatusMessage(
                        kind=target.kind,
                        object_id=str(row.id),
                        stripe_id=row.stripe_id,
                        customer_id=None if customer_id is None else str(customer_id),
                        status=status,
                        previous_status=previous_status,
                        event_id=event.stripe_event_id,
                        occurred_at=event_at,
                    )
        await _complete(connection, event, "stale" if applied.note == "stale" else "processed", applied)
    return applied


async def _complete(connection: BaseDBAsyncClient, event: WebhookEvent, outcome: str, applied: _Applied) -> None:
    """Mark the inbox row `processed` and write its audit entry, in the caller's transaction.

    PostgreSQL: one statement (the UPDATE in a data-modifying WITH); SQLite: two. The
    columns are those `WebhookEvent.filter(…).update(…)` and `AuditEntry.create(…)` write.
    """
    now = datetime.now(UTC)
    statement = Statement(connection)
    param = statement.param
    done = (
        f'UPDATE "webhook_events" SET "status" = {param(EventStatus.PROCESSED.value)}, '  # noqa: S608 - fixed names
        f'"processed_at" = {param(db_value(WebhookEvent, "processed_at", now))}, "last_error" = NULL '
        f'WHERE "id" = {param(db_value(WebhookEvent, "id", event.id))} '
        f'AND "status" = {param(EventStatus.PROCESSING.value)} AND "attempts" = {param(event.attempts)}'
    )
    postgres = connection.capabilities.dialect == "postgres"
    if not postgres:
        updated, _ = await connection.execute_query(done, statement.params)
        if not updated:
            raise _ClaimLost
        statement = Statement(connection)
        param = statement.param
    entry = {
        "id": uuid7(),
        "occurred_at": now,
        "principal": AUDIT_PRINCIPAL,
        "operation": event.type[:64],
        "object_ids": list(applied.object_ids),
        "stripe_event_id": event.stripe_event_id,
        "outcome": outcome,
    }
    audit = (
        f'INSERT INTO "audit_entries" ({quoted(entry)}) '  # noqa: S608 - fixed names
        f"VALUES ({', '.join(param(db_value(AuditEntry, name, value)) for name, value in entry.items())})"
    )
    if not postgres:
        await connection.execute_query(audit, statement.params)
        return
    # Still one statement: the INSERT reports whether the UPDATE found the row still ours.
    rows = await connection.execute_query_dict(
        f'WITH done AS ({done} RETURNING 1) {audit} RETURNING (SELECT count(*) FROM done) AS "claimed"',  # noqa: S608
        statement.params,
    )
    if not rows or not rows[0]["claimed"]:
        raise _ClaimLost


AUDIT_PRINCIPAL: Final = "stripe"


async def _audit(event_type: str, stripe_event_id: str, outcome: str, applied: _Applied | None = None) -> None:
    """The audit entry of one applied (or failed) event; in the caller's transaction when there is one."""
    await AuditEntry.create(
        principal=AUDIT_PRINCIPAL,
        operation=event_type[:64],
        object_ids=list(applied.object_ids) if applied is not None else [],
        stripe_event_id=stripe_event_id,
        outcome=outcome,
    )


async def _audit_failure(event_type: str, stripe_event_id: str) -> None:
    """Best effort: a database that is down too only gets a log line."""
    try:
        await _audit(event_type, stripe_event_id, "failed")
    except Exception:
        log.exception("could not write the audit entry of failed event %s", stripe_event_id)


async def _apply(event: WebhookEvent, family: str, stripe: StripeAdapter) -> _Applied:
    """Apply a claimed event; fetches parents and fresh copies between transaction attempts."""
    data = event.payload.get("data") if isinstance(event.payload, Mapping) else None
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        raise InvalidStripeObjectError(f"event {event.stripe_event_id} has no data.object")
    target = await _target_of(event, family, obj, stripe)
    # A customer the object names but the mirror lacks is found inside the transaction
    # (`_check_customer_linked`), which rolls back and lands in `MissingParentError` below.
    parents_fetched: set[tuple[str, str]] = set()
    for _ in range(_MAX_ROUNDS):
        try:
            return await _apply_in_transaction(event, target)
        except _NeedsFresh:
            assert target is not None  # only raised for a target
            try:
                fetched: StripeObject = target.on_fresh(await target.fetch(stripe, target.stripe_id))
            except ProviderError as exc:
                if exc.code != ErrorCode.NOT_FOUND:
                    raise
                # Gone at Stripe: the event's copy is the last word there will be.
                fetched = target.on_fresh({**target.obj, "deleted": True}) if target.model is Customer else target.obj
            target = _Target(
                target.model, fetched, target.upsert, target.fetch, target.kind, fresh=True, on_fresh=target.on_fresh
            )
        except MissingParentError as missing:
            key = (missing.object_type, missing.stripe_id)
            if key in parents_fetched:
                raise  # Fetched already and still missing: not something a retry fixes.
            parents_fetched.add(key)
            await _mirror_parent(missing, stripe)
    raise InvalidStripeObjectError(f"event {event.stripe_event_id} could not be applied in {_MAX_ROUNDS} attempts")


# --- the inbox row's life -----------------------------------------------------------------------------------


_CLAIM_RETURNS: Final = tuple(WebhookEvent._meta.fields_db_projection.values())
"""Every column of `webhook_events`: the claim returns the whole row."""


async def _claim(event_row_id: UUID, stale_after: timedelta) -> WebhookEvent | None:
    """Move the row to `processing` if nobody else may be applying it; the row when this call got it, else None.

    One UPDATE with the condition in its WHERE: under concurrency PostgreSQL re-checks
    the condition on the row version the other worker committed, so only one wins. Its
    RETURNING reads the claimed row in the same statement.
    """
    now = datetime.now(UTC)
    connection = Tortoise.get_connection("default")
    statement = Statement(connection)
    param = statement.param
    at = db_value(WebhookEvent, "processing_started_at", now)
    sql = (
        f'UPDATE "webhook_events" SET "status" = {param(EventStatus.PROCESSING.value)}, '  # noqa: S608 - fixed names
        f'"attempts" = "attempts" + 1, "processing_started_at" = {param(at)} '
        f'WHERE "id" = {param(db_value(WebhookEvent, "id", event_row_id))} AND ('
        f'"status" IN ({param(EventStatus.PENDING.value)}, {param(EventStatus.FAILED.value)}) '
        f'OR ("status" = {param(EventStatus.PROCESSING.value)} AND ('
        f'"processing_started_at" < {param(db_value(WebhookEvent, "processing_started_at", now - stale_after))} '
        f'OR "processing_started_at" IS NULL))) '
        f"RETURNING {quoted(_CLAIM_RETURNS)}"
    )
    rows = await connection.execute_query_dict(sql, statement.params)
    return WebhookEvent._init_from_db(**rows[0]) if rows else None


_TRANSIENT_DB_ERRORS: Final[tuple[type[BaseException], ...]] = (
    DBConnectionError,
    ConnectionError,
    TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


def _is_transient(exc: BaseException) -> bool:
    """True when a later retry may succeed: Stripe unavailable, the database unreachable or a lost race."""
    for cause in exception_causes(exc):
        if isinstance(cause, ProviderError):
            return cause.transient
        if isinstance(cause, _TRANSIENT_DB_ERRORS):
            return True
    return False


def _describe(exc: BaseException) -> str:
    """`Type: message`, bounded; our exceptions and ProviderError carry ids and codes, never secrets."""
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


async def _set_status(event: WebhookEvent, status: EventStatus, error: str) -> None:
    """Record the outcome of a failed attempt, waiting up to RELEASE_WAIT_SECONDS for a database that is down.

    Only our own claim is released: a row another worker took over meanwhile is left alone.
    Giving the row back at once (rather than leaving it `processing` until it looks stale)
    is what lets the retry, or another worker, apply it within seconds of the database's return.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RELEASE_WAIT_SECONDS
    while True:
        try:
            await WebhookEvent.filter(id=event.id, status=EventStatus.PROCESSING, attempts=event.attempts).update(
                status=status, last_error=error[:MAX_ERROR_CHARS]
            )
            return
        except Exception as exc:
            remaining = deadline - loop.time()
            if is_database_unavailable(exc) and remaining > 0 and await wait_for_database(remaining):
                continue
            # The row stays `processing`; it is taken back once its claim is `processing_stale_after()` old.
            log.exception("could not record the failure of event row %s", event.id)
            return


async def _keep_claim(event: WebhookEvent, every: float) -> None:
    """Renew our claim on the row every `every` s while the run lasts (cancelled when it ends)."""
    while True:
        await asyncio.sleep(every)
        try:
            await WebhookEvent.filter(id=event.id, status=EventStatus.PROCESSING, attempts=event.attempts).update(
                processing_started_at=datetime.now(UTC)
            )
        except Exception as exc:
            log.warning("could not renew the claim on event row %s: %r", event.id, exc)


async def process_event(
    event_row_id: UUID,
    stripe: StripeAdapter,
    publisher: StatusPublisher,
    *,
    stale_after: timedelta | None = None,
) -> EventStatus:
    """Apply the stored event `event_row_id` to the mirror; idempotent. Returns the row's status afterwards.

    PROCESSED (applied, or stale/nothing to write), IGNORED (a type the gateway does not
    apply), FAILED (a permanent error, recorded on the row). A row that is processed,
    ignored, or being processed by another live worker is left as it is and its status
    returned. Raises `TransientEventError` (row back to pending: retry later) and
    `EventNotFoundError`. Its log lines carry `event_row_id`, and `event_id` (Stripe's) and
    `event_type` once the row is read.
    """
    with structlog.contextvars.bound_contextvars(event_row_id=str(event_row_id)):
        return await _process_event(event_row_id, stripe, publisher, stale_after or processing_stale_after())


async def _process_event(
    event_row_id: UUID, stripe: StripeAdapter, publisher: StatusPublisher, stale_after: timedelta
) -> EventStatus:
    event = await _claim(event_row_id, stale_after)
    if event is None:
        current = await WebhookEvent.filter(id=event_row_id).only("id", "status").first()
        if current is None:
            raise EventNotFoundError(f"no webhook event row {event_row_id}")
        return EventStatus(current.status)
    renewal = asyncio.create_task(_keep_claim(event, stale_after.total_seconds() / 3))
    try:
        with structlog.contextvars.bound_contextvars(event_id=event.stripe_event_id, event_type=event.type):
            return await _process_claimed(event, stripe, publisher)
    finally:
        renewal.cancel()


async def _process_claimed(event: WebhookEvent, stripe: StripeAdapter, publisher: StatusPublisher) -> EventStatus:
    event_row_id = event.id
    family = family_of(event.type)
    if family is None:
        await WebhookEvent.filter(id=event_row_id).update(status=EventStatus.IGNORED, processed_at=datetime.now(UTC))
        return EventStatus.IGNORED
    try:
        applied = await _apply(event, family, stripe)
    except _ClaimLost:
        log.warning(
            "event %s (%s): taken over by another worker; this run applied nothing", event.stripe_event_id, event.type
        )
        current = await WebhookEvent.filter(id=event_row_id).only("id", "status").first()
        return EventStatus(current.status) if current is not None else EventStatus.PROCESSING
    except Exception as exc:
        error = _describe(exc)
        if _is_transient(exc) or is_database_unavailable(exc):
            log.warning("event %s (%s): transient failure, will retry: %s", event.stripe_event_id, event.type, error)
            await _set_status(event, EventStatus.PENDING, error)
            raise TransientEventError(event_row_id, error) from exc
        log.error("event %s (%s) failed: %s", event.stripe_event_id, event.type, error)
        await _set_status(event, EventStatus.FAILED, error)
        await _audit_failure(event.type, event.stripe_event_id)
        return EventStatus.FAILED
    if applied.note is not None:
        log.info("event %s (%s) processed: %s", event.stripe_event_id, event.type, applied.note)
    if applied.message is not None:
        try:
            await publisher.publish(applied.message)
        except Exception:
            # The mirror is committed and true; a lost live message only delays a UI update.
            log.exception("event %s: publishing the status message failed", event.stripe_event_id)
    return EventStatus.PROCESSED


async def busy_for(event_row_id: UUID, stale_after: timedelta) -> float:
    """Seconds until the claim on a `processing` row would be stale (at least 0.2 s)."""
    row = await WebhookEvent.filter(id=event_row_id).only("id", "processing_started_at").first()
    started = row.processing_started_at if row is not None else None
    if started is None:
        return 0.2
    return max((started + stale_after - datetime.now(UTC)).total_seconds(), 0.0) + 0.2


async def mark_failed(event_row_id: UUID, error: str) -> None:
    """Mark the row failed with `error` (the actor's retries are exhausted); a processed or ignored row stays so."""
    # A row already failed has its audit entry: only a row that fails now gets one.
    newly_failed = await WebhookEvent.filter(
        id=event_row_id, status__in=[EventStatus.PENDING, EventStatus.PROCESSING]
    ).update(status=EventStatus.FAILED, last_error=error[:MAX_ERROR_CHARS])
    if not newly_failed:
        await WebhookEvent.filter(id=event_row_id, status=EventStatus.FAILED).update(last_error=error[:MAX_ERROR_CHARS])
        return
    event = await WebhookEvent.filter(id=event_row_id).only("id", "type", "stripe_event_id").first()
    if event is not None:
        await _audit_failure(event.type, event.stripe_event_id)
