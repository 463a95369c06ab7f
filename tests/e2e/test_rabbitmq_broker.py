"""Issue 18, acceptance 3: the webhook path on RabbitMQ (`BROKER_URL=amqp://…`), real processes.

One `billing-gateway serve` + `billing-gateway worker` pair for the module, on PostgreSQL, a vhost
of the machine's RabbitMQ made for it (`tests/support/rabbitmq.py`) and a `redis-server` of its
own (live status stays on Redis pub/sub: decision 0065). The sweeper is shortened (0.5 s sweeps,
1 s grace) so a row never sent is picked up quickly; a row SENT and lost would wait
`WEBHOOK_REQUEUE_AFTER_SECONDS` (900 s, the default), so what a SIGKILLed worker held can only
come back in seconds through RabbitMQ's redelivery of its unacked messages. The last test runs a
gateway and worker of its own through a TCP proxy it stops and starts (RabbitMQ unreachable, then back).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis

from base.redis_names import RedisNames
from models import EventStatus
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.gateway import GatewayFactory, GatewayProcess, connect_webhooks, gateway_env
from tests.support.graphql import GraphQLClient
from tests.support.inbox import customer_event, insert_event, wait_for_status
from tests.support.live import PAYMENT_STATUS_CHANGED, live_socket, next_payload, subscribe, wait_subscribed
from tests.support.localstripe import LocalStripe, confirmed_payment_intent, stripe_request
from tests.support.operations import create_customer, customer_with_card, new_key, payload_of
from tests.support.process import ManagedProcess
from tests.support.rabbitmq import RABBITMQ_HOST, RABBITMQ_PORT, rabbitmq_vhost
from tests.support.redis_server import RedisServer
from tests.support.tcp_proxy import TcpProxy
from tests.support.webhook_load import (
    audit_entries_per_event,
    customer_created,
    event_envelope,
    inbox,
    mirrored_customers,
    post_all,
    post_event,
    wait_all_processed,
    wait_ready,
    worker_process,
)


@dataclass
class Stack:
    gateway: GatewayProcess
    emulator: LocalStripe
    broker_url: str
    redis_url: str
    logs: Path
    workers: list[ManagedProcess]

    def start_worker(self, name: str, threads: int) -> ManagedProcess:
        worker = worker_process(self.gateway.env, self.logs / f"rabbitmq-{name}.log", threads=threads)
        self.workers.append(worker)
        worker.spawn()
        return worker


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    with rabbitmq_vhost() as url:
        yield url


@pytest_asyncio.fixture(scope="module")
async def stack(pg_database_factory: PgDatabaseFactory, broker_url: str, test_logs: Path) -> AsyncIterator[Stack]:
    redis_server = RedisServer(test_logs)
    redis_server.start()
    emulator = LocalStripe(test_logs, name="localstripe-rabbitmq")
    emulator.start()
    env = gateway_env(
        await pg_database_factory(),
        emulator.url,
        redis_url=redis_server.url,
        broker_url=broker_url,
        webhook_sweep_interval_seconds="0.5",
        webhook_pending_grace_seconds="1",
    )
    stack = Stack(
        GatewayProcess(env, test_logs, name="gateway-rabbitmq"), emulator, broker_url, redis_server.url, test_logs, []
    )
    try:
        await stack.gateway.astart()
        connect_webhooks(emulator, stack.gateway)
        await wait_ready(stack.start_worker("worker-a", threads=2))
        yield stack
    finally:
        for worker in stack.workers:
            worker.stop()
        stack.gateway.stop()
        emulator.stop()
        redis_server.stop()


def rabbitmq_queues(broker_url: str) -> dict[str, tuple[int, int]]:
    """(ready, unacked) per queue of the test's vhost."""
    vhost = broker_url.rsplit("/", 1)[1]
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "messages_ready",
         "messages_unacknowledged"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    queues: dict[str, tuple[int, int]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            queues[parts[0]] = (int(parts[1]), int(parts[2]))
    return queues


@pytest.mark.timeout(60)
async def test_a_payment_made_at_stripe_is_applied_and_reaches_a_live_subscriber(stack: Stack) -> None:
    """signed webhook → receiver → RabbitMQ → worker → mirror → Redis pub/sub → WebSocket frame."""
    api_key = stack.gateway.create_api_key("read,write", name=f"rabbit-{uuid.uuid4().hex[:6]}")
    async with GraphQLClient(stack.gateway.url, api_key) as client:
        customer, card = await customer_with_card(client, stack.emulator.url)
    async with live_socket(stack.gateway, api_key) as ws:
        operation_id = await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer["id"]})
        await wait_subscribed(stack.gateway)
        intent = confirmed_payment_intent(stack.emulator.url, customer["stripeId"], card["stripeId"], 4200, "eur")
        deadline = time.monotonic() + 15
        frame: dict[str, Any] = {}
        while frame.get("status") != "SUCCEEDED":
            payload = await next_payload(ws, operation_id, deadline - time.monotonic())
            assert "errors" not in payload, payload
            frame = payload["data"]["paymentStatusChanged"]
    assert frame["payment"]["stripeId"] == intent["id"]
    # The messages went through RabbitMQ: the deployment's Redis holds no Dramatiq key.
    client = redis.Redis.from_url(stack.redis_url)
    try:
        names = RedisNames.for_url(stack.redis_url)
        assert client.keys(f"{names.broker_namespace}*") == []
    finally:
        client.close()
    queues = await asyncio.to_thread(rabbitmq_queues, stack.broker_url)
    # Every actor's queue is declared and consumed there: webhooks, usage forwarding, outgoing webhooks.
    assert {"webhooks", "webhooks.DQ", "webhooks.XQ", "usage", "outgoing"} <= queues.keys(), queues
    async with httpx.AsyncClient(base_url=stack.gateway.url, timeout=10) as http:
        ready = (await http.get("/health/ready")).json()
    assert ready["checks"]["broker"]["ok"] is True, ready
    # The URL's password never reaches a log (the worker names host, port and vhost only).
    for process in (stack.gateway, *stack.workers):
        assert "guest:guest" not in process.log_text()


