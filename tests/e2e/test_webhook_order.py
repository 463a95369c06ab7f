"""Out-of-order delivery through the real path: receiver → Redis → worker process → mirror."""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import WEBHOOK_SECRET, GatewayFactory
from tests.support.localstripe import create_plan, create_test_card, stripe_request
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer
from tests.support.webhook_load import signature, wait_all_processed, wait_ready, worker_process

STEPS = [
    ("customer.subscription.created", "incomplete"),
    ("customer.subscription.updated", "past_due"),
    ("customer.subscription.updated", "active"),
    ("customer.subscription.deleted", "canceled"),
]


def lifecycle(subscription: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of one lifecycle, one second apart, each with the quantity of its step (1-4)."""
    base = int(time.time()) - 60
    events = []
    for n, (event_type, status) in enumerate(STEPS):
        item = {**subscription["items"]["data"][0], "quantity": n + 1}
        obj = {**subscription, "status": status, "quantity": n + 1, "items": {**subscription["items"], "data": [item]}}
        events.append(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "object": "event",
                "type": event_type,
                "created": base + n,
                "livemode": False,
                "data": {"object": obj},
            }
        )
    return events


def new_subscription(url: str, plan: str) -> dict[str, Any]:
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": f"order-{uuid.uuid4().hex[:8]}@example.com"})
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
    stripe_request(
        url, "POST", f"/v1/customers/{customer['id']}", data={"invoice_settings[default_payment_method]": card}
    )
    return stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan})


@pytest.mark.timeout(150)
async def test_shuffled_lifecycles_end_in_the_latest_state(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, test_logs: Path
) -> None:
    redis_server = RedisServer(test_logs)
    redis_server.start()
    worker: ManagedProcess | None = None
    try:
        emulator = localstripe_factory()
        # No webhooks from the emulator: its own (newer) events would rightly win over these.
        gateway = await gateway_factory(localstripe=emulator, redis_url=redis_server.url, register_webhooks=False)
        worker = worker_process(gateway.env, test_logs / f"order-worker-{redis_server.port}.log", threads=4)
        worker.spawn()
        await wait_ready(worker)
        plan = create_plan(emulator.url)
        orders = list(itertools.permutations(range(4)))
        random.Random(7).shuffle(orders)
        orders = [(3, 2, 1, 0), *orders[:11]]  # the reverse order, then 11 more
        cases = []
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
            for order in orders:
                subscription = new_subscription(emulator.url, plan)
                events = lifecycle(subscription)
                for index in order:
                    body = json.dumps(events[index]).encode()
                    headers = {"Content-Type": "application/json", "Stripe-Signature": signature(body, WEBHOOK_SECRET)}
                    response = await http.post("/webhooks/stripe", content=body, headers=headers)
                    assert response.status_code == 200, response.text
                cases.append((order, subscription["id"], [e["id"] for e in events]))
        await wait_all_processed(gateway.database_url, [e for _, _, ids in cases for e in ids], timeout=60)
        conn = await asyncpg.connect(gateway.database_url)
        try:
            for order, stripe_id, _ in cases:
                row = await conn.fetchrow("SELECT status, quantity FROM subscriptions WHERE stripe_id = $1", stripe_id)
                assert row is not None and (row["status"], row["quantity"]) == ("canceled", 4), (order, dict(row or {}))
        finally:
            await conn.close()
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()
