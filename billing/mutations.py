"""The one path every mutation takes: idempotency ledger, Stripe, mirror, stored response.

`run_mutation(ctx, call, input, validate=…, call_stripe=…, write=…, lock=…)` owns the
order; a mutation states only what differs, in three steps:

- `validate()`: check the input and read what the call needs (raise `MutationError`
  for a userError); nothing is sent to Stripe yet.
- `call_stripe(checked, keys)`: the Stripe call(s), with `keys.stripe_key(step)` as
  idempotency keys and `keys.resumed` for adoption (`billing.ledger.Attempt.resumed`).
  It sees no attempt: it cannot complete the ledger row.
- `write(checked, answered)`: the mirror upserts, run INSIDE the one transaction this
  module opens; it returns an `Outcome` (mirror rows, plain fields, extra userErrors).
  The domain events of its rows go to the outbox in that same transaction (`billing.outbox`).

This module then dumps the rows to their stored form, adds `userErrors`, completes the
ledger row and writes the audit entry in that same transaction, and turns every failure
into the payload's `userErrors`. `lock(checked)` names a money lock (`billing.charging.
locked_money`) held across the Stripe call, the mirror write and the ledger completion
(a refund of one payment, a payment of one invoice); waiting too long is `OBJECT_BUSY`,
and nothing reached Stripe. `run_local_mutation` is the same path without a Stripe call.

What the ledger keeps: a success and a Stripe decline (a non-transient `ProviderError`,
raised by any step) are stored, and the same key replays them; a `MutationError`
(validation, OBJECT_BUSY) and `PROVIDER_UNAVAILABLE` (Stripe unreachable: outcome unknown)
release the key, so the client may retry with it; an unexpected exception releases it too.

Audit: every call that runs writes exactly ONE `AuditEntry` (`billing.audit`) when it
finishes. A stored outcome (success, a Stripe decline) writes it inside the transaction
that completes the ledger row, so the two commit or roll back together; an outcome that
is not stored (a validation error, PROVIDER_UNAVAILABLE, an unexpected exception) writes
it on its own. A replayed response writes none: the call that produced it already has
its entry, and a replay does nothing with money. A key rejected by the ledger
(IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_PROGRESS, a malformed key) writes none either:
nothing ran.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final, TypeAlias, TypeVar

import strawberry
import structlog
from graphql import GraphQLError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from base.db import is_write_conflict
from base.error_codes import ErrorCode
from billing import audit, outbox, snapshots
from billing.charging import locked_money
from billing.ledger import Attempt, LedgerRejection, derive_stripe_key, run_idempotent
from billing.mutation_errors import MutationError, user_error
from billing.request_context import Context
from stripe_provider.adapter import last_stripe_request_id
from stripe_provider.provider_errors import ProviderError

log = logging.getLogger("gateway.mutations")

WRITE_ATTEMPTS: Final = 3
"""How often the mirror write after a Stripe call runs when PostgreSQL undoes it for a conflict (a deadlock)."""

Snapshot: TypeAlias = dict[str, Any]
"""A mutation's response in its stored (JSON) form: what the ledger keeps and replays; the payload is built from it."""

Checked = TypeVar("Checked")
"""What a mutation's `validate` step found (rows, cleaned values)."""
Answered = TypeVar("Answered")
"""What a mutation's `call_stripe` step got back."""


@dataclasses.dataclass(frozen=True)
class MutationCall:
    """One client call: the operation (the GraphQL field's name, for the ledger and the audit) and its key."""

    operation: str
    idempotency_key: str


@dataclasses.dataclass(frozen=True)
class StripeKeys:
    """What the Stripe step may know of its claim: the keys to send, and whether it was taken over."""

    principal_scope: str
    client_key: str
    operation: str
    resumed: bool
    """True when a holder that died may have reached Stripe first: adopt what it made (`Attempt.resumed`)."""

    def stripe_key(self, step: str) -> str:
        """The Stripe idempotency key for one named step of this call."""
        return derive_stripe_key(self.principal_scope, self.client_key, self.operation, step)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a mutation's `write` step answers; `run_mutation` makes the stored response of it."""

    rows: Mapping[str, Model | None] = dataclasses.field(default_factory=dict)
    """Response fields holding a mirror row (dumped with `billing.snapshots.dump`; None stays null)."""
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Response fields already in stored (JSON) form."""
    user_errors: Sequence[dict[str, Any]] = ()
    """userErrors of a stored outcome (a failed charge, `billing.charging.payment_failure`)."""
    changed: Sequence[Model] = ()
    """Mirror rows the write changed besides those in `rows`: their domain events are written too (`billing.outbox`)."""

    def changed_rows(self) -> list[Model]:
        """Every row whose domain event the outbox judges (`billing.outbox.record_changes`), answer rows first."""
        return [row for row in self.rows.values() if row is not None] + list(self.changed)

    def stored(self) -> Snapshot:
        response: Snapshot = {name: None if row is None else snapshots.dump(row) for name, row in self.rows.items()}
        response.update(self.fields)
        response["userErrors"] = list(self.user_errors)
        return response


MoneyLock: TypeAlias = tuple[str, str]
"""A money lock's kind ("payment" or "invoice") and our row id (`billing.money_locks.money_lock`)."""


