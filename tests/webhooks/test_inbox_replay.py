"""`webhookInbox` and `replayWebhookEvent` in-process: the one mutation path (ledger, audit), then the worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from base.ids import to_global_id
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from models import AuditEntry, EventStatus, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from tests.support.in_process import SCHEMA, execute_pg, pg_mirror
from webhooks.inbox import UNSTORABLE_PREFIX

__all__ = ["execute_pg", "pg_mirror"]

ADMIN = Principal(kind="api_key", id="inbox-admin", scopes=effective_scopes([Scope.ADMIN]))
INBOX = """
query($status: WebhookInboxStatus) {
  webhookInbox(status: $status, first: 10) { edges { node { id stripeEventId status attempts lastError } } }
}"""
REPLAY = """
mutation($key: String!, $id: ID!) {
  replayWebhookEvent(idempotencyKey: $key, input: {id: $id}) {
    event { id stripeEventId status lastError } userErrors { code message field }
  }
}"""


async def stored(
    status: EventStatus, last_error: str | None = None, event_type: str = "customer.created"
) -> WebhookEvent:
    event_id = f"evt_{uuid.uuid4().hex[:16]}"
    return await WebhookEvent.create(
        stripe_event_id=event_id,
        type=event_type,
        stripe_created=datetime.now(UTC),
        payload={"id": event_id, "type": event_type, "data": {"object": {"id": "cus_x", "object": "customer"}}},
        status=status,
        attempts=1,
        last_error=last_error,
    )


async def run(settings: Settings, query: str, variables: dict[str, Any], sent: list[tuple[uuid.UUID, str]]) -> Any:
    async def dispatch(row_id: uuid.UUID, event_type: str) -> None:
        sent.append((row_id, event_type))

    stripe = StripeAdapter(settings)
    try:
        context = Context(
            principal=ADMIN,
            settings=settings,
            stripe=stripe,
            loaders=Loaders(),
            request_id=uuid.uuid4().hex,
            event_dispatch=dispatch,
        )
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    finally:
        await stripe.aclose()
    assert result.errors is None, result.errors
    return result.data


async def test_the_inbox_lists_by_status_with_the_failure_reason(pg_mirror: Settings) -> None:
    failed = await stored(EventStatus.FAILED, "InvalidStripeObjectError: no data.object")
    await stored(EventStatus.PROCESSED)
    data = await run(pg_mirror, INBOX, {"status": "FAILED"}, [])
    nodes = [edge["node"] for edge in data["webhookInbox"]["edges"]]
    assert nodes == [
        {
            "id": to_global_id("WebhookInboxEvent", failed.id),
            "stripeEventId": failed.stripe_event_id,
            "status": "FAILED",
            "attempts": 1,
            "lastError": "InvalidStripeObjectError: no data.object",
        }
    ]
    assert len((await run(pg_mirror, INBOX, {}, []))["webhookInbox"]["edges"]) == 2


async def test_a_replay_resets_the_row_sends_it_once_and_is_audited(pg_mirror: Settings) -> None:
    failed = await stored(EventStatus.FAILED, "ProviderError: boom")
    gid = to_global_id("WebhookInboxEvent", failed.id)
    sent: list[tuple[uuid.UUID, str]] = []
    first = (await run(pg_mirror, REPLAY, {"key": "replay-1", "id": gid}, sent))["replayWebhookEvent"]
    assert first["userErrors"] == [] and first["event"]["status"] == "PENDING", first
    assert first["event"]["lastError"] == "ProviderError: boom"  # kept as history
    assert sent == [(failed.id, "customer.created")]
    row = await WebhookEvent.get(id=failed.id)
    assert row.status == EventStatus.PENDING and row.enqueued_at is not None

    # The same key answers the same response again, and writes no second audit entry.
    again = (await run(pg_mirror, REPLAY, {"key": "replay-1", "id": gid}, sent))["replayWebhookEvent"]
    assert again == first
    entries = await AuditEntry.filter(operation="replayWebhookEvent").values_list("principal", "idempotency_key")
    assert entries == [("api_key:inbox-admin", "replay-1")]


async def test_what_cannot_be_replayed_is_a_user_error(pg_mirror: Settings) -> None:
    sent: list[tuple[uuid.UUID, str]] = []
    escaped = await stored(EventStatus.FAILED, f"{UNSTORABLE_PREFIX}U+0000 at id; stored escaped, not applied")
    pending = await stored(EventStatus.PENDING)
    ignored = await stored(EventStatus.IGNORED, event_type="balance.available")
    cases = {
        to_global_id("WebhookInboxEvent", escaped.id): "VALIDATION_FAILED",
        to_global_id("WebhookInboxEvent", pending.id): "VALIDATION_FAILED",
        to_global_id("WebhookInboxEvent", ignored.id): "VALIDATION_FAILED",
        to_global_id("WebhookInboxEvent", uuid.uuid4()): "NOT_FOUND",
        to_global_id("Customer", uuid.uuid4()): "NOT_FOUND",
    }
    for gid, code in cases.items():
        payload = (await run(pg_mirror, REPLAY, {"key": f"k-{uuid.uuid4()}", "id": gid}, sent))["replayWebhookEvent"]
        assert payload["event"] is None and [e["code"] for e in payload["userErrors"]] == [code], payload
        assert payload["userErrors"][0]["field"] == ["input", "id"]
    assert sent == []
    assert (await WebhookEvent.get(id=escaped.id)).status == EventStatus.FAILED
