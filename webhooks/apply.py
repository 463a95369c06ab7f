"""Applying one claimed event: the transaction that writes the mirror in order and completes the inbox row.

`apply_event(event, family, stripe)` writes `data.object` to the mirror by event family
(`webhooks.targets`), ordered against what the row already holds (`webhooks.ordering`). A
required parent that is not mirrored yet (an object made outside the gateway) is fetched
from Stripe and mirrored (`billing.parents`), and the write retried; an event whose copy may
not be the newest is retried with the object read fresh.

The mirror write, marking the row `processed`, its audit entry (principal
`billing.audit.WEBHOOK_PRINCIPAL`, operation = event type, outcome `processed` or `stale`)
and the domain events of the change (`billing.outbox`: none when the event repeats what a
mutation already wrote) share ONE transaction. A row whose claim was taken over meanwhile commits nothing
(`webhooks.claims.ClaimLost`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from base.ids import to_global_id
from billing import outbox
from billing.audit import WEBHOOK_PRINCIPAL, Entry, entry_values
from billing.mirror import InvalidStripeObjectError, MissingParentError, StripeObject
from billing.mirror.common import Statement, db_value, quoted
from billing.parents import mirror_parent
from live.bus import StatusMessage
from models import AuditEntry, EventStatus, Invoice, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from webhooks.claims import ClaimLost
from webhooks.dunning import failed_intent, record_failure
from webhooks.ordering import decide, lock_target, read_existing
from webhooks.targets import Target, check_customer_linked, refetched, target_of

__all__ = ["Applied", "apply_event"]

_MAX_ROUNDS: Final = 5
"""Transaction attempts per event: one per fetched parent and one per refetch, with room to spare."""


class _NeedsFresh(Exception):
    """The event's copy may not be the newest state: leave the transaction, fetch, try again."""


@dataclass
class Applied:
    """What one transaction did: a status change to publish, and why nothing was written."""

    message: StatusMessage | None = None
    note: str | None = None
    object_ids: list[str] = field(default_factory=list)
    """Global ids of the objects the event was about (for the audit entry)."""
    failure: StatusMessage | None = None
    """A failed payment attempt of an invoice to push (`paymentFailed`, `webhooks.dunning`), once per attempt."""


async def apply_event(event: WebhookEvent, family: str, stripe: StripeAdapter) -> Applied:
    """Apply a claimed event; fetches parents and fresh copies between transaction attempts.

    Raises `ClaimLost` (nothing committed), `MissingParentError` / `InvalidStripeObjectError`
    (permanent), and whatever Stripe or the database raise.
    """
    data = event.payload.get("data") if isinstance(event.payload, Mapping) else None
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(obj, Mapping):
        raise InvalidStripeObjectError(f"event {event.stripe_event_id} has no data.object")
    target = await target_of(event, family, obj, stripe)
    intent = await failed_intent(event, obj, stripe)
    # A customer the object names but the mirror lacks is found inside the transaction
    # (`check_customer_linked`), which rolls back and lands in `MissingParentError` below.
    parents_fetched: set[tuple[str, str]] = set()
    for _ in range(_MAX_ROUNDS):
        try:
            return await _apply_in_transaction(event, target, intent)
        except _NeedsFresh:
            assert target is not None  # only raised for a target
            target = await refetched(target, stripe)
        except MissingParentError as missing:
            key = (missing.object_type, missing.stripe_id)
            if key in parents_fetched:
                raise  # Fetched already and still missing: not something a retry fixes.
            parents_fetched.add(key)
            await mirror_parent(missing, stripe)
    raise InvalidStripeObjectError(f"event {event.stripe_event_id} could not be applied in {_MAX_ROUNDS} attempts")