@pytest.mark.timeout(60)
async def test_one_event_delivered_ten_times_is_applied_once(stack: Stack) -> None:
    run = uuid.uuid4().hex[:12]
    event = customer_created(run, 0)
    responses = await post_all(stack.gateway, [event] * 10)
    assert [r.status_code for r in responses] == [200] * 10
    assert [r.json()["duplicate"] for r in responses].count(False) == 1
    [row] = await wait_all_processed(stack.gateway.database_url, [event["id"]], timeout=15)
    assert row["attempts"] == 1
    assert await mirrored_customers(stack.gateway.database_url, run) == [event["data"]["object"]["id"]]


@pytest.mark.timeout(60)
async def test_a_poison_event_is_kept_failed_and_the_worker_goes_on(stack: Stack) -> None:
    run = uuid.uuid4().hex[:12]
    poison = event_envelope(
        f"evt_{run}_poison", "invoice.paid", int(time.time()), {"object": "invoice", "status": "paid"}
    )
    after = customer_created(run, 1)
    async with httpx.AsyncClient(base_url=stack.gateway.url, timeout=30) as http:
        assert (await post_event(http, poison)).status_code == 200
        assert (await post_event(http, after)).status_code == 200
    await wait_all_processed(stack.gateway.database_url, [after["id"]], timeout=15)
    deadline = time.monotonic() + 15
    while True:
        [row] = await inbox(stack.gateway.database_url, [poison["id"]])
        if row["status"] == "failed" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert row["status"] == "failed", row
    assert row["last_error"].startswith("InvalidStripeObjectError"), row
    assert all(worker.running for worker in stack.workers)


