"""Redis restarted or stopped under a real gateway (issue 12, items 7, 9, 10 and 11; docs/degraded-mode.md).

Each test runs `billing-gateway serve` (and a `billing-gateway worker` where events flow) on a
`redis-server` of its own (`tests.support.redis_server.RedisServer`), never the machine's 6379.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection

from tests.e2e.operations import customer_with_card
from tests.e2e.test_live import live_socket, subscribe
from tests.e2e.test_webhook_faults import wait_ready, worker_process
from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import stripe_request
from tests.support.metrics import wait_for_metric
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer

WATCH = """
subscription Watch($customerId: ID) {
  paymentStatusChanged(customerId: $customerId) {
    eventId occurredAt status previousStatus resumedAfterGap payment { stripeId status }
  }
}
"""
WATCH_STATUS = "subscription { paymentStatusChanged { eventId status } }"
STATUS_CHANNEL = "billing-gateway:status"


@contextmanager
def own_redis(test_logs: Path) -> Iterator[RedisServer]:
    server = RedisServer(test_logs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def running_worker(gateway: GatewayProcess, log_path: Path) -> AsyncIterator[ManagedProcess]:
    """One worker thread (events applied in order), the sweeper at test pace (production: 5 s, 10 s)."""
    env = {**gateway.env, "WEBHOOK_SWEEP_INTERVAL_SECONDS": "0.5", "WEBHOOK_PENDING_GRACE_SECONDS": "1"}
    worker = worker_process(env, log_path, threads=1)
    worker.spawn()
    try:
        await wait_ready(worker)
        yield worker
    finally:
        worker.stop()


def pay(emulator_url: str, customer: dict[str, Any], card: dict[str, Any], amount: int) -> str:
    """A confirmed PaymentIntent made at the emulator (its webhooks reach the gateway); its id."""
    intent = stripe_request(
        emulator_url,
        "POST",
        "/v1/payment_intents",
        data={
            "customer": customer["stripeId"],
            "amount": str(amount),
            "currency": "usd",
            "payment_method": card["stripeId"],
            "confirm": "true",
        },
    )
    intent_id: str = intent["id"]
    return intent_id


async def next_event(ws: ClientConnection, operation_id: str, deadline: float) -> dict[str, Any]:
    """The next `paymentStatusChanged` event on the socket (AssertionError at `deadline`)."""
    import json

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("no event before the deadline")
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            raise AssertionError("no event before the deadline") from None
        message = json.loads(raw)
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message.get("id") == operation_id and message["type"] == "next", message
        assert "errors" not in message["payload"], message
        event: dict[str, Any] = message["payload"]["data"]["paymentStatusChanged"]
        return event


async def events_until(
    ws: ClientConnection, operation_id: str, stripe_id: str, status: str, timeout: float
) -> list[dict[str, Any]]:
    """Every event received until one of `stripe_id` has `status` (that one last)."""
    deadline = time.monotonic() + timeout
    received: list[dict[str, Any]] = []
    while True:
        try:
            event = await next_event(ws, operation_id, deadline)
        except AssertionError as exc:
            raise AssertionError(f"no {status} event for {stripe_id} within {timeout:.0f} s; got {received}") from exc
        received.append(event)
        if event["payment"] is not None and event["payment"]["stripeId"] == stripe_id and event["status"] == status:
            return received


async def wait_hub_subscribed(redis_server: RedisServer, timeout: float = 30.0) -> None:
    """Until the gateway's live hub holds its subscription to the status channel on this Redis."""
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            counts = dict(await client.pubsub_numsub(STATUS_CHANNEL))
            if counts.get(STATUS_CHANNEL.encode(), 0) >= 1:
                return
            assert time.monotonic() < deadline, "the gateway did not subscribe to the status channel again"
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()


async def wait_inbox_settled(gateway: GatewayProcess, timeout: float = 20.0) -> None:
    for status in ("pending", "processing"):
        await wait_for_metric(
            gateway.url, "gateway_webhook_inbox_events", lambda v: v == 0, timeout=timeout, status=status
        )


# -- item 7: a status event after Redis restarts ------------------------------------------


@pytest.mark.timeout(180)
async def test_a_status_change_after_redis_restarts_reaches_the_subscriber_flagged_as_after_a_gap(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> None:
    with own_redis(test_logs) as redis_server:
        emulator = localstripe_factory()
        gateway = await gateway_factory(localstripe=emulator, redis_url=redis_server.url)
        async with running_worker(gateway, test_logs / f"restart-worker-{redis_server.port}.log"):
            api_key = gateway.create_api_key("read,write", name="redis-restart")
            async with GraphQLClient(gateway.url, api_key) as client:
                customer, card = await customer_with_card(client, emulator.url)
            async with live_socket(gateway, api_key) as ws:
                operation_id = await subscribe(ws, WATCH, {"customerId": customer["id"]})
                await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v >= 1, timeout=10)

                # Before the restart: the worker's publisher has a connection to Redis.
                before = pay(emulator.url, customer, card, 1100)
                received = await events_until(ws, operation_id, before, "SUCCEEDED", timeout=20)
                assert all(event["resumedAfterGap"] is False for event in received), received
                await wait_inbox_settled(gateway)

                redis_server.stop()
                redis_server.start()
                await wait_hub_subscribed(redis_server)

                # The first status message the worker publishes after the restart: the new row.
                after = pay(emulator.url, customer, card, 2200)
                received = await events_until(ws, operation_id, after, "SUCCEEDED", timeout=30)
        assert received[0]["resumedAfterGap"] is True, received
        assert all(event["resumedAfterGap"] is False for event in received[1:]), received
        ours = [event for event in received if event["payment"]["stripeId"] == after]
        assert ours[0]["previousStatus"] is None, ours  # the row's first message was not lost


# -- item 11: a subscriber whose socket was aborted ---------------------------------------


def abort(ws: ClientConnection) -> None:
    """Drop the TCP connection with a reset: no close frame, no FIN (a client that vanished)."""
    sock = ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.transport.abort()


@pytest.mark.timeout(90)
async def test_aborted_sockets_leave_the_live_subscriber_gauge(
    gateway_factory: GatewayFactory, test_logs: Path
) -> None:
    """Sockets reset while their subscription is being set up (its rate-limit check in Redis), and one reset later."""
    with own_redis(test_logs) as redis_server:
        gateway = await gateway_factory(redis_url=redis_server.url, register_webhooks=False)
        api_key = gateway.create_api_key("read", name="abort")
        async with live_socket(gateway, api_key) as kept, live_socket(gateway, api_key) as aborted:
            await subscribe(kept, WATCH_STATUS, {})
            await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v == 1, timeout=10)
            for _ in range(20):
                async with live_socket(gateway, api_key) as ws:
                    await subscribe(ws, WATCH_STATUS, {})
                    abort(ws)
            await subscribe(aborted, WATCH_STATUS, {})
            await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v >= 2, timeout=10)
            abort(aborted)
            # No event is published meanwhile: the sockets' death alone must remove their subscribers.
            await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v == 1, timeout=10)
