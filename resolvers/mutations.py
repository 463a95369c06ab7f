"""The one path every mutation takes: idempotency ledger, Stripe, mirror, stored response.

A mutation supplies `execute(attempt)`, which validates, calls Stripe with
`attempt.stripe_key(step)` keys, then, in ONE transaction, writes the mirror and
calls `attempt.complete(response)`. This module turns every failure into the
payload's `userErrors` and decides what the ledger keeps.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from gateway.idempotency import Attempt, LedgerRejection, run_idempotent
from gateway.stripe_client import ProviderError
from resolvers.errors import MutationError, user_error
from schema.context import Info

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


async def run_mutation(
    info: Info, *, operation: str, idempotency_key: str, payload: Any, execute: Execute
) -> dict[str, Any]:
    """Run a mutation once per idempotency key and return its stored-form response."""
    ctx = info.context

    async def guarded(attempt: Attempt) -> dict[str, Any]:
        try:
            return await execute(attempt)
        except MutationError as error:
            return {"userErrors": [error.as_user_error()]}
        except ProviderError as error:
            if error.transient:
                raise
            # Stripe decided (a decline, a refusal): the same key must give the same answer.
            response = provider_error_response(error)
            await attempt.complete(response)
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
        log.warning("stripe unavailable during %s (key released): %s", operation, error.message)
        return provider_error_response(error)
    if replayed:
        log.info("replayed %s for idempotency key", operation)
    return response