@pytest.mark.timeout(60)
async def test_the_sweeper_sends_a_row_that_was_never_enqueued(stack: Stack) -> None:
    async with tortoise_on(stack.gateway.database_url):
        forgotten = await insert_event(customer_event(f"evt_rabbit_forgotten_{uuid.uuid4().hex[:8]}"))
        swept = await wait_for_status(forgotten.id, EventStatus.PROCESSED, timeout=20)
    assert swept.attempts == 1
    assert swept.enqueued_at is not None  # sent by the sweeper: the receiver never saw this row


RECORD_BATCH = """
mutation($key: String!, $input: RecordUsageBatchInput!) {
  recordUsageBatch(idempotencyKey: $key, input: $input) { accepted userErrors { code message field } }
}"""


@pytest.mark.timeout(60)
async def test_usage_events_are_forwarded_through_the_usage_queue(stack: Stack) -> None:
    """recordUsageBatch → the gateway's on-loop dispatch (a send thread) → `usage.forward` on a worker → Stripe."""
    meter = stripe_request(
        stack.emulator.url,
        "POST",
        "/v1/billing/meters",
        data={
            "display_name": "API calls",
            "event_name": f"rabbit_calls_{uuid.uuid4().hex[:10]}",
            "default_aggregation[formula]": "count",
        },
    )
    key = stack.gateway.create_api_key("read,write", name=f"rabbit-usage-{uuid.uuid4().hex[:6]}")
    async with GraphQLClient(stack.gateway.url, key) as client:
        customer = await create_customer(client)
        events = [
            {"customerId": customer["id"], "meter": meter["event_name"], "value": 1, "identifier": f"u-{n}"}
            for n in range(20)
        ]
        body = await client.execute(RECORD_BATCH, {"key": new_key(), "input": {"events": events}})
    assert payload_of(body, "recordUsageBatch")["accepted"] == 20, body
    path = f"/_sandbox/billing/meters/{meter['id']}/event_count"
    deadline = time.monotonic() + 30
    while (count := stripe_request(stack.emulator.url, "GET", path))["count"] < 20:
        assert time.monotonic() < deadline, f"meter events at the sandbox: {count}"
        await asyncio.sleep(0.2)
    assert count["count"] == 20


@pytest.mark.timeout(120)
async def test_a_sigkilled_workers_messages_are_redelivered_and_applied_once(stack: Stack) -> None:
    """Events queued in RabbitMQ; worker A (1 thread) is SIGKILLed mid-backlog with messages unacked;
    worker B applies every event exactly once (one mirror row, one audit entry each)."""
    for worker in stack.workers:
        worker.stop()  # the module's worker: the backlog below must wait in RabbitMQ
    run = uuid.uuid4().hex[:12]
    events = [customer_created(run, n) for n in range(200)]
    event_ids = [event["id"] for event in events]
    responses = await post_all(stack.gateway, events)
    assert [r.status_code for r in responses] == [200] * len(events)
    queued = await asyncio.to_thread(rabbitmq_queues, stack.broker_url)
    assert queued["webhooks"][0] >= len(events), queued

    worker_a = stack.start_worker("kill-a", threads=1)
    deadline = time.monotonic() + 60
    while sum(row["status"] == "processed" for row in await inbox(stack.gateway.database_url, event_ids)) < 5:
        assert time.monotonic() < deadline, "worker A processed fewer than 5 events in 60 s"
        assert worker_a.running, worker_a.log_text()[-3000:]
        await asyncio.sleep(0.05)
    held = (await asyncio.to_thread(rabbitmq_queues, stack.broker_url))["webhooks"][1]
    assert worker_a.proc is not None
    os.killpg(worker_a.proc.pid, signal.SIGKILL)
    worker_a.proc.wait(10)
    worker_a.stop()
    at_kill = await inbox(stack.gateway.database_url, event_ids)
    done_at_kill = sum(row["status"] == "processed" for row in at_kill)
    print(f"worker A SIGKILLed with {done_at_kill}/200 processed, {held} messages unacked a moment before")
    assert held > 0, "worker A held no unacked message"
    assert 0 < done_at_kill < len(events), f"the kill was not mid-backlog: {done_at_kill} processed"

    worker_b = stack.start_worker("kill-b", threads=4)
    restarted = time.monotonic()
    rows = await wait_all_processed(stack.gateway.database_url, event_ids, timeout=60)
    print(f"all 200 processed {time.monotonic() - restarted:.1f}s after worker B was started")
    assert sorted(await mirrored_customers(stack.gateway.database_url, run)) == sorted(
        event["data"]["object"]["id"] for event in events
    )
    assert len(rows) == len(events)
    assert await audit_entries_per_event(stack.gateway.database_url, event_ids) == dict.fromkeys(event_ids, 1)
    deadline = time.monotonic() + 15
    while (depth := (await asyncio.to_thread(rabbitmq_queues, stack.broker_url))["webhooks"]) != (0, 0):
        assert time.monotonic() < deadline, f"webhooks queue not drained: {depth}"
    assert worker_b.running, worker_b.log_text()[-3000:]


