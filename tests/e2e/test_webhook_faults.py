"""Fault tests of the webhook pipeline (issue 4, acceptance 4 and 5; issue 12, acceptance 5) on real processes.

`billing-gateway serve` (uvicorn) + `billing-gateway worker` processes on PostgreSQL and
on a `redis-server` that each test starts itself on a spare port (it is stopped and
killed here: never the machine's shared Redis on 6379).

The Redis-outage test shortens the sweeper (`WEBHOOK_SWEEP_INTERVAL_SECONDS` 0.5 instead of
5, `WEBHOOK_PENDING_GRACE_SECONDS` 1 instead of 10). The SIGKILL test runs on the production
defaults: a dead worker's messages come back after `WORKER_HEARTBEAT_TIMEOUT_SECONDS` (5)
through Dramatiq's maintenance, and its rows in `processing` are claimed again once their
claim is `WEBHOOK_PROCESSING_STALE_SECONDS` (6) old (docs/outages.md).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory
from tests.support.localstripe import create_plan, create_test_card, stripe_request
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer
from tests.support.webhook_load import (
    audit_entries_per_event,
    count_processed,
    customer_created,
    inbox,
    mirrored_customers,
    post_all,
    wait_all_processed,
    wait_ready,
    worker_process,
)


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


@pytest.mark.timeout(180)
async def test_worker_sigkilled_mid_burst_of_300(gateway_factory: GatewayFactory, test_logs: Path) -> None:
    """Issue 12, acceptance 5, on the PRODUCTION worker and inbox defaults (nothing shortened):
    a worker SIGKILLed mid-burst, restarted at once; all 300 events are applied exactly once
    (one mirror row, inbox processed, ONE audit entry each) within 15 s of the restart."""
    redis_server = RedisServer(test_logs)
    redis_server.start()
    workers: list[ManagedProcess] = []
    try:
        gateway = await gateway_factory(redis_url=redis_server.url, register_webhooks=False)
        worker_a = worker_process(gateway.env, test_logs / f"fault-kill-worker-a-{redis_server.port}.log", threads=2)
        workers.append(worker_a)
        worker_a.spawn()
        await wait_ready(worker_a)

        run = uuid.uuid4().hex[:12]
        events = [customer_created(run, n) for n in range(300)]
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
        at_kill = await inbox(gateway.database_url, event_ids)
        done_at_kill = sum(row["status"] == "processed" for row in at_kill)
        held_at_kill = sum(row["status"] == "processing" for row in at_kill)

        worker_b = worker_process(gateway.env, test_logs / f"fault-kill-worker-b-{redis_server.port}.log", threads=4)
        workers.append(worker_b)
        restarted = time.monotonic()
        worker_b.spawn()
        responses = await posting
        bad = [(r.status_code, r.text[:200]) for r in responses if not 200 <= r.status_code < 300]
        assert not bad, bad
        assert 0 < done_at_kill < 300, f"the kill was not mid-burst: {done_at_kill} of 300 processed"
        print(f"worker A SIGKILLed with {done_at_kill}/300 processed, {held_at_kill} rows processing")

        rows = await wait_all_processed(gateway.database_url, event_ids, timeout=15 - (time.monotonic() - restarted))
        print(f"all 300 processed {time.monotonic() - restarted:.1f}s after worker B was started")
        attempts = sorted(row["attempts"] for row in rows)
        print(f"rows with more than one attempt: {sum(a > 1 for a in attempts)} (max {attempts[-1]})")
        customers = await mirrored_customers(gateway.database_url, run)
        assert sorted(customers) == sorted(event["data"]["object"]["id"] for event in events)
        assert await audit_entries_per_event(gateway.database_url, event_ids) == dict.fromkeys(event_ids, 1)
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
