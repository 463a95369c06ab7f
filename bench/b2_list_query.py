"""Gateway: `customers(first: 100)` with each customer's `paymentMethods(first: 5)` (with `isDefault`) and
`subscriptions(first: 5)`, over HTTP. Baseline: `bench/baselines/read_api.py` `POST /b2`, Starlette +
asyncpg running the gateway's statements (API key, the page, one window query per nested list, the
customers behind `isDefault`) on one connection and building the same JSON by hand.

Closed loop at saturation with 4 connections (an answer takes tens of ms). Both answers are
compared first (same JSON). The SQL statements the gateway's GraphQL execution costs are counted
in-process (`bench/statements.py`) for pages of 10 and 100 customers: they must be equal (no N+1).
"""

from __future__ import annotations

from bench.documents import LIST_QUERY, check_same_answer, graphql_request
from bench.harness import Benchmark, Result, RunConfig, Stack, Variant, judge_min, run_pair, throughput_ratio
from bench.load import LoadSpec
from bench.statements import count_statements

PAGE = 100
HEAVY_CONNECTIONS = 4
"""Fewer connections than benchmark 1: an answer takes tens of ms, and 4 keep one core busy."""


def connections(config: RunConfig) -> int:
    """Closed-loop connections for these heavy requests."""
    return min(config.concurrency, HEAVY_CONNECTIONS)


TARGET = 0.2


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """Measure benchmark 2."""
    server = await stack.start_uvicorn("baseline-read", "bench.baselines.read_api:app")
    assert server.url is not None and stack.gateway is not None
    small, big = await count_statements(stack.database_url, LIST_QUERY, [{"first": 10}, {"first": PAGE}])
    gateway_request = graphql_request("/graphql", stack.api_key, LIST_QUERY, {"first": PAGE})
    baseline_request = graphql_request("/b2", stack.api_key, LIST_QUERY, {"first": PAGE})
    size = await check_same_answer(stack.gateway_url, gateway_request, server.url, baseline_request)
    gateway, baseline = await run_pair(
        stack,
        config,
        2,
        "list query",
        Variant(
            "gateway", stack.gateway, LoadSpec(stack.gateway_url, [gateway_request], connections=connections(config))
        ),
        Variant("baseline", server, LoadSpec(server.url, [baseline_request], connections=connections(config))),
    )
    judge_min(gateway, throughput_ratio(gateway, baseline), TARGET, "throughput gw/base")
    constant = small == big
    gateway.met = bool(gateway.met) and constant
    gateway.notes = (
        f"SQL statements of the GraphQL execution: {small} for 10 customers, {big} for {PAGE} "
        f"({'constant' if constant else 'NOT constant'}), plus 1 API-key lookup per request; "
        f"answer {size} bytes of JSON, identical on both sides"
    )
    gateway.extra["sql_statements_page_10"] = small
    gateway.extra[f"sql_statements_page_{PAGE}"] = big
    baseline.notes = "4 statements per request by construction (the gateway's, API-key lookup included)"
    return [gateway, baseline]


BENCHMARK = Benchmark(
    2, "list query", f"≥ {TARGET}x baseline throughput, SQL statements constant in the page size", run
)
