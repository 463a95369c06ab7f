"""The one path every mutation takes: idempotency ledger, Stripe, mirror, stored response.

A mutation supplies `execute(attempt)`, which validates, calls Stripe with
`attempt.stripe_key(step)` keys, then, in ONE transaction, writes the mirror and
calls `attempt.complete(response)`. This module turns every failure into the
payload's `userErrors` and decides what the ledger keeps.

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
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError
from tortoise.transactions import in_transaction

from base.error_codes import ErrorCode
from billing import audit
from billing.ledger import Attempt, LedgerRejection, run_idempotent
from billing.mutation_errors import MutationError, user_error
from schema.context import Info
from stripe_provider.adapter import ProviderError, last_stripe_request_id

log = logging.getLogger("gateway.mutations")

Execute = Callable[[Attempt], Awaitable[dict[str, Any]]]


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


def provider_error_response(error: ProviderError, field: list[str] | None = None) -> dict[str, Any]:
    return {"userErrors": [user_error(error.code, error.message, field, error.decline_code)]}


AuditWriter = Callable[[dict[str, Any]], Awaitable[None]]


@dataclasses.dataclass
class _AuditedAttempt(Attempt):
    """The attempt `execute` sees: completing it also writes the audit entry, in the same transaction."""

    inner: Attempt | None = None
    write_audit: AuditWriter | None = None

    @classmethod
    def wrap(cls, attempt: Attempt, write_audit: AuditWriter) -> _AuditedAttempt:
        return cls(
            attempt.record_id,
            attempt.principal_scope,
            attempt.key,
            attempt.operation,
            resumed=attempt.resumed,
            inner=attempt,
            write_audit=write_audit,
        )

    async def complete(self, response: dict[str, Any]) -> None:
        assert self.inner is not None and self.write_audit is not None
        await self.inner.complete(response)
        await self.write_audit(response)
        self.completed = True


async def run_mutation(
    info: Info, *, operation: str, idempotency_key: str, payload: Any, execute: Execute
) -> dict[str, Any]:
    """Run a mutation once per idempotency key and return its stored-form response.

    Every log line of the call carries the request id, the principal, the operation and
    the client's idempotency key (structlog context variables).
    """
    ctx = info.context
    with structlog.contextvars.bound_contextvars(
        request_id=ctx.request_id,
        principal=ctx.principal.ledger_scope,
        operation=operation,
        idempotency_key=idempotency_key,
    ):
        return await _run_mutation(info, operation, idempotency_key, payload, execute)


async def _run_mutation(
    info: Info, operation: str, idempotency_key: str, payload: Any, execute: Execute
) -> dict[str, Any]:
    ctx = info.context
    audited = False

    async def write_audit(response: dict[str, Any] | None, outcome: str | None = None) -> None:
        nonlocal audited
        await audit.record(
            principal=ctx.principal.ledger_scope,
            operation=operation,
            outcome=outcome or audit.outcome_of(response or {}),
            object_ids=audit.object_ids_of(response or {}),
            idempotency_key=idempotency_key,
            stripe_request_id=last_stripe_request_id.get(),
            request_id=ctx.request_id,
        )
        audited = True

    async def guarded(attempt: Attempt) -> dict[str, Any]:
        nonlocal audited
        # Stripe's request id is per call: never report one left over from an earlier call.
        last_stripe_request_id.set(None)
        audited_attempt = _AuditedAttempt.wrap(attempt, write_audit)
        try:
            return await execute(audited_attempt)
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
                await audited_attempt.complete(response)
            return response

    try:
        response, replayed = await run_idempotent(
            ctx.settings,
            principal_scope=ctx.principal.ledger_scope,
            key=idempotency_key,
            operation=operation,
            payload=input_as_dict(payload),
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
