"""`createCustomerSession`: a short-lived token a frontend uses to act for one customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from tortoise.transactions import in_transaction

from gateway.idempotency import Attempt
from gateway.sessions import SessionClaims, new_session_claims, sign_session_claims
from gateway.settings import Settings
from resolvers.errors import MutationError
from resolvers.mutations import run_mutation
from resolvers.scoping import visible_customers
from resolvers.validation import fetch
from schema.context import Info
from schema.sessions import CreateCustomerSessionInput, CreateCustomerSessionPayload

MIN_TTL_SECONDS = 60


async def create_customer_session(
    info: Info, idempotency_key: str, input: CreateCustomerSessionInput
) -> CreateCustomerSessionPayload:
    """Issue a session token for a customer (no Stripe call); a replay answers the same token.

    The ledger stores the session's claims only; the token is signed from them on the
    way out, so the first answer and every replay carry the byte-identical token.
    """
    settings = info.context.settings

    async def execute(attempt: Attempt) -> dict[str, Any]:
        customer = await fetch(
            visible_customers(info.context.principal), input.customer_id, "Customer", ["input", "customerId"]
        )
        ttl = input.ttl_seconds
        if ttl is None or ttl is strawberry.UNSET:
            ttl = settings.session_default_ttl_seconds
        if not MIN_TTL_SECONDS <= ttl <= settings.session_max_ttl_seconds:
            raise MutationError(
                "VALIDATION_FAILED",
                f"ttlSeconds must be between {MIN_TTL_SECONDS} and {settings.session_max_ttl_seconds}",
                ["input", "ttlSeconds"],
            )
        claims = new_session_claims(customer.id, ttl)
        # The ledger keeps the claims, never the token (see `gateway.sessions`).
        response = {"session": claims.as_dict(), "expiresAt": claims.expires_at.isoformat(), "userErrors": []}
        async with in_transaction():
            await attempt.complete(response)
        return response

    data = await run_mutation(
        info, operation="createCustomerSession", idempotency_key=idempotency_key, payload=input, execute=execute
    )
    return CreateCustomerSessionPayload.from_snapshot(with_token(settings, data))


def with_token(settings: Settings, data: dict[str, Any]) -> dict[str, Any]:
    """The stored response with its `session` claims signed into `token` (the same token on every replay).

    A response stored before the ledger kept claims (it holds `token` itself) passes as it is.
    """
    stored = data.get("session")
    if not isinstance(stored, Mapping):
        return data
    answer = {key: value for key, value in data.items() if key != "session"}
    answer["token"] = sign_session_claims(settings, SessionClaims.from_dict(stored))
    return answer
