"""Gateway: benchmark 2's document (`customers(first: 100)` with nested payment methods and
subscriptions) over HTTP. Baseline: `bench/baselines/graphql_core_app.py`, raw graphql-core executing
the same document, parsed and validated once, against a schema built from the gateway's own
`schema.graphql`, with resolvers reading the same rows with the same statements through asyncpg and
batching like the gateway's DataLoaders; served by Starlette under uvicorn like the gateway.

So both sides do the same SQL and the same GraphQL work (about 3,000 resolved fields per answer);
what differs is the stack: strawberry with the gateway's extensions, permission classes and
types, the HTTP gate, Tortoise models. The ratio is the cost of one request, gateway over baseline:
server CPU per request (from /proc, over the measured windows). It used to be the inverse throughput
ratio, which is the same thing only while both servers saturate their core; on a shared two-core
machine a server often waits on PostgreSQL or the load process instead (a run printed 1.69 from
throughput with the gateway at 72% of its core, 1.32 from CPU), so the throughput ratio is in the
details. Closed loop with 4 connections, as for 2; both answers are compared first.
"""

from __future__ import annotations

from bench.b2_list_query import PAGE, connections
from bench.documents import LIST_QUERY, check_same_answer, graphql_request
from bench.harness import Benchmark, Result, RunConfig, Stack, Variant, judge_max, run_pair, throughput_ratio
from bench.load import LoadSpec

TARGET = 1.15


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """Measure benchmark 3."""
    server = await stack.start_uvicorn("baseline-graphql-core", "bench.baselines.graphql_core_app:app")
    assert server.url is not None and stack.gateway is not None
    gateway_request = graphql_request("/graphql", stack.api_key, LIST_QUERY, {"first": PAGE})
    baseline_request = graphql_request("/graphql", stack.api_key, LIST_QUERY, {"first": PAGE})
    await check_same_answer(stack.gateway_url, gateway_request, server.url, baseline_request)
    gateway, baseline = await run_pair(
        stack,
        config,
        3,
        "strawberry stack vs raw graphql-core",
        Variant(
            "gateway", stack.gateway, LoadSpec(stack.gateway_url, [gateway_request], connections=connections(config))
        ),
        Variant("baseline", server, LoadSpec(server.url, [baseline_request], connections=connections(config))),
    )
    throughput = throughput_ratio(gateway, baseline)
    if throughput:
        gateway.extra["inverse_throughput_ratio"] = round(1 / throughput, 2)
    gateway_cpu = gateway.extra.get("server_cpu_ms_per_request")
    baseline_cpu = baseline.extra.get("server_cpu_ms_per_request")
    cost = None
    if isinstance(gateway_cpu, float) and isinstance(baseline_cpu, float) and baseline_cpu:
        cost = gateway_cpu / baseline_cpu
        gateway.notes = f"server CPU per request {gateway_cpu:.1f} ms vs {baseline_cpu:.1f} ms"
    judge_max(gateway, cost, TARGET, "CPU per request gw/base")
    baseline.notes = "graphql-core execute() of a cached document; same SQL as the gateway"
    return [gateway, baseline]


BENCHMARK = Benchmark(
    3, "strawberry stack vs raw graphql-core", f"≤ {TARGET}x baseline cost (server CPU) per request", run
)
