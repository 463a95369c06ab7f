"""Usage ingest: batches of 1,000 usage events, the gateway's `recordUsageBatch` vs a hand-written asyncpg ingest.

Gateway: `POST /graphql` `recordUsageBatch` over HTTP (write key, a fresh idempotency key per batch):
variables parsed into strawberry inputs, the ledger claim, every event checked (identifier, value,
timestamp window), one SELECT for the customers and one for the meter, ONE `INSERT … SELECT FROM
unnest(…) ON CONFLICT (identifier) DO NOTHING RETURNING` for the batch, the ledger completed and the
audit entry written in that transaction, then the new ids handed to the `usage.forward` actor (a Redis
send; no worker consumes during the runs). Baseline: `bench/baselines/usage_ingest.py`, the same JSON
events decoded by hand, the same two checks and the same one-statement insert with asyncpg.

Every batch is 1,000 new events (identifiers unique across runs), spread over 10 seeded customers; a
row is `req/s` in batches, the notes give events/s. Closed loop, 4 connections: a batch is large, and
more connections only queue on the database. The rows made are deleted afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.harness import Benchmark, Result, RunConfig, Stack, Variant, judge_min, run_pair, throughput_ratio
from bench.load import HttpRequest, LoadSpec

__all__ = ["BENCHMARK", "run"]

NAME: Final = "usage ingest (batches of 1,000)"
TARGET_RATIO: Final = 0.5
BATCH: Final = 1000
CONNECTIONS: Final = 4
CUSTOMERS: Final = 10
IDENTIFIER_PREFIX: Final = "b8-"
MUTATION: Final = (
    "mutation($key: String!, $input: RecordUsageBatchInput!) { recordUsageBatch(idempotencyKey: $key, "
    "input: $input) { accepted duplicates userErrors { code message } } }"
)


def _events(customer_ids: list[str], meter: str, run_id: str, i: int) -> list[dict[str, Any]]:
    stamp = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return [
        {
            "customerId": customer_ids[j % len(customer_ids)],
            "meter": meter,
            "value": (i + j) % 97 + 1,
            "identifier": f"{IDENTIFIER_PREFIX}{run_id}-{i}-{j}",
            "timestamp": stamp,
        }
        for j in range(BATCH)
    ]


def gateway_requests(token: str, customer_ids: list[str], meter: str) -> Callable[[int], HttpRequest]:
    """`bench.load` factory: batch `i` of new events as one `recordUsageBatch`."""
    run_id = uuid.uuid4().hex[:10]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def make(i: int) -> HttpRequest:
        variables = {"key": f"b8-{run_id}-{i}", "input": {"events": _events(customer_ids, meter, run_id, i)}}
        return HttpRequest(
            "POST", "/graphql", headers, json.dumps({"query": MUTATION, "variables": variables}).encode()
        )

    return make


def baseline_requests(customer_ids: list[str], meter: str) -> Callable[[int], HttpRequest]:
    """`bench.load` factory: batch `i` of new events, the same JSON, to the baseline's `/usage`."""
    run_id = uuid.uuid4().hex[:10]
    headers = {"Content-Type": "application/json"}

    def make(i: int) -> HttpRequest:
        body = json.dumps({"events": _events(customer_ids, meter, run_id, i)}).encode()
        return HttpRequest("POST", "/usage", headers, body)

    return make


async def _meter(stack: Stack) -> str:
    """A sum meter at the stack's sandbox; returns its event name."""
    event_name = f"bench_calls_{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(base_url=stack.stripe_url, auth=(stack.stripe_api_key, ""), timeout=30) as client:
        answer = await client.post(
            "/v1/billing/meters",
            data={"display_name": "bench", "event_name": event_name, "default_aggregation[formula]": "sum"},
        )
    answer.raise_for_status()
    return event_name


async def _warm_mirror(stack: Stack, event_name: str, customer_id: str) -> None:
    """Record one event naming the meter, so the gateway's mirror knows it (the baseline reads the same row).

    Reads never ask Stripe and the bench's sandbox sends no webhooks to the gateway: a write naming an
    unknown meter is what syncs it (decision 0049).
    """
    mutation = (
        "mutation($key: String!, $input: RecordUsageInput!) "
        "{ recordUsage(idempotencyKey: $key, input: $input) { accepted userErrors { code message } } }"
    )
    event = {"customerId": customer_id, "meter": event_name, "value": 1, "identifier": f"{IDENTIFIER_PREFIX}warm"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        headers = {"Authorization": f"Bearer {stack.api_key}"}
        answer = await client.post(
            "/graphql",
            json={"query": mutation, "variables": {"key": f"{IDENTIFIER_PREFIX}warm-{event_name}", "input": event}},
            headers=headers,
        )
        answer.raise_for_status()
        assert answer.json()["data"]["recordUsage"]["userErrors"] == [], answer.text[:500]
        meters = await client.post("/graphql", json={"query": "{ meters { eventName } }"}, headers=headers)
    meters.raise_for_status()
    assert event_name in meters.text, meters.text[:500]


async def _clean_up(stack: Stack) -> dict[str, float | str]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        deleted = await conn.execute("DELETE FROM usage_events WHERE identifier LIKE $1", f"{IDENTIFIER_PREFIX}%")
    finally:
        await conn.close()
    return {"usage_rows": deleted.split()[-1]}


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """One closed-loop pair, alternating gateway/baseline."""
    assert stack.gateway is not None and stack.stripe_url, "benchmark 8 needs the gateway and the sandbox"
    meter = await _meter(stack)
    customers = stack.seeded.customer_ids[:CUSTOMERS]
    await _warm_mirror(stack, meter, customers[0])
    server = await stack.start_uvicorn("baseline-usage-ingest", "bench.baselines.usage_ingest:app")
    assert server.url is not None
    gateway_spec = LoadSpec(
        stack.gateway_url,
        factory=f"{__name__}:gateway_requests",
        factory_args={"token": stack.api_key, "customer_ids": customers, "meter": meter},
        connections=CONNECTIONS,
        timeout=30.0,
        reject_substring='"code"',
    )
    baseline_spec = LoadSpec(
        server.url,
        factory=f"{__name__}:baseline_requests",
        factory_args={"customer_ids": customers, "meter": meter},
        connections=CONNECTIONS,
        timeout=30.0,
        reject_substring='"error"',
    )
    try:
        gateway, baseline = await run_pair(
            stack, config, 8, NAME, Variant("gateway", stack.gateway, gateway_spec),
            Variant("baseline", server, baseline_spec),
        )  # fmt: skip
    finally:
        cleaned = await _clean_up(stack)
    ratio = throughput_ratio(gateway, baseline)
    judge_min(gateway, ratio, TARGET_RATIO, "throughput gw/base")
    for row, what in ((gateway, "recordUsageBatch over HTTP (GraphQL, ledger, audit, actor send)"),
                      (baseline, "hand-written asyncpg, one unnest INSERT … ON CONFLICT DO NOTHING")):  # fmt: skip
        events = f"{row.throughput_rps * BATCH:,.0f}" if row.throughput_rps is not None else "-"
        row.notes = f"{what}; {events} events/s; {CONNECTIONS} connections, batches of {BATCH:,}"
    gateway.extra.update(cleaned)
    return [gateway, baseline]


BENCHMARK = Benchmark(8, NAME, f"≥ {TARGET_RATIO:g}x baseline events/s", run)