@pytest.mark.timeout(120)
async def test_webhooks_arriving_while_rabbitmq_is_unreachable_are_stored_and_sent_when_it_is_back(
    stack: Stack, gateway_factory: GatewayFactory, redis_url: str, test_logs: Path
) -> None:
    """The receiver's promise on RabbitMQ: row committed, 200 in seconds, the sweeper sends it once RabbitMQ answers.

    The gateway and its worker reach RabbitMQ through a TCP proxy that the test stops (every connection
    reset, new ones refused) and starts again: the machine's RabbitMQ itself is never stopped.
    """
    with rabbitmq_vhost() as direct_url:
        proxy = TcpProxy(RABBITMQ_HOST, RABBITMQ_PORT)
        await proxy.start()
        proxied = direct_url.replace(f"@{RABBITMQ_HOST}:{RABBITMQ_PORT}/", f"@127.0.0.1:{proxy.port}/")
        worker: ManagedProcess | None = None
        try:
            gateway = await gateway_factory(
                localstripe=stack.emulator,  # not its webhooks: this test posts its own events
                register_webhooks=False,
                redis_url=redis_url,
                broker_url=proxied,
                webhook_sweep_interval_seconds="0.5",
                webhook_pending_grace_seconds="1",
            )
            worker = worker_process(gateway.env, test_logs / f"rabbitmq-blink-{proxy.port}.log", threads=2)
            worker.spawn()
            await wait_ready(worker)
            run = uuid.uuid4().hex[:12]
            before = customer_created(run, 0)
            assert [r.status_code for r in await post_all(gateway, [before])] == [200]
            await wait_all_processed(gateway.database_url, [before["id"]], timeout=15)

            await proxy.stop()
            during = [customer_created(run, n) for n in range(1, 6)]
            started = time.monotonic()
            responses = await post_all(gateway, during)
            took = time.monotonic() - started
            assert [r.status_code for r in responses] == [200] * len(during)
            assert [r.json()["duplicate"] for r in responses] == [False] * len(during)
            assert took < 15, f"the receiver waited {took:.1f} s for an unreachable RabbitMQ"
            rows = await inbox(gateway.database_url, [event["id"] for event in during])
            assert {row["status"] for row in rows} == {"pending"}, rows

            await proxy.start()
            processed = await wait_all_processed(gateway.database_url, [event["id"] for event in during], timeout=60)
            assert [row["attempts"] for row in processed] == [1] * len(during)
            assert gateway.log_text().count("stored but not enqueued") == len(during)
            assert "sweeper re-enqueued" in worker.log_text()
            assert worker.running, worker.log_text()[-3000:]
        finally:
            if worker is not None:
                worker.stop()
            await proxy.stop()
