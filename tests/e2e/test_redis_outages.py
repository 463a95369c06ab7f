"""Redis restarted or stopped under a real gateway (issue 12, items 7, 9, 10 and 11; docs/degraded-mode.md).

Each test runs `billing-gateway serve` (and a `billing-gateway worker` where events flow) on a
`redis-server` of its own (`tests.support.redis_server.RedisServer`), never the machine's 6379.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection

from base.redis_names import RedisNames
from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import live_socket, subscribe
from tests.support.localstripe import stripe_request
from tests.support.metrics import wait_for_metric
from tests.support.operations import customer_with_card
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer, own_redis
from tests.support.webhook_load import wait_ready, worker_process

WATCH = """
subscription Watch($customerId: ID) {
  paymentStatusChanged(customerId: $customerId) {
    eventId occurredAt status previousStatus resumedAfterGap payment { stripeId status }
  }
}
"""
WATCH_STATUS = "subscription { paymentStatusChanged { eventId status } }"


@asynccontextmanager
async def gateway_on_own_redis(
    gateway_factory: GatewayFactory, test_logs: Path, **env: str
) -> AsyncIterator[tuple[RedisServer, GatewayProcess]]:
    """A gateway (no webhooks) on a redis-server of this test's own, which the test may stop and start."""
    with own_redis(test_logs) as redis_server:
        yield redis_server, await gateway_factory(redis_url=redis_server.url, register_webhooks=False, **env)


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
            channel = RedisNames.for_url(redis_server.url).status_channel
            counts = dict(await client.pubsub_numsub(channel))
            if counts.get(channel.encode(), 0) >= 1:
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
        async with running_worker(gateway, test_logs / f"restart-worker-{redis_server.port}.log") as worker:
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
            # The scenario happened: the worker's pooled connection had died with the old server.
            assert "retrying on a fresh connection" in worker.log_text()
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
    async with gateway_on_own_redis(gateway_factory, test_logs) as (_, gateway):
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


# -- item 9: rate limits while Redis is down ----------------------------------------------

READS_PER_MINUTE = 5
VIEWER = "query { viewer { id } }"


