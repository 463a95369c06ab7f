"""Two deployments on ONE redis-server never hear each other (issue 13, item 5, acceptance 4).

Each deployment is a `billing-gateway serve` with a `billing-gateway worker` of its own, its own
PostgreSQL database and its own localstripe; they share one redis-server (this test's own), told
apart only by `REDIS_PREFIX` or by the database number of `REDIS_URL`. Checked: live events (A's
payment reaches A's subscriber and not B's, on the wire and over WebSocket; B's own payment reaches
B, proving B was listening), rate limits (the same principal id exhausts A's budget and not B's),
broker queues (each worker consumes only its own deployment's queue), and every key on the server
is under one of the two namespaces.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection

from base.redis_names import DEFAULT_PREFIX, RedisNames
from tasks.broker import QUEUE
from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, confirmed_payment_intent
from tests.support.metrics import wait_for_metric
from tests.support.operations import customer_with_card
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer, own_redis
from tests.support.webhook_load import wait_ready, worker_process
from tests.support.ws import connect, subscribe

WATCH_EVERY_PAYMENT = """
subscription { paymentStatusChanged { eventId status payment { stripeId } } }
"""
VIEWER = "query { viewer { id } }"
READS = 5
"""The read budget per principal and minute on both deployments (the live key spends 1 to subscribe)."""
QUIET_SECONDS = 2.0
"""How long B must stay silent after A's payment was heard and A's inbox had settled.

Both uses (B silent after A's payment; nothing late at A after B's) are bounded negative checks,
the one kind of wait here that is no poll: nothing acknowledges an absence. Each subscription also
receives its own deployment's payment (B's after its window), so a dead one cannot pass as silence."""
EVENT_TIMEOUT_SECONDS = 20.0

CASES = {
    "different prefixes, one database": (("deploy-a", 0), ("deploy-b", 0)),
    "one prefix (the default), different databases": ((None, 1), (None, 2)),
}


@dataclass
class Deployment:
    name: str
    gateway: GatewayProcess
    emulator: LocalStripe
    worker: ManagedProcess
    names: RedisNames
    live_key: str


async def deploy(
    name: str,
    prefix: str | None,
    redis_url: str,
    gateway_factory: GatewayFactory,
    localstripe_factory: LocalStripeFactory,
    test_logs: Path,
) -> Deployment:
    """A gateway and a worker, with their own database and emulator, on `redis_url` (and `prefix`)."""
    emulator = await asyncio.to_thread(localstripe_factory)
    env = {"redis_url": redis_url, "rate_limit_reads_per_minute": str(READS)}
    if prefix is not None:
        env["redis_prefix"] = prefix
    gateway = await gateway_factory(localstripe=emulator, **env)
    names = RedisNames.for_url(redis_url, prefix or DEFAULT_PREFIX)
    assert f"under {names.namespace}:" in gateway.log_text()  # the banner names the namespace
    deployment = Deployment(name, gateway, emulator, await start_worker(gateway, name, test_logs), names, "")
    deployment.live_key = await asyncio.to_thread(gateway.create_api_key, "read,write", "live")
    return deployment


async def start_worker(gateway: GatewayProcess, name: str, test_logs: Path) -> ManagedProcess:
    """`billing-gateway worker` with the gateway's environment, ready (a new log per start)."""
    log = test_logs / f"ns-worker-{name}-{gateway.port}-{time.monotonic_ns()}.log"
    worker = worker_process(gateway.env, log, threads=2)
    worker.spawn()
    await wait_ready(worker)
    return worker


@asynccontextmanager
async def every_publish(redis_server: RedisServer) -> AsyncIterator[list[tuple[str, str]]]:
    """(channel, data) of every message PUBLISHed on the server, in any database, while inside."""
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    pubsub = client.pubsub()
    await pubsub.psubscribe("*")
    seen: list[tuple[str, str]] = []

    async def collect() -> None:
        async for message in pubsub.listen():
            if message["type"] == "pmessage":
                seen.append((message["channel"], message["data"]))

    task = asyncio.create_task(collect())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def inbox(deployment: Deployment) -> dict[str, tuple[str, str]]:
    """The deployment's webhook inbox: Stripe event id -> (row id, status)."""
    conn = await asyncpg.connect(deployment.gateway.database_url)
    try:
        rows = await conn.fetch("SELECT id::text AS id, stripe_event_id, status FROM webhook_events")
    finally:
        await conn.close()
    return {row["stripe_event_id"]: (row["id"], row["status"]) for row in rows}


