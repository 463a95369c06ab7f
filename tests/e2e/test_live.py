"""GraphQL subscriptions over WebSocket (graphql-transport-ws) on real servers (issue 5, acceptance 1, 3, 4)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
import websockets

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import (
    DISPUTE_STATUS_CHANGED,
    PAYMENT_STATUS_CHANGED,
    live_socket,
    next_payload,
    subscribe,
    wait_subscribed,
    ws_url,
)
from tests.support.localstripe import LocalStripe, confirmed_payment_intent, stripe_request
from tests.support.operations import CREATE_PAYMENT, create_payment, customer_with_card, new_key, payload_of
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer
from tests.support.webhook_load import wait_ready, worker_process


@pytest.mark.timeout(60)
async def test_payment_made_at_the_emulator_reaches_a_subscriber(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    """emulator webhook -> receiver -> worker -> in-process bus -> hub -> WebSocket, for a payment new to the mirror."""
    customer, card = await customer_with_card(graphql, localstripe.url)
    async with live_socket(gateway, api_key) as ws:
        operation_id = await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer["id"]})
        await wait_subscribed(gateway)
        intent = confirmed_payment_intent(localstripe.url, customer["stripeId"], card["stripeId"], 900, "usd")
        deadline = time.monotonic() + 10
        event: dict[str, Any] = {}
        while time.monotonic() < deadline and event.get("status") != "SUCCEEDED":
            result = await next_payload(ws, operation_id, deadline - time.monotonic())
            assert "errors" not in result, result
            event = result["data"]["paymentStatusChanged"]
        assert event["status"] == "SUCCEEDED", event
        assert event["eventId"].startswith("evt_")
        assert event["payment"]["stripeId"] == intent["id"]


@pytest.mark.timeout(60)
async def test_payment_succeeded_reaches_a_subscriber(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    async with live_socket(gateway, api_key) as ws:
        operation_id = await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer["id"]})
        await wait_subscribed(gateway)
        body = await graphql.execute(
            CREATE_PAYMENT,
            {"key": new_key(), "input": {"customerId": customer["id"], "amount": 700, "currency": "usd"}},
        )
        payload = payload_of(body, "createPayment")
        assert payload["userErrors"] == [], payload
        payment = payload["payment"]
        deadline = time.monotonic() + 5
        event: dict[str, Any] = {}
        while time.monotonic() < deadline and event.get("status") != "SUCCEEDED":
            result = await next_payload(ws, operation_id, deadline - time.monotonic())
            assert "errors" not in result, result
            event = result["data"]["paymentStatusChanged"]
        arrived = datetime.now(UTC)
        assert event["status"] == "SUCCEEDED", event
        assert event["eventId"].startswith("evt_")
        assert event["payment"]["id"] == payment["id"]
        assert event["payment"]["status"] == "SUCCEEDED"
    # Acceptance: the frame arrives within 2 s of the emulator's webhook reaching the gateway
    # (the inbox row's creation time; both clocks are this machine's).
    conn = await asyncpg.connect(gateway.database_url)
    try:
        received = await conn.fetchval(
            "SELECT created_at FROM webhook_events WHERE stripe_event_id = $1", event["eventId"]
        )
    finally:
        await conn.close()
    assert received is not None
    latency = (arrived - received).total_seconds()
    print(f"webhook received -> WebSocket frame: {latency * 1000:.0f} ms")
    assert latency < 2.0, f"{latency:.2f} s from webhook to frame"


@pytest.mark.timeout(60)
async def test_dispute_events_from_the_sandbox_reach_a_subscriber_of_that_dispute(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    """sandbox `charge.dispute.*` -> receiver -> worker -> hub -> WebSocket, filtered by `disputeId`."""
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 800)
    async with live_socket(gateway, api_key) as ws:
        by_customer = await subscribe(ws, DISPUTE_STATUS_CHANGED, {"customerId": customer["id"]})
        await wait_subscribed(gateway)
        opened = stripe_request(
            localstripe.url, "POST", "/_sandbox/disputes", data={"payment_intent": payment["stripeId"]}
        )
        result = await next_payload(ws, by_customer, 10)
        assert "errors" not in result, result
        event = result["data"]["disputeStatusChanged"]
        assert (event["status"], event["dispute"]["stripeId"]) == ("NEEDS_RESPONSE", opened["id"])
        by_dispute = await subscribe(ws, DISPUTE_STATUS_CHANGED, {"disputeId": event["dispute"]["id"]})
        await wait_subscribed(gateway, 2)
        stripe_request(localstripe.url, "POST", f"/_sandbox/disputes/{opened['id']}/close", data={"status": "lost"})
        seen: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 10
        while len(seen) < 2:
            raw = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
            if raw.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert raw["type"] == "next" and "errors" not in raw["payload"], raw
            seen[raw["id"]] = raw["payload"]["data"]["disputeStatusChanged"]
        assert set(seen) == {by_customer, by_dispute}
        for closed in seen.values():
            assert (closed["status"], closed["previousStatus"]) == ("LOST", "NEEDS_RESPONSE"), closed


async def test_bad_token_closes_the_socket_with_4403(gateway: GatewayProcess) -> None:
    async with websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer bgk_nope_nope"}}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4403


async def test_missing_token_closes_the_socket_with_4403(gateway: GatewayProcess) -> None:
    async with websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4403


@pytest.mark.timeout(150)
async def test_a_webhook_at_one_process_reaches_a_subscriber_of_another(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> None:
    redis_server = RedisServer(test_logs)
    redis_server.start()
    worker: ManagedProcess | None = None
    try:
        emulator = localstripe_factory()
        # The emulator's webhooks reach process 2 only; the subscriber is on process 1.
        first = await gateway_factory(localstripe=emulator, redis_url=redis_server.url, register_webhooks=False)
        second = await gateway_factory(
            localstripe=emulator, database_url=first.database_url, redis_url=redis_server.url
        )
        worker = worker_process(first.env, test_logs / f"live-worker-{redis_server.port}.log", threads=2)
        worker.spawn()
        await wait_ready(worker)

        api_key = first.create_api_key("read,write", name="live")
        async with GraphQLClient(first.url, api_key) as client:
            customer, card = await customer_with_card(client, emulator.url)
        async with live_socket(first, api_key) as ws:
            operation_id = await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer["id"]})
            await wait_subscribed(first)
            intent = confirmed_payment_intent(emulator.url, customer["stripeId"], card["stripeId"], 1234, "usd")
            deadline = time.monotonic() + 10
            received: dict[str, Any] = {}
            while time.monotonic() < deadline and received.get("status") != "SUCCEEDED":
                result = await next_payload(ws, operation_id, deadline - time.monotonic())
                assert "errors" not in result, result
                received = result["data"]["paymentStatusChanged"]
            assert received["status"] == "SUCCEEDED", received
            assert received["payment"]["stripeId"] == intent["id"]
        assert "/webhooks/stripe" in second.log_text()
        assert "/webhooks/stripe" not in first.log_text()
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()
