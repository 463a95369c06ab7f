"""`GET /metrics` of the real server: Prometheus text that moves when traffic flows."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import WATCH, live_socket, subscribe, until_succeeded, wait_subscribed
from tests.support.localstripe import LocalStripe
from tests.support.metrics import Samples, scrape, total
from tests.support.operations import create_customer, create_payment, customer_with_card


async def _scrape(gateway: GatewayProcess) -> Samples:
    return await scrape(gateway.url)  # no credentials: the endpoint is open


async def test_metrics_parse_and_move_with_traffic(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    before = await _scrape(gateway)

    await graphql.execute("query MetricsProbe { __typename }")
    await create_customer(graphql)

    after = await _scrape(gateway)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    graphql_requests = "gateway_graphql_requests_total"
    assert moved(graphql_requests, operation_name="MetricsProbe", operation_type="query", outcome="ok") == 1
    assert moved(graphql_requests, operation_type="mutation", outcome="ok") >= 1
    assert moved("gateway_graphql_request_duration_seconds_count", operation_type="mutation") >= 1
    assert moved("gateway_http_requests_total", method="POST", path="/graphql", status="200") >= 2
    # The scrape before counts itself once it has answered.
    assert moved("gateway_http_requests_total", method="GET", path="/metrics", status="200") >= 1
    assert moved("gateway_stripe_request_duration_seconds_count", resource="customers", action="create") >= 1

    # customer.created comes back as a webhook, which the embedded worker processes.
    worker_count = "gateway_worker_event_duration_seconds_count"
    deadline = time.monotonic() + 20
    while total(after, worker_count) <= total(before, worker_count) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        after = await _scrape(gateway)
    assert total(after, worker_count) > total(before, worker_count)

    for status in ("pending", "processing", "processed", "failed", "ignored"):
        assert ("gateway_webhook_inbox_events", frozenset({("status", status)})) in after, status
    assert ("gateway_live_subscribers", frozenset()) in after


async def test_identical_live_subscribers_share_results_and_metrics_show_it(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    """Three sockets, same key, document and variables: one execution per event, the others reuse it."""
    customer, _ = await customer_with_card(graphql, localstripe.url)
    variables = {"customerId": customer["id"], "withPayment": True}
    before = await _scrape(gateway)
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(live_socket(gateway, api_key)) for _ in range(3)]
        operations = [await subscribe(ws, WATCH, variables) for ws in sockets]
        await wait_subscribed(gateway, len(operations))
        await create_payment(graphql, customer["id"], 4242)
        await asyncio.gather(*(until_succeeded(ws, {op}, 20) for ws, op in zip(sockets, operations, strict=True)))
    after = await _scrape(gateway)

    def moved(name: str, outcome: str) -> float:
        return total(after, name, outcome=outcome) - total(before, name, outcome=outcome)

    executed, shared = moved("gateway_live_results_total", "executed"), moved("gateway_live_results_total", "shared")
    assert executed >= 1, "at least one event (SUCCEEDED) was executed once for the three"
    assert shared >= 2 * executed, (executed, shared)
    assert moved("gateway_live_frame_encodings_total", "encoded") >= 1
    assert moved("gateway_live_frame_encodings_total", "reused") >= 2