async def inbox_settled(deployment: Deployment, timeout: float = EVENT_TIMEOUT_SECONDS) -> dict[str, tuple[str, str]]:
    """Poll until every inbox row is processed or ignored (its worker is done with all of them)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await inbox(deployment)
        if rows and all(status in ("processed", "ignored") for _, status in rows.values()):
            return rows
        assert time.monotonic() < deadline, f"{deployment.name}'s inbox did not settle: {rows}"
        await asyncio.sleep(0.1)


async def frames(ws: ClientConnection, operation_id: str, timeout: float) -> AsyncIterator[dict[str, Any]]:
    """The subscription's events until `timeout` seconds pass (pings answered)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            return
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message.get("id") == operation_id and message.get("type") == "next", message
        assert "errors" not in message["payload"], message
        yield message["payload"]["data"]["paymentStatusChanged"]


async def frames_until(
    ws: ClientConnection, operation_id: str, last: Callable[[dict[str, Any]], bool], what: str
) -> list[dict[str, Any]]:
    """Every event up to the one `last` accepts (that one included)."""
    seen: list[dict[str, Any]] = []
    async for event in frames(ws, operation_id, EVENT_TIMEOUT_SECONDS):
        seen.append(event)
        if last(event):
            return seen
    raise AssertionError(f"{what} did not arrive within {EVENT_TIMEOUT_SECONDS:.0f} s; got {seen}")


