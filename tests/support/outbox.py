"""The outbox and its feed read by e2e tests: rows straight from PostgreSQL, and the admin `events` query."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from tests.support.graphql import GraphQLClient

DEADLINE_SECONDS = 30.0


async def outbox_rows(database_url: str, object_id: str | None = None) -> list[dict[str, Any]]:
    """The outbox rows (of one object), in sequence order, `data` decoded."""
    conn = await asyncpg.connect(database_url)
    try:
        if object_id is None:
            records = await conn.fetch("SELECT * FROM outbox_events ORDER BY sequence")
        else:
            records = await conn.fetch("SELECT * FROM outbox_events WHERE object_id = $1 ORDER BY sequence", object_id)
    finally:
        await conn.close()
    return [{**dict(record), "data": json.loads(record["data"])} for record in records]


async def webhook_applied(database_url: str, event_type: str, stripe_id: str) -> None:
    """Wait (deadline-polled) until the worker applied a Stripe event of `event_type` about `stripe_id`."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            done = await conn.fetchval(
                "SELECT count(*) FROM webhook_events WHERE type = $1 AND status = 'processed' "
                "AND payload->'data'->'object'->>'id' = $2",
                event_type,
                stripe_id,
            )
            if done:
                return
            assert time.monotonic() < deadline, f"{event_type} for {stripe_id} not applied in {DEADLINE_SECONDS} s"
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


EVENTS = """
query($after: String, $types: [String!], $first: Int) {
  events(after: $after, types: $types, first: $first) {
    edges { cursor node { id type occurredAt schemaVersion sequence objectKind objectId customerId data envelope } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def feed(
    client: GraphQLClient, token: str, after: str | None = None, types: list[str] | None = None, first: int = 100
) -> dict[str, Any]:
    body = await client.execute(EVENTS, {"after": after, "types": types, "first": first}, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["events"]
    return result


async def whole_feed(client: GraphQLClient, token: str, types: list[str] | None = None) -> list[dict[str, Any]]:
    """Every event, page after page (pages of 7: the cursors are exercised)."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = await feed(client, token, after, types, first=7)
        nodes += [edge["node"] for edge in page["edges"]]
        assert [edge["cursor"] for edge in page["edges"]] == [edge["node"]["sequence"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
