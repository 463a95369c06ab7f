"""Signed Stripe webhooks POSTed to the gateway's receiver and to a hand-written one (verify, store, enqueue, 2xx).

Every request is a new `payment_intent.succeeded` event (Stripe's example object from
`tests/fixtures/stripe`, about 1.4 KB) with its own id and a fresh `Stripe-Signature`,
so each one is verified, inserted and enqueued; none is a duplicate. The gateway is
`POST /webhooks/stripe` (signature via the Stripe SDK against every configured secret,
`INSERT … ON CONFLICT DO NOTHING RETURNING id` through Tortoise, Dramatiq `send()` on a
thread, `UPDATE … enqueued_at`, JSON answer). The baseline is
`bench/baselines/webhook_receiver.py`: `hmac.compare_digest`, one asyncpg INSERT of the
same shape into a copy of the inbox table, one Redis LPUSH, JSON answer. No worker
consumes during the runs (the worker is not started yet in a full run, benchmark 5 starts
it), so only ingest is measured; afterwards the queued messages and the inserted rows
are removed, so no later benchmark inherits a backlog.

Two pairs, each alternating gateway/baseline: closed loop (`concurrency` connections)
for throughput, then open loop at 500 events/s (40/s in the smoke run) for latency.
The verdict needs both: throughput ratio ≥ 0.7 and the gateway's p99 at 500/s < 20 ms.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Final

import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as aioredis

from base.redis_names import RedisNames
from bench.baselines.webhook_receiver import LIST_KEY, TABLE
from bench.harness import (
    Benchmark,
    Result,
    RunConfig,
    Stack,
    Variant,
    judge_min,
    run_pair,
    throughput_ratio,
    uvicorn_argv,
)
from bench.load import HttpRequest, LoadSpec
from bench.ws_events import WEBHOOK_PATH, payment_intent_event, sign
from tasks.broker import QUEUE
from tests.support.net import free_port

__all__ = ["BENCHMARK", "run", "webhook_requests"]

NAME: Final = "webhook ingest"
TARGET: Final = "gateway ≥ 0.7x baseline throughput; p99 < 20 ms at 500 events/s"
RATE: Final = 500.0
SMOKE_RATE: Final = 40.0
OPEN_CONNECTIONS: Final = 64
"""Open loop: enough keep-alive connections that a request never waits for a free one at 500/s."""
EVENT_PREFIX: Final = "evt_b4_"


def dramatiq_keys(redis_url: str) -> tuple[str, str]:
    """The queue of `tasks.broker` (queue `webhooks`, default REDIS_PREFIX): its message list and bodies."""
    queue = f"{RedisNames.for_url(redis_url).broker_namespace}:{QUEUE}"
    return queue, f"{queue}.msgs"


_PLACEHOLDER: Final = "__EVENT_NUMBER__"


def webhook_requests(secret: str) -> Callable[[int], HttpRequest]:
    """`bench.load` factory: request `i` is a new event, signed now; ids are unique across load runs."""
    run_id = uuid.uuid4().hex[:12]
    event = payment_intent_event(None)
    event["id"] = f"{EVENT_PREFIX}{run_id}_{_PLACEHOLDER}"
    # The body is rendered once; per request only the id's number and the signature change.
    head, tail = json.dumps(event, separators=(",", ":")).encode().split(_PLACEHOLDER.encode())

    def make(i: int) -> HttpRequest:
        body = head + str(i).encode() + tail
        headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": sign(body, secret)}
        return HttpRequest("POST", WEBHOOK_PATH, headers, body)

    return make


def _spec(url: str, secret: str, config: RunConfig) -> LoadSpec:
    return LoadSpec(
        url=url,
        factory=f"{__name__}:webhook_requests",
        factory_args={"secret": secret},
        mode="closed",
        connections=config.concurrency,
        reject_substring=None,
    )


async def _clean_up(stack: Stack) -> dict[str, float | str]:
    """Drop what the runs left: queued Dramatiq messages, inbox rows, the baseline's table and list."""
    client = aioredis.Redis.from_url(stack.redis_url)
    try:
        keys = dramatiq_keys(stack.redis_url)
        queued = int(await client.llen(keys[0]))
        await client.delete(*keys, LIST_KEY)
    finally:
        await client.aclose()
    conn = await asyncpg.connect(stack.database_url)
    try:
        deleted = await conn.execute("DELETE FROM webhook_events WHERE stripe_event_id LIKE $1", f"{EVENT_PREFIX}%")
        await conn.execute(f'DROP TABLE IF EXISTS "{TABLE}"')
    finally:
        await conn.close()
    return {"gateway_messages_queued": queued, "gateway_rows": deleted.split()[-1]}


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """Closed-loop pair for throughput, open-loop pair for latency at the target rate."""
    port = free_port()
    baseline = await stack.start_server(
        "b4-baseline", uvicorn_argv("bench.baselines.webhook_receiver:app", port), port=port
    )
    assert stack.gateway is not None
    try:
        closed_gw, closed_base = await run_pair(
            stack,
            config,
            4,
            NAME,
            Variant("gateway", stack.gateway, _spec(stack.gateway_url, stack.webhook_secret, config)),
            Variant("baseline", baseline, _spec(baseline.url or "", stack.webhook_secret, config)),
        )
        rate = SMOKE_RATE if config.smoke else RATE
        label = f"@{rate:g}rps"  # no "/": the harness puts variant labels into profile file names
        open_gw, open_base = await run_pair(
            stack,
            config,
            4,
            NAME,
            Variant(
                f"gateway {label}",
                stack.gateway,
                replace(
                    _spec(stack.gateway_url, stack.webhook_secret, config),
                    mode="open",
                    rate=rate,
                    connections=OPEN_CONNECTIONS,
                ),
            ),
            Variant(
                f"baseline {label}",
                baseline,
                replace(
                    _spec(baseline.url or "", stack.webhook_secret, config),
                    mode="open",
                    rate=rate,
                    connections=OPEN_CONNECTIONS,
                ),
            ),
        )
    finally:
        baseline.stop()
        cleaned = await _clean_up(stack)
    ratio = throughput_ratio(closed_gw, closed_base)
    judge_min(closed_gw, ratio, 0.7, "throughput gw/base")
    p99 = open_gw.p99_ms
    # A failed or unanswered request is no latency sample: p99 alone would flatter a server that drops some.
    latency_met = p99 is not None and p99 < 20.0 and open_gw.extra.get("errors") == 0
    closed_gw.met = bool(closed_gw.met) and latency_met
    closed_gw.notes = (
        f"closed loop, {config.concurrency} connections; p99 at {rate:g}/s: "
        f"{'-' if p99 is None else f'{p99:.2f}'} ms ({'met' if latency_met else 'NOT met'}: < 20 ms)"
    )
    closed_gw.extra.update(cleaned)
    closed_base.notes = f"closed loop, {config.concurrency} connections"
    if open_gw.p99_ms is not None and open_base.p99_ms:
        open_gw.ratio, open_gw.ratio_label = open_gw.p99_ms / open_base.p99_ms, "p99 gw/base"
    for row in (open_gw, open_base):
        row.notes = f"open loop at {rate:g}/s, up to {OPEN_CONNECTIONS} connections; latency from the scheduled send"
    return [closed_gw, closed_base, open_gw, open_base]


BENCHMARK = Benchmark(4, NAME, TARGET, run)
