"""`createCustomerSession` keeps no token at rest: the ledger stores the claims, a replay signs them again."""

from __future__ import annotations

import uuid
from typing import Any

from base.ids import to_global_id
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.session_tokens import verify_session_token
from models import AuditEntry, IdempotencyRecord
from tests.support.in_process import Execute
from tests.support.secret_scan import find_secrets
from tests.support.seed import seed_customers

WRITER = Principal(kind="api_key", id="session-ledger-writer", scopes=effective_scopes([Scope.READ, Scope.WRITE]))

CREATE_SESSION = """
mutation($key: String!, $input: CreateCustomerSessionInput!) {
  createCustomerSession(idempotencyKey: $key, input: $input) { token expiresAt userErrors { code } }
}"""


async def create_session(execute: Execute, key: str, customer_id: uuid.UUID) -> dict[str, Any]:
    variables = {"key": key, "input": {"customerId": str(to_global_id("Customer", customer_id)), "ttlSeconds": 600}}
    result = await execute(CREATE_SESSION, variables, principal=WRITER)
    assert result.errors is None and result.data is not None, result.errors
    payload: dict[str, Any] = result.data["createCustomerSession"]
    assert payload["userErrors"] == [], payload
    return payload


async def test_the_ledger_stores_claims_and_a_replay_answers_the_same_token(
    execute_pg: Execute, pg_mirror: Settings
) -> None:
    [entry] = await seed_customers(1)
    key = f"session-ledger-{uuid.uuid4()}"
    first = await create_session(execute_pg, key, entry.customer.id)

    record = await IdempotencyRecord.get(principal=WRITER.ledger_scope, key=key)
    assert record.response is not None and "token" not in record.response
    claims = record.response["session"]
    assert set(claims) == {"sub", "jti", "iat", "exp", "minted_by"} and claims["sub"] == str(entry.customer.id)
    assert first["token"] not in str(record.response) and find_secrets(str(record.response)) == []
    principal = verify_session_token(pg_mirror, first["token"])
    assert principal.id == claims["jti"] and principal.customer_id == entry.customer.id

    replay = await create_session(execute_pg, key, entry.customer.id)
    assert replay == first  # the byte-identical token, and the same expiry
    [audit] = await AuditEntry.filter(idempotency_key=key)
    assert find_secrets(f"{audit.object_ids} {audit.detail}") == []


async def test_a_response_stored_with_its_token_still_replays(execute_pg: Execute) -> None:
    # Rows written before the ledger kept claims hold the token itself; they replay as they are.
    [entry] = await seed_customers(1)
    key = f"session-ledger-{uuid.uuid4()}"
    first = await create_session(execute_pg, key, entry.customer.id)
    legacy = {"token": "legacy-token", "expiresAt": first["expiresAt"], "userErrors": []}
    await IdempotencyRecord.filter(principal=WRITER.ledger_scope, key=key).update(response=legacy)
    replay = await create_session(execute_pg, key, entry.customer.id)
    assert replay["token"] == "legacy-token" and replay["expiresAt"] == first["expiresAt"]
