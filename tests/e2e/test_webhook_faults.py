"""Fault tests of the webhook pipeline (issue 4, acceptance 4 and 5) on real processes.

`billing-gateway serve` (uvicorn) + `billing-gateway worker` processes on PostgreSQL and
on a `redis-server` that each test starts itself on a spare port (it is stopped and
killed here: never the machine's shared Redis on 6379).

Tuning used here vs production (defaults in `tasks/broker.py`, `tasks/sweeper.py`, README):

| variable                           | test      | production |
|------------------------------------|-----------|------------|
| WEBHOOK_SWEEP_INTERVAL_SECONDS     | 0.5       | 5          |
| WEBHOOK_PENDING_GRACE_SECONDS      | 1         | 10         |
| WORKER_HEARTBEAT_TIMEOUT_SECONDS   | 3         | 60         |
| WORKER_MAINTENANCE_CHANCE          | 1000000   | 1000 (per million Redis commands) |
| WEBHOOK_PROCESSING_STALE_SECONDS   | 3         | 300        |

A dead worker's messages come back after the heartbeat timeout (Dramatiq's maintenance,
run by another live worker with the chance above); its rows stuck in `processing` are
taken back by the sweeper after the processing-stale time.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.e2e.test_webhook_receiver import signature
from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import WEBHOOK_SECRET, GatewayFactory, GatewayProcess, cli_path
from tests.support.localstripe import create_plan, create_test_card, stripe_request
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer

POST_CONCURRENCY = 25
"""While Redis is down each POST may wait up to the receiver's 2 s Redis connect timeout."""


def customer_created(run: str, n: int) -> dict[str, Any]:
    """A signed-ready `customer.created` event with its own event id, customer id and email."""
    created = int(time.time())
    customer = {
        "id": f"cus_{run}_{n:03d}",
        "object": "customer",
        "email": f"fault-{run}-{n:03d}@example.com",
        "created": created,
        "metadata": {},
        "invoice_settings": {"default_payment_method": None},
        "livemode": False,
    }
    return {
        "id": f"evt_{run}_{n:03d}",
        "object": "event",
        "type": "customer.created",
        "created": created,
        "api_version": "2025-06-30.basil",
        "livemode": False,
        "data": {"object": customer},
    }