def input_as_dict(value: Any) -> Any:
    """A strawberry input as plain data for fingerprinting (fields left out are dropped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: input_as_dict(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [input_as_dict(item) for item in value]
    return value


def provider_error_response(error: ProviderError, field: list[str] | None = None) -> Snapshot:
    return {"userErrors": [user_error(error.code, error.message, field, error.decline_code)]}


async def run_mutation(
    ctx: Context,
    call: MutationCall,
    input: object,
    *,
    validate: Callable[[], Awaitable[Checked]],
    call_stripe: Callable[[Checked, StripeKeys], Awaitable[Answered]],
    write: Callable[[Checked, Answered], Awaitable[Outcome]],
    lock: Callable[[Checked], MoneyLock] | None = None,
) -> Snapshot:
    """Run a mutation once per idempotency key and return its stored-form response.

    `input` is the client's input as given: its fingerprint binds the key. Every log
    line of the call carries the request id, the principal, the operation and the
    client's idempotency key (structlog context variables).
    """
    with structlog.contextvars.bound_contextvars(
        request_id=ctx.request_id,
        principal=ctx.principal.ledger_scope,
        operation=call.operation,
        idempotency_key=call.idempotency_key,
    ):
        return await _run(ctx, call, input, validate, call_stripe, write, lock)


async def _no_stripe_call(checked: object, keys: StripeKeys) -> None:
    return None


async def run_local_mutation(
    ctx: Context,
    call: MutationCall,
    input: object,
    *,
    validate: Callable[[], Awaitable[Checked]],
    write: Callable[[Checked], Awaitable[Outcome]],
) -> Snapshot:
    """`run_mutation` for a mutation that calls no Stripe (customer sessions): validate, then write."""

    async def write_checked(checked: Checked, answered: None) -> Outcome:
        return await write(checked)

    return await run_mutation(ctx, call, input, validate=validate, call_stripe=_no_stripe_call, write=write_checked)


async def _run(
    ctx: Context,
    call: MutationCall,
    input: object,
    validate: Callable[[], Awaitable[Checked]],
    call_stripe: Callable[[Checked, StripeKeys], Awaitable[Answered]],
    write: Callable[[Checked, Answered], Awaitable[Outcome]],
    lock: Callable[[Checked], MoneyLock] | None,
) -> Snapshot:
    operation = call.operation
    audited = False

    async def write_audit(response: Snapshot | None, outcome: str | None = None) -> None:
        nonlocal audited
        await audit.record(
            audit.Entry(
                principal=ctx.principal.ledger_scope,
                operation=operation,
                outcome=outcome or audit.outcome_of(response or {}),
                object_ids=audit.object_ids_of(response or {}),
                idempotency_key=call.idempotency_key,
                stripe_request_id=last_stripe_request_id.get(),
                request_id=ctx.request_id,
            )
        )
        audited = True

    async def store(attempt: Attempt, response: Snapshot) -> None:
        """Complete the ledger row and write the audit entry; inside the caller's transaction."""
        await attempt.complete(response)
        await write_audit(response)

    async def execute(attempt: Attempt) -> Snapshot:
        keys = StripeKeys(attempt.principal_scope, attempt.key, attempt.operation, attempt.resumed)
        checked = await validate()
        async with _held(ctx, lock(checked) if lock is not None else None):
            answered = await call_stripe(checked, keys)
            for attempt_number in range(1, WRITE_ATTEMPTS + 1):
                try:
                    async with in_transaction():
                        outcome = await write(checked, answered)
                        response = outcome.stored()
                        await store(attempt, response)
                        # Last: the outbox lock is held from here to the commit only (`billing.outbox`).
                        await outbox.record_changes(outcome.changed_rows())
                    return response
                except Exception as error:
                    # A webhook applied at the same moment can take the same rows in another order: the
                    # database undoes one writer; the answer is still Stripe's, so the write runs again.
                    if attempt_number == WRITE_ATTEMPTS or not is_write_conflict(error):
                        raise
                    log.info("%s: write conflict with another transaction, writing again", operation)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def guarded(attempt: Attempt) -> Snapshot:
        nonlocal audited
        # Stripe's request id is per call: never report one left over from an earlier call.
        last_stripe_request_id.set(None)
        try:
            return await execute(attempt)
        except BaseException as error:
            # Raised out of `execute`: the transaction that wrote an entry (if any) rolled back with it.
            audited = False
            if isinstance(error, MutationError):
                return {"userErrors": [error.as_user_error()]}
            if not isinstance(error, ProviderError) or error.transient:
                raise
            # Stripe decided (a decline, a refusal): the same key must give the same answer.
            response = provider_error_response(error)
            async with in_transaction():
                await store(attempt, response)
            return response

    try:
        response, replayed = await run_idempotent(
            ctx.settings,
            principal_scope=ctx.principal.ledger_scope,
            key=call.idempotency_key,
            operation=operation,
            payload=input_as_dict(input),
            execute=guarded,
        )
    except LedgerRejection as rejection:
        return {"userErrors": [user_error(rejection.code, rejection.message, ["idempotencyKey"])]}
    except ProviderError as error:
        log.warning(
            "stripe unavailable during %s (key released): %s",
            operation,
            error.message,
            extra={"stripe_request_id": error.request_id},
        )
        response = provider_error_response(error)
        if not audited:
            await write_audit(response)
        return response
    except Exception as error:
        if not audited:
            # Another customer's object named in the input: an attempt worth keeping, under its own outcome.
            forbidden = isinstance(error, GraphQLError) and (error.extensions or {}).get("code") == ErrorCode.FORBIDDEN
            try:
                await write_audit(None, outcome=ErrorCode.FORBIDDEN if forbidden else "error")
            except Exception:
                log.exception("could not write the audit entry of a failed %s", operation)
        raise
    if replayed:
        log.info("replayed %s for idempotency key", operation)
    elif not audited:
        # Not stored (a validation error, an unknown id): the entry stands alone.
        await write_audit(response)
    return response


@asynccontextmanager
async def _held(ctx: Context, lock: MoneyLock | None) -> AsyncIterator[None]:
    """The money lock `lock` names, held for the block (no lock: nothing)."""
    if lock is None:
        yield
        return
    async with locked_money(ctx, *lock):
        yield
