"""Gateway: the `createCustomer` mutation over HTTP (write key, a fresh idempotency key per request), which
claims the key in the ledger, calls Stripe (localstripe), upserts the mirror row, completes the ledger
and writes the audit entry. Baseline: `bench/baselines/stripe_sdk.py`, the bare `stripe` SDK call
(`StripeClient.v1.customers.create_async`) behind a tiny Starlette endpoint, against the same localstripe.

One connection (closed loop), so each latency is one request's own time with no queueing: the
target is gateway p50 minus baseline p50. localstripe is a single-threaded Python emulator and
most of either side's time; it is shared, and the rounds alternate. It pickles its whole store
to disk on every write, so each create is slower than the one before (about 4 ms with an empty
store, 8 ms after 400 customers, measured with the bare SDK): the store is emptied
(`DELETE /_config/data`) before every side's run, or whichever side ran later would pay for the
customers the other created (earlier runs printed a negative "added", from that drift alone).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

import httpx

from bench.harness import Benchmark, Result, RunConfig, Stack, Variant, judge_max, run_pair
from bench.load import HttpRequest, LoadSpec

TARGET_MS = 5.0
MUTATION = (
    "mutation Create($key: String!, $input: CreateCustomerInput!) { createCustomer(idempotencyKey: $key, "
    "input: $input) { customer { id stripeId email name } userErrors { code message } } }"
)


def gateway_requests(token: str) -> Callable[[int], HttpRequest]:
    """Request factory (run in the load process): one `createCustomer` with its own idempotency key each."""
    tag = uuid.uuid4().hex[:12]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def make(i: int) -> HttpRequest:
        variables = {"key": f"bench-{tag}-{i}", "input": {"email": f"bench-{i}@example.com", "name": f"Bench {i}"}}
        body = json.dumps({"query": MUTATION, "variables": variables}).encode()
        return HttpRequest("POST", "/graphql", headers, body)

    return make


def baseline_requests() -> Callable[[int], HttpRequest]:
    """Request factory (run in the load process): the same customer data to the SDK endpoint."""
    tag = uuid.uuid4().hex[:12]
    headers = {"Content-Type": "application/json"}

    def make(i: int) -> HttpRequest:
        data = {"email": f"bench-{i}@example.com", "name": f"Bench {i}", "idempotencyKey": f"bench-{tag}-{i}"}
        return HttpRequest("POST", "/customers", headers, json.dumps(data).encode())

    return make


def emptied_emulator(stripe_url: str) -> Callable[[], Awaitable[None]]:
    """A hook that empties localstripe's store (its customers and everything else)."""

    async def empty() -> None:
        async with httpx.AsyncClient(base_url=stripe_url, timeout=30.0) as client:
            response = await client.delete("/_config/data")
        response.raise_for_status()

    return empty


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """Measure benchmark 7."""
    env = stack.service_env()
    server = await stack.start_uvicorn("baseline-stripe-sdk", "bench.baselines.stripe_sdk:app", env=env)
    assert server.url is not None and stack.gateway is not None
    gateway_spec = LoadSpec(
        stack.gateway_url,
        factory="bench.b7_mutation:gateway_requests",
        factory_args={"token": stack.api_key},
        connections=1,
        reject_substring='"message"',
    )
    baseline_spec = LoadSpec(server.url, factory="bench.b7_mutation:baseline_requests", connections=1)
    assert stack.stripe_url, "benchmark 7 needs the stack's localstripe"
    gateway, baseline = await run_pair(
        stack, config, 7, "createCustomer mutation", Variant("gateway", stack.gateway, gateway_spec),
        Variant("baseline", server, baseline_spec), before_each=emptied_emulator(stack.stripe_url),
    )  # fmt: skip
    added = gateway.p50_ms - baseline.p50_ms if gateway.p50_ms is not None and baseline.p50_ms is not None else None
    judge_max(gateway, added, TARGET_MS, "p50 added, ms")
    if added is not None:
        gateway.notes = f"p50 added by the gateway: {added:.2f} ms (one connection)"
    baseline.notes = "stripe SDK customers.create_async against the same localstripe"
    return [gateway, baseline]


BENCHMARK = Benchmark(7, "createCustomer mutation", f"< {TARGET_MS:g} ms added at p50 over the bare SDK call", run)