async def post_all(gateway: GatewayProcess, events: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every event, signed, `POST_CONCURRENCY` at a time."""
    limit = asyncio.Semaphore(POST_CONCURRENCY)

    async def post(client: httpx.AsyncClient, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", "Stripe-Signature": signature(body, WEBHOOK_SECRET)}
        async with limit:
            return await client.post("/webhooks/stripe", content=body, headers=headers)

    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        return await asyncio.gather(*(post(client, event) for event in events))


async def inbox(database_url: str, event_ids: list[str]) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT stripe_event_id, status, attempts, last_error FROM webhook_events"
            " WHERE stripe_event_id = ANY($1::text[])",
            event_ids,
        )
    finally:
        await conn.close()
    return [dict(row) for row in rows]


async def count_processed(database_url: str, event_ids: list[str]) -> int:
    return sum(row["status"] == "processed" for row in await inbox(database_url, event_ids))


async def wait_all_processed(database_url: str, event_ids: list[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = await inbox(database_url, event_ids)
        if len(rows) == len(event_ids) and all(row["status"] == "processed" for row in rows):
            return rows
        if time.monotonic() > deadline:
            by_status: dict[str, int] = {}
            for row in rows:
                by_status[row["status"]] = by_status.get(row["status"], 0) + 1
            errors = {row["last_error"] for row in rows if row["last_error"]}
            raise AssertionError(f"not all processed after {timeout:.0f}s: {by_status}; errors {errors}")
        await asyncio.sleep(0.2)


async def mirrored_customers(database_url: str, run: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT stripe_id FROM customers WHERE stripe_id LIKE $1", f"cus_{run}_%")
    finally:
        await conn.close()
    return [row["stripe_id"] for row in rows]


def worker_process(env: Mapping[str, str], log_path: Path, threads: int) -> ManagedProcess:
    workdir = log_path.with_suffix(".cwd")
    workdir.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(
        [str(cli_path()), "worker", "--threads", str(threads)], env=env, log_path=log_path, cwd=workdir
    )


async def wait_ready(worker: ManagedProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while "worker ready" not in worker.log_text():
        if not worker.running or time.monotonic() > deadline:
            raise worker.failure("billing-gateway worker did not become ready")
        await asyncio.sleep(0.05)


@pytest.mark.timeout(150)
async def test_redis_down_while_100_events_arrive(gateway_factory: GatewayFactory, test_logs: Path) -> None:
    redis_server = RedisServer(test_logs)
    redis_server.start()
    worker: ManagedProcess | None = None
    try:
        gateway = await gateway_factory(redis_url=redis_server.url, register_webhooks=False)
        env = {
            **gateway.env,
            "WEBHOOK_SWEEP_INTERVAL_SECONDS": "0.5",  # production: 5
            "WEBHOOK_PENDING_GRACE_SECONDS": "1",  # production: 10
        }
        worker = worker_process(env, test_logs / f"fault-redis-worker-{redis_server.port}.log", threads=4)
        worker.spawn()
        await wait_ready(worker)

        redis_server.stop()
        run = uuid.uuid4().hex[:12]
        events = [customer_created(run, n) for n in range(100)]
        event_ids = [event["id"] for event in events]
        started = time.monotonic()
        responses = await post_all(gateway, events)
        post_seconds = time.monotonic() - started
        bad = [(r.status_code, r.text[:200]) for r in responses if not 200 <= r.status_code < 300]
        assert not bad, bad
        rows = await inbox(gateway.database_url, event_ids)
        assert len(rows) == 100
        assert {row["status"] for row in rows} == {"pending"}, {row["status"] for row in rows}
        assert {row["attempts"] for row in rows} == {0}
        print(f"100 POSTs with Redis down answered 2xx in {post_seconds:.1f}s; 100 rows pending")

        redis_server.start()
        started = time.monotonic()
        rows = await wait_all_processed(gateway.database_url, event_ids, timeout=60)
        print(f"all 100 processed {time.monotonic() - started:.1f}s after Redis came back")
        assert [row["attempts"] for row in rows] == [1] * 100, sorted(row["attempts"] for row in rows)
        customers = await mirrored_customers(gateway.database_url, run)
        assert len(customers) == 100
        assert sorted(customers) == sorted(event["data"]["object"]["id"] for event in events)
        assert worker.running, worker.log_text()[-3000:]
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()


@pytest.mark.timeout(150)
async def test_worker_sigkilled_mid_batch_of_200(gateway_factory: GatewayFactory, test_logs: Path) -> None:
    redis_server = RedisServer(test_logs)
    redis_server.start()
    workers: list[ManagedProcess] = []
    try:
        gateway = await gateway_factory(redis_url=redis_server.url, register_webhooks=False)
        env = {
            **gateway.env,
            "WORKER_HEARTBEAT_TIMEOUT_SECONDS": "3",  # production: 60
            "WORKER_MAINTENANCE_CHANCE": "1000000",  # production: 1000 per million commands
            "WEBHOOK_PROCESSING_STALE_SECONDS": "3",  # production: 300
            "WEBHOOK_SWEEP_INTERVAL_SECONDS": "0.5",  # production: 5
            "WEBHOOK_PENDING_GRACE_SECONDS": "1",  # production: 10
        }
        worker_a = worker_process(env, test_logs / f"fault-kill-worker-a-{redis_server.port}.log", threads=2)
        workers.append(worker_a)
        worker_a.spawn()
        await wait_ready(worker_a)

        run = uuid.uuid4().hex[:12]
        events = [customer_created(run, n) for n in range(200)]
        event_ids = [event["id"] for event in events]
        posting = asyncio.create_task(post_all(gateway, events))
        deadline = time.monotonic() + 60
        while await count_processed(gateway.database_url, event_ids) < 20:
            assert time.monotonic() < deadline, "worker A processed fewer than 20 events in 60 s"
            assert worker_a.running, worker_a.log_text()[-3000:]
            await asyncio.sleep(0.02)
        assert worker_a.proc is not None
        os.killpg(worker_a.proc.pid, signal.SIGKILL)
        worker_a.proc.wait(10)
        worker_a.stop()
        done_at_kill = await count_processed(gateway.database_url, event_ids)

        responses = await posting
        bad = [(r.status_code, r.text[:200]) for r in responses if not 200 <= r.status_code < 300]
        assert not bad, bad
        assert 0 < done_at_kill < 200, f"the kill was not mid-batch: {done_at_kill} of 200 processed"
        print(f"worker A SIGKILLed with {done_at_kill}/200 processed")

        worker_b = worker_process(env, test_logs / f"fault-kill-worker-b-{redis_server.port}.log", threads=4)
        workers.append(worker_b)
        worker_b.spawn()
        await wait_ready(worker_b)
        started = time.monotonic()
        rows = await wait_all_processed(gateway.database_url, event_ids, timeout=90)
        print(f"all 200 processed {time.monotonic() - started:.1f}s after worker B started")
        attempts = sorted(row["attempts"] for row in rows)
        assert all(1 <= a <= 2 for a in attempts), attempts
        print(f"rows with 2 attempts: {attempts.count(2)}")
        customers = await mirrored_customers(gateway.database_url, run)
        assert len(customers) == 200
        assert sorted(customers) == sorted(event["data"]["object"]["id"] for event in events)
        assert worker_b.running, worker_b.log_text()[-3000:]
    finally:
        for worker in workers:
            worker.stop()
        redis_server.stop()


@pytest.mark.timeout(120)
async def test_with_redis_and_a_worker_process(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> None:
    """The production shape: one event delivered 10 times at once is stored and applied once;
    a subscription made at the emulator (not through the gateway) is mirrored within 5 s."""
    redis_server = RedisServer(test_logs)
    redis_server.start()
    worker: ManagedProcess | None = None
    try:
        emulator = localstripe_factory()
        gateway = await gateway_factory(localstripe=emulator, redis_url=redis_server.url)
        worker = worker_process(gateway.env, test_logs / f"redis-worker-{redis_server.port}.log", threads=4)
        worker.spawn()
        await wait_ready(worker)

        run = uuid.uuid4().hex[:12]
        event = customer_created(run, 0)
        responses = await post_all(gateway, [event] * 10)
        assert all(200 <= r.status_code < 300 for r in responses), [r.status_code for r in responses]
        assert [r.json()["duplicate"] for r in responses].count(False) == 1
        [row] = await wait_all_processed(gateway.database_url, [event["id"]], timeout=10)
        assert row["attempts"] == 1
        assert await mirrored_customers(gateway.database_url, run) == [event["data"]["object"]["id"]]

        plan = create_plan(emulator.url)
        customer = stripe_request(emulator.url, "POST", "/v1/customers", data={"email": f"redis-{run}@example.com"})
        card = create_test_card(emulator.url)
        stripe_request(emulator.url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
        stripe_request(
            emulator.url,
            "POST",
            f"/v1/customers/{customer['id']}",
            data={"invoice_settings[default_payment_method]": card},
        )
        started = time.monotonic()
        subscription = stripe_request(
            emulator.url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan}
        )
        conn = await asyncpg.connect(gateway.database_url)
        try:
            status = None
            while time.monotonic() - started < 5.0 and status != "active":
                status = await conn.fetchval(
                    "SELECT status FROM subscriptions WHERE stripe_id = $1", subscription["id"]
                )
                await asyncio.sleep(0.1)
        finally:
            await conn.close()
        assert status == "active", f"subscription not mirrored within 5 s (status {status!r})"
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()