async def _apply_in_transaction(
    event: WebhookEvent, target: Target | None, intent: StripeObject | None = None
) -> Applied:
    """The mirror write (ordered) and the inbox row's completion, in one transaction.

    `intent`: the PaymentIntent of an invoice's failed attempt (`webhooks.dunning.failed_intent`), mirrored here too.
    """
    applied = Applied()
    event_at = event.stripe_created
    changes: list[outbox.Change] = []
    async with in_transaction() as connection:
        if target is None:
            applied.note = "nothing to mirror"
        else:
            stripe_id = target.stripe_id
            await lock_target(connection, target.model, stripe_id)
            existing = await read_existing(connection, target.model, stripe_id)
            decision = "apply" if target.fresh else decide(event_at, existing)
            if decision == "refetch":
                raise _NeedsFresh
            if decision == "stale":
                applied.note = "stale"
                if existing is not None:
                    applied.object_ids.append(str(to_global_id(target.model.__name__, existing.id)))
                    if target.model is Invoice:  # a newer event applied first: the failure still happened
                        stale_row = await Invoice.get(id=existing.id)
                        applied.failure = await record_failure(event, stale_row, intent)
                        if applied.failure is not None and applied.failure.status == "failed":
                            changes.append(outbox.Change(stale_row, "invoice.payment_failed"))
            else:
                previous_status = existing.status if existing is not None else None
                newest = event_at
                if existing is not None and existing.stripe_event_at is not None:
                    # A fresh object is at least as new as the newest event applied before.
                    newest = max(newest, existing.stripe_event_at)
                row = await target.upsert(target.obj, stripe_event_at=newest)
                check_customer_linked(target, row)
                changes.append(outbox.Change(row))
                if isinstance(row, Invoice):
                    applied.failure = await record_failure(event, row, intent)
                    if applied.failure is not None and applied.failure.status == "failed":
                        changes.append(outbox.Change(row, "invoice.payment_failed"))
                applied.object_ids.append(str(to_global_id(target.model.__name__, row.id)))
                status: str | None = getattr(row, "status", None)
                # The first event for a row our own API answer wrote is Stripe's confirmation of that
                # status: subscribers hear of it even when the answer already had it (previous: none).
                first_confirmation = existing is not None and existing.stripe_event_at is None
                if first_confirmation and status == previous_status:
                    previous_status = None
                changed = existing is None or status != previous_status or _attributes_changed(event, target)
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
        # Last: the outbox lock is held from here to the commit only (`billing.outbox`).
        recorded = await outbox.record_changes(changes, occurred_at=event_at, connection=connection)
    # Live frames carry the cursor of the event that tells their change (`StatusMessage.sequence`): the one
    # written now, or the object's latest (Stripe confirming what a mutation's event already told).
    failed = [event_row.sequence for event_row in recorded.written if event_row.type == "invoice.payment_failed"]
    if applied.failure is not None and failed:
        applied.failure = replace(applied.failure, sequence=failed[-1])
    if applied.message is not None and changes:
        sequence = recorded.latest.get(outbox.object_global_id(changes[0].row))
        applied.message = replace(applied.message, sequence=sequence)
    return applied


def _attributes_changed(event: WebhookEvent, target: Target) -> bool:
    """Whether the event says one of the target's published attributes changed (`data.previous_attributes`).

    Stripe's own account of the change, not a comparison with the row: a mutation's answer may have
    written the new value before its event arrives.
    """
    if not target.published_attributes:
        return False
    data = event.payload.get("data") if isinstance(event.payload, Mapping) else None
    previous = data.get("previous_attributes") if isinstance(data, Mapping) else None
    return isinstance(previous, Mapping) and not target.published_attributes.isdisjoint(previous)


async def _complete(connection: BaseDBAsyncClient, event: WebhookEvent, outcome: str, applied: Applied) -> None:
    """Mark the inbox row `processed` and write its audit entry, in the caller's transaction.

    PostgreSQL: one statement (the UPDATE in a data-modifying WITH); SQLite: two. The
    columns are those `WebhookEvent.filter(…).update(…)` writes and `billing.audit.entry_values` gives.
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
            raise ClaimLost
        statement = Statement(connection)
        param = statement.param
    entry = entry_values(
        Entry(
            principal=WEBHOOK_PRINCIPAL,
            operation=event.type,
            outcome=outcome,
            object_ids=applied.object_ids,
            stripe_event_id=event.stripe_event_id,
        ),
        occurred_at=now,
    )
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
        raise ClaimLost