def succeeded(intent: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    def accept(event: dict[str, Any]) -> bool:
        payment = event.get("payment") or {}
        return bool(payment.get("stripeId") == intent["id"] and event["status"] == "SUCCEEDED")

    return accept


async def copy_api_key(source_url: str, target_url: str, key_id: str) -> None:
    """The same api_keys row (id and hash) in another deployment's database: one principal on both."""
    source = await asyncpg.connect(source_url)
    try:
        row = await source.fetchval("SELECT row_to_json(k)::text FROM api_keys k WHERE id::text = $1", key_id)
    finally:
        await source.close()
    assert row is not None, key_id
    target = await asyncpg.connect(target_url)
    try:
        await target.execute("INSERT INTO api_keys SELECT * FROM json_populate_record(NULL::api_keys, $1::json)", row)
    finally:
        await target.close()


async def read_status(http: httpx.AsyncClient, gateway: GatewayProcess, token: str) -> int:
    response = await http.post(
        gateway.graphql_url, json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 200:
        assert "errors" not in response.json(), response.text
    return response.status_code


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", list(CASES), ids=["prefixes", "databases"])
async def test_two_deployments_on_one_redis_server_do_not_cross_talk(
    case: str, gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> None:
    (prefix_a, db_a), (prefix_b, db_b) = CASES[case]
    with own_redis(test_logs) as redis_server:
        base = f"redis://127.0.0.1:{redis_server.port}"
        a, b = await asyncio.gather(
            deploy("a", prefix_a, f"{base}/{db_a}", gateway_factory, localstripe_factory, test_logs),
            deploy("b", prefix_b, f"{base}/{db_b}", gateway_factory, localstripe_factory, test_logs),
        )
        try:
            assert a.names.namespace != b.names.namespace
            async with every_publish(redis_server) as published:
                await live_events_stay_in_their_deployment(a, b, published)
            await rate_limits_stay_in_their_deployment(a, b, redis_server)
            await queues_stay_in_their_deployment(a, b, test_logs)
        finally:
            a.worker.stop()
            b.worker.stop()


async def live_events_stay_in_their_deployment(a: Deployment, b: Deployment, published: list[tuple[str, str]]) -> None:
    async with GraphQLClient(a.gateway.url, a.live_key) as client:
        customer_a, card_a = await customer_with_card(client, a.emulator.url)
    async with GraphQLClient(b.gateway.url, b.live_key) as client:
        customer_b, card_b = await customer_with_card(client, b.emulator.url)
    # Both deployments' own events so far (customers, cards) are in; from here on, A's payment is new.
    await inbox_settled(a)
    await inbox_settled(b)

    ws_a = await connect(a.gateway.url, a.live_key)
    ws_b = await connect(b.gateway.url, b.live_key)
    try:
        # No filter: an API key hears every payment of its deployment, so a leaked message would show.
        op_a = await subscribe(ws_a, WATCH_EVERY_PAYMENT, {})
        op_b = await subscribe(ws_b, WATCH_EVERY_PAYMENT, {})
        for deployment in (a, b):
            await wait_for_metric(deployment.gateway.url, "gateway_live_subscribers", lambda v: v >= 1, timeout=10)

        intent_a = confirmed_payment_intent(a.emulator.url, customer_a["stripeId"], card_a["stripeId"], 1111)
        heard_by_a = await frames_until(ws_a, op_a, succeeded(intent_a), "A's payment at A's subscriber")
        events_a = await inbox_settled(a)  # A's worker has published everything it will for this payment
        leaked = [event async for event in frames(ws_b, op_b, QUIET_SECONDS)]  # bounded negative check
        assert leaked == [], f"B heard A's events: {leaked}"

        # The sentinel: B's own payment reaches B, so B's subscription was live all along. A's messages
        # were all published before it, on the connection B's hub reads in order: none came first.
        intent_b = confirmed_payment_intent(b.emulator.url, customer_b["stripeId"], card_b["stripeId"], 2222)
        heard_by_b = await frames_until(ws_b, op_b, succeeded(intent_b), "B's payment at B's subscriber")
        events_b = await inbox_settled(b)
        late_at_a = [event async for event in frames(ws_a, op_a, QUIET_SECONDS)]  # bounded negative check
    finally:
        await ws_a.close()
        await ws_b.close()

    assert {event["eventId"] for event in heard_by_a + late_at_a} <= events_a.keys()
    assert {event["eventId"] for event in heard_by_b} <= events_b.keys()
    assert not events_a.keys() & events_b.keys()

    # On the wire: each deployment published on its own channel only, and only its own events.
    by_channel: dict[str, set[str]] = {}
    for channel, data in published:
        by_channel.setdefault(channel, set()).add(json.loads(data)["event_id"])
    assert set(by_channel) == {a.names.status_channel, b.names.status_channel}, by_channel.keys()
    assert by_channel[a.names.status_channel] <= events_a.keys()
    assert by_channel[b.names.status_channel] <= events_b.keys()
    print(
        f"live: A heard {len(heard_by_a)} event(s) of its payment, B none in {QUIET_SECONDS:.0f} s, then its own"
        f" {len(heard_by_b)}; published on {sorted(by_channel)}"
    )


async def rate_limits_stay_in_their_deployment(a: Deployment, b: Deployment, redis_server: RedisServer) -> None:
    token = a.gateway.create_api_key("read", name="rate-limited")
    key_id = a.gateway.api_key_id("rate-limited")
    await copy_api_key(a.gateway.database_url, b.gateway.database_url, key_id)  # the same principal on B
    async with httpx.AsyncClient(timeout=30) as http:
        assert [await read_status(http, a.gateway, token) for _ in range(READS)] == [200] * READS
        assert await read_status(http, a.gateway, token) == 429
        # A's budget for this principal is spent; B's is its own, whole, and runs out by itself.
        assert [await read_status(http, b.gateway, token) for _ in range(READS)] == [200] * READS
        assert await read_status(http, b.gateway, token) == 429
    for deployment in (a, b):
        client = aioredis.Redis.from_url(deployment.gateway.env["REDIS_URL"], decode_responses=True)
        try:
            assert await client.exists(deployment.names.rate_limit_key("read", "api_key", key_id))
        finally:
            await client.aclose()


async def queue_length(deployment: Deployment) -> int:
    client = aioredis.Redis.from_url(deployment.gateway.env["REDIS_URL"])
    try:
        return int(await client.llen(f"{deployment.names.broker_namespace}:{QUEUE}"))
    finally:
        await client.aclose()


async def queues_stay_in_their_deployment(a: Deployment, b: Deployment, test_logs: Path) -> None:
    # A's worker is down: A's webhooks wait in A's queue. B's worker, busy with B's own payment
    # meanwhile, must leave them there (a shared queue would hand them to it).
    a.worker.stop()
    async with GraphQLClient(a.gateway.url, a.live_key) as client:
        await customer_with_card(client, a.emulator.url)
    deadline = time.monotonic() + EVENT_TIMEOUT_SECONDS
    while (waiting := await queue_length(a)) == 0:
        assert time.monotonic() < deadline, "A's webhooks never reached A's queue"
        await asyncio.sleep(0.1)
    pending_a = {event for event, (_, status) in (await inbox(a)).items() if status == "pending"}
    assert pending_a
    async with GraphQLClient(b.gateway.url, b.live_key) as client:
        customer_b, card_b = await customer_with_card(client, b.emulator.url)
    confirmed_payment_intent(b.emulator.url, customer_b["stripeId"], card_b["stripeId"], 3333)
    before_b = len(await inbox(b))
    deadline = time.monotonic() + EVENT_TIMEOUT_SECONDS
    while len(events_b := await inbox_settled(b)) == before_b:  # B's worker applied B's new events
        assert time.monotonic() < deadline, "B's payment events never reached B's inbox"
        await asyncio.sleep(0.1)
    assert await queue_length(a) >= waiting, "B's worker took messages from A's queue"
    still_pending = {event for event, (_, status) in (await inbox(a)).items() if status == "pending"}
    assert pending_a <= still_pending

    # A's own worker, started again, finds them all.
    a.worker = await start_worker(a.gateway, a.name, test_logs)
    events_a = await inbox_settled(a)
    assert pending_a <= events_a.keys()
    print(f"queues: {waiting} message(s) of A waited in A's queue while B's worker applied B's events")

    rows_a = {row_id for row_id, _ in events_a.values()}
    rows_b = {row_id for row_id, _ in events_b.values()}
    assert not any(row_id in b.worker.log_text() for row_id in rows_a)
    assert not any(row_id in a.worker.log_text() for row_id in rows_b)
    assert f"of redis {a.names.broker_namespace}" in a.worker.log_text()
    assert f"of redis {b.names.broker_namespace}" in b.worker.log_text()

    # Every key on the server belongs to one of the two deployments, in its own database; each
    # deployment's workers heartbeat in its own namespace only.
    namespaces: dict[int, set[str]] = {}
    heartbeats: dict[str, set[str]] = {}
    for deployment in (a, b):
        client = aioredis.Redis.from_url(deployment.gateway.env["REDIS_URL"], decode_responses=True)
        try:
            keys = [key async for key in client.scan_iter(match="*", count=1000)]
            mine = [key for key in keys if key.startswith(deployment.names.namespace + ":")]
            others = {a.names.namespace, b.names.namespace} - {deployment.names.namespace}
            strangers = [key for key in keys if key not in mine and not any(key.startswith(o + ":") for o in others)]
            assert strangers == [], f"keys outside both namespaces in db {deployment.names.db}: {strangers}"
            assert f"{deployment.names.broker_namespace}:__heartbeats__" in mine, mine
            heartbeats[deployment.name] = set(
                await client.zrange(f"{deployment.names.broker_namespace}:__heartbeats__", 0, -1)
            )
            namespaces.setdefault(deployment.names.db, set()).update(
                key.split(":dramatiq:")[0] for key in mine if ":dramatiq:" in key
            )
        finally:
            await client.aclose()
    assert heartbeats["a"] and heartbeats["b"] and not heartbeats["a"] & heartbeats["b"], heartbeats
    print(f"keys by database and namespace: { {db: sorted(found) for db, found in namespaces.items()} }")