async def read(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.timeout(120)
async def test_with_redis_stopped_the_read_limit_still_applies_per_process(
    gateway_factory: GatewayFactory, test_logs: Path
) -> None:
    limit = {"rate_limit_reads_per_minute": str(READS_PER_MINUTE)}
    async with gateway_on_own_redis(gateway_factory, test_logs, **limit) as (redis_server, gateway):
        key = gateway.create_api_key("read", name="limited-while-redis-down")
        other = gateway.create_api_key("read", name="probe-after-redis-returns")
        redis_server.stop()
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
            answers = [await read(http, key) for _ in range(READS_PER_MINUTE + 3)]
            statuses = [answer.status_code for answer in answers]
            assert statuses == [200] * READS_PER_MINUTE + [429] * 3, statuses
            refused = answers[-1]
            assert 1 <= int(refused.headers["retry-after"]) <= 60, refused.headers
            assert [error["extensions"]["code"] for error in refused.json()["errors"]] == ["RATE_LIMITED"]
            await wait_for_metric(gateway.url, "gateway_rate_limit_fallback", lambda v: v == 1, timeout=5)
            assert "limiting with this process's own buckets" in gateway.log_text()

            # Redis back: the limiter returns to the shared buckets by itself.
            redis_server.start()
            deadline = time.monotonic() + 20
            while True:
                # 200 or 429 (its own budget may run out meanwhile): either way the limiter answered.
                assert (await read(http, other)).status_code in (200, 429)
                if "back to the shared buckets" in gateway.log_text():
                    break
                assert time.monotonic() < deadline, "the limiter did not go back to Redis"
                await asyncio.sleep(0.5)
            await wait_for_metric(gateway.url, "gateway_rate_limit_fallback", lambda v: v == 0, timeout=5)
        client = aioredis.Redis.from_url(redis_server.url)
        try:
            buckets = RedisNames.for_url(redis_server.url).rate_limit_key("read", "*", "*")
            assert await client.keys(buckets), "the shared buckets are used again"
        finally:
            await client.aclose()


# -- item 10: readiness with a soft dependency down ---------------------------------------


async def ready(gateway: GatewayProcess) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        response = await http.get("/health/ready")
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def wait_ready_status(
    gateway: GatewayProcess, status: str, *, degraded: str | None = None, timeout: float = 20.0
) -> dict[str, Any]:
    """Poll `/health/ready` until its status is `status` (and `degraded` names that check); it must answer 200."""
    deadline = time.monotonic() + timeout
    while True:
        code, body = await ready(gateway)
        assert code == 200, (code, body)
        if body["status"] == status and (degraded is None or degraded in body["degraded"]):
            return body
        assert time.monotonic() < deadline, f"readiness still {code} {body}"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(120)
async def test_readiness_with_redis_stopped_is_200_degraded_and_metrics_show_it(
    gateway_factory: GatewayFactory, test_logs: Path
) -> None:
    async with gateway_on_own_redis(gateway_factory, test_logs) as (redis_server, gateway):
        body = await wait_ready_status(gateway, "ok")
        assert body["degraded"] == [] and body["checks"]["redis"]["ok"] is True, body

        redis_server.stop()
        body = await wait_ready_status(gateway, "degraded", degraded="redis")
        assert body["checks"]["database"]["ok"] is True, body
        assert body["checks"]["redis"]["ok"] is False, body
        assert "redis" in body["degraded"], body
        await wait_for_metric(gateway.url, "gateway_dependency_up", lambda v: v == 0, timeout=5, dependency="redis")
        await wait_for_metric(gateway.url, "gateway_dependency_up", lambda v: v == 1, timeout=5, dependency="database")
        await wait_for_metric(gateway.url, "gateway_live_upstream_connected", lambda v: v == 0, timeout=5)
        # Still serving: reads work without Redis.
        key = gateway.create_api_key("read", name="reads-without-redis")
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
            answer = await read(http, key)
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text

        redis_server.start()
        body = await wait_ready_status(gateway, "ok", timeout=30)
        assert body["checks"]["liveUpdates"]["ok"] is True, body
        await wait_for_metric(gateway.url, "gateway_dependency_up", lambda v: v == 1, timeout=5, dependency="redis")


@pytest.mark.timeout(120)
async def test_readiness_with_stripe_stopped_is_200_degraded_and_metrics_show_it(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory
) -> None:
    emulator = localstripe_factory()
    gateway = await gateway_factory(localstripe=emulator, register_webhooks=False)
    await wait_ready_status(gateway, "ok")
    emulator.stop()
    body = await wait_ready_status(gateway, "degraded", degraded="stripe")
    assert body["checks"]["stripe"]["ok"] is False and body["checks"]["database"]["ok"] is True, body
    assert body["degraded"] == ["stripe"], body
    await wait_for_metric(gateway.url, "gateway_dependency_up", lambda v: v == 0, timeout=5, dependency="stripe")
    await wait_for_metric(gateway.url, "gateway_dependency_up", lambda v: v == 1, timeout=5, dependency="database")


# -- item 11: Redis connections after a burst of subscribes -------------------------------

SOCKETS = 50
SUBSCRIBES_PER_SOCKET = 20
CONNECTION_BOUND = 10
"""The rate limiter's pool (`base.rate_limit.REDIS_POOL_SIZE`, 8), the live hub's subscription, one spare."""


async def gateway_connections(redis_server: RedisServer) -> int:
    """Clients on this Redis that are not this test's own connection (only the gateway connects to it)."""
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        own = await client.client_id()
        return sum(1 for entry in await client.client_list() if int(entry["id"]) != own)
    finally:
        await client.aclose()


@pytest.mark.timeout(180)
async def test_redis_connections_come_back_under_a_bound_after_1000_subscribes(
    gateway_factory: GatewayFactory, test_logs: Path
) -> None:
    async with gateway_on_own_redis(gateway_factory, test_logs) as (redis_server, gateway):
        api_key = gateway.create_api_key("read", name="many-subscribes")
        before = await gateway_connections(redis_server)
        async with AsyncExitStack() as sockets:
            opened = [await sockets.enter_async_context(live_socket(gateway, api_key)) for _ in range(SOCKETS)]
            # Every subscribe sent at once: their rate-limit checks reach Redis together.
            await asyncio.gather(
                *(subscribe(ws, WATCH_STATUS, {}) for ws in opened for _ in range(SUBSCRIBES_PER_SOCKET))
            )
            total = SOCKETS * SUBSCRIBES_PER_SOCKET
            await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v == total, timeout=60)
            during = await gateway_connections(redis_server)
        await wait_for_metric(gateway.url, "gateway_live_subscribers", lambda v: v == 0, timeout=30)
        deadline = time.monotonic() + 30
        while (after := await gateway_connections(redis_server)) > CONNECTION_BOUND:
            assert time.monotonic() < deadline, f"{after} Redis connections (before {before}, during {during})"
            await asyncio.sleep(0.2)
        print(f"gateway Redis connections: before {before}, with {total} subscribers {during}, after {after}")
