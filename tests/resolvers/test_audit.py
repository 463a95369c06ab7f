"""The audit trail in-process: one entry per finished mutation (none on replays or rejected keys),
one per applied webhook event, and `auditEvents` for admin keys only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from base.ids import to_global_id
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from live.bus import InMemoryBus
from models import AuditEntry, Customer, EventStatus, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from tests.support.in_process import Execute
from tests.support.seed import seed_customers
from webhooks.processing import process_event

WRITER = Principal(kind="api_key", id="test-writer", scopes=effective_scopes([Scope.READ, Scope.WRITE]))
ADMIN = Principal(kind="api_key", id="test-admin", scopes=effective_scopes([Scope.READ, Scope.WRITE, Scope.ADMIN]))

CREATE_SESSION = """
mutation($key: String!, $input: CreateCustomerSessionInput!) {
  createCustomerSession(idempotencyKey: $key, input: $input) { token userErrors { code } }
}"""

AUDIT_EVENTS = """
query($first: Int, $after: String, $principal: String, $operation: String) {
  auditEvents(first: $first, after: $after, principal: $principal, operation: $operation) {
    edges { cursor node {
      id principal operation objectIds idempotencyKey stripeRequestId stripeEventId requestId outcome occurredAt
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def data_of(result: Any) -> dict[str, Any]:
    assert result.errors is None, result.errors
    data: dict[str, Any] = result.data
    return data


async def session_mutation(execute: Execute, key: str, customer_id: uuid.UUID, ttl: int = 600) -> dict[str, Any]:
    variables = {"key": key, "input": {"customerId": str(to_global_id("Customer", customer_id)), "ttlSeconds": ttl}}
    payload: dict[str, Any] = data_of(await execute(CREATE_SESSION, variables, principal=WRITER))[
        "createCustomerSession"
    ]
    return payload


async def test_one_entry_per_finished_mutation_none_on_replay_or_rejection(execute_pg: Execute) -> None:
    [entry] = await seed_customers(1)
    key = f"audit-{uuid.uuid4()}"
    first = await session_mutation(execute_pg, key, entry.customer.id)
    assert first["userErrors"] == [] and first["token"]
    rows = await AuditEntry.filter(idempotency_key=key)
    assert len(rows) == 1
    row = rows[0]
    assert row.principal == WRITER.ledger_scope
    assert row.operation == "createCustomerSession"
    assert row.outcome == "ok"
    assert row.request_id
    assert row.stripe_request_id is None  # no Stripe call
    # The token it answered is nowhere in the entry.
    stored = f"{row.object_ids} {row.detail} {row.principal} {row.operation} {row.outcome} {row.request_id}"
    assert first["token"] not in stored

    replay = await session_mutation(execute_pg, key, entry.customer.id)
    assert replay["token"] == first["token"]
    assert await AuditEntry.filter(idempotency_key=key).count() == 1

    reused = await session_mutation(execute_pg, key, entry.customer.id, ttl=900)
    assert [e["code"] for e in reused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await AuditEntry.filter(idempotency_key=key).count() == 1


async def test_a_validation_error_writes_its_own_entry(execute_pg: Execute) -> None:
    [entry] = await seed_customers(1)
    key = f"audit-{uuid.uuid4()}"
    payload = await session_mutation(execute_pg, key, entry.customer.id, ttl=1)
    assert [e["code"] for e in payload["userErrors"]] == ["VALIDATION_FAILED"]
    [row] = await AuditEntry.filter(idempotency_key=key)
    assert row.outcome == "VALIDATION_FAILED"
    # Not stored: the client may retry with the same key, and that call has its own entry.
    assert (await session_mutation(execute_pg, key, entry.customer.id, ttl=1))["userErrors"]
    assert await AuditEntry.filter(idempotency_key=key).count() == 2


async def test_audit_events_is_for_admin_keys_newest_first_with_filters(execute_pg: Execute) -> None:
    [entry] = await seed_customers(1)
    keys = [f"audit-{uuid.uuid4()}" for _ in range(3)]
    for key in keys:
        await session_mutation(execute_pg, key, entry.customer.id)

    for principal in (WRITER, Principal(kind="customer_session", id="s", customer_id=entry.customer.id)):
        result = await execute_pg(AUDIT_EVENTS, {}, principal=principal)
        assert result.errors and (result.errors[0].extensions or {}).get("code") == "FORBIDDEN"

    page = data_of(await execute_pg(AUDIT_EVENTS, {"first": 2, "operation": "createCustomerSession"}, principal=ADMIN))
    nodes = [edge["node"] for edge in page["auditEvents"]["edges"]]
    assert [n["idempotencyKey"] for n in nodes] == keys[::-1][:2]
    assert page["auditEvents"]["pageInfo"]["hasNextPage"] is True
    rest = data_of(
        await execute_pg(
            AUDIT_EVENTS,
            {"first": 2, "operation": "createCustomerSession", "after": page["auditEvents"]["pageInfo"]["endCursor"]},
            principal=ADMIN,
        )
    )
    assert [edge["node"]["idempotencyKey"] for edge in rest["auditEvents"]["edges"]] == [keys[0]]

    by_principal = data_of(await execute_pg(AUDIT_EVENTS, {"principal": "api_key:nobody"}, principal=ADMIN))
    assert by_principal["auditEvents"]["edges"] == []


def _event(event_type: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }


async def _store(evt: dict[str, Any]) -> uuid.UUID:
    row = await WebhookEvent.create(
        stripe_event_id=evt["id"],
        type=evt["type"],
        stripe_created=datetime.fromtimestamp(evt["created"], UTC),
        payload=evt,
        livemode=False,
    )
    return row.id


async def test_each_applied_webhook_event_writes_one_entry(pg_mirror: Settings) -> None:
    stripe = StripeAdapter(pg_mirror)  # never called: these events need no fetch
    bus = InMemoryBus()
    try:
        customer = {"id": f"cus_{uuid.uuid4().hex[:12]}", "object": "customer", "email": "a@example.com"}
        newer = _event("customer.updated", customer, 2_000_000_000 - 10)
        older = _event("customer.created", customer, 2_000_000_000 - 20)
        broken = {**_event("customer.updated", customer, 2_000_000_000 - 5), "data": {}}
        assert await process_event(await _store(newer), stripe, bus) == EventStatus.PROCESSED
        assert await process_event(await _store(older), stripe, bus) == EventStatus.PROCESSED
        assert await process_event(await _store(broken), stripe, bus) == EventStatus.FAILED
        row = await Customer.get(stripe_id=customer["id"])
        gid = str(to_global_id("Customer", row.id))
        outcomes = {}
        for evt in (newer, older, broken):
            [entry] = await AuditEntry.filter(stripe_event_id=evt["id"])
            assert entry.principal == "stripe" and entry.operation == evt["type"]
            assert entry.idempotency_key is None
            outcomes[evt["id"]] = (entry.outcome, entry.object_ids)
        assert outcomes[newer["id"]] == ("processed", [gid])
        assert outcomes[older["id"]] == ("stale", [gid])
        assert outcomes[broken["id"]] == ("failed", [])
        # Processing an event again is a no-op, and writes nothing more.
        await process_event((await WebhookEvent.get(stripe_event_id=newer["id"])).id, stripe, bus)
        assert await AuditEntry.filter(stripe_event_id=newer["id"]).count() == 1
    finally:
        await stripe.aclose()


AUDIT_SEARCH = """
query($objectId: ID, $from: DateTime, $to: DateTime) {
  auditEvents(objectId: $objectId, occurredAfter: $from, occurredBefore: $to) { edges { node { operation objectIds } } }
}"""


async def test_audit_events_by_object_and_time(execute: Execute) -> None:
    """The console's audit search: entries concerning one object, within a time range (PostgreSQL and SQLite)."""
    now = datetime.now(UTC)
    wanted, other = str(to_global_id("Refund", uuid.uuid4())), str(to_global_id("Refund", uuid.uuid4()))
    for operation, objects in (("refundPayment", [wanted, "p"]), ("refundPayment", [other]), ("createPayment", ["p"])):
        await AuditEntry.create(principal="api_key:a", operation=operation, object_ids=objects, outcome="ok")
    found = data_of(await execute(AUDIT_SEARCH, {"objectId": wanted}, principal=ADMIN))["auditEvents"]["edges"]
    assert [edge["node"]["objectIds"] for edge in found] == [[wanted, "p"]]
    both = data_of(await execute(AUDIT_SEARCH, {"objectId": "p"}, principal=ADMIN))["auditEvents"]["edges"]
    assert [edge["node"]["operation"] for edge in both] == ["createPayment", "refundPayment"]
    hour = timedelta(hours=1)
    inside = {"from": (now - hour).isoformat(), "to": (now + hour).isoformat()}
    assert len(data_of(await execute(AUDIT_SEARCH, inside, principal=ADMIN))["auditEvents"]["edges"]) == 3
    later = {"from": (now + hour).isoformat()}
    assert data_of(await execute(AUDIT_SEARCH, later, principal=ADMIN))["auditEvents"]["edges"] == []
    earlier = {"to": (now - hour).isoformat()}
    assert data_of(await execute(AUDIT_SEARCH, earlier, principal=ADMIN))["auditEvents"]["edges"] == []
    odd = await execute(AUDIT_SEARCH, {"objectId": "x' OR 1=1 --"}, principal=ADMIN)
    assert odd.errors and (odd.errors[0].extensions or {}).get("code") == "VALIDATION_FAILED"
