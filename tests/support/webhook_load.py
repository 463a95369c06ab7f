"""Webhook load for e2e tests: signed `customer.created` events, posting them, the inbox and mirror they leave, workers.

Used by the fault tests (`tests/e2e/test_webhook_faults.py`, `test_db_outage.py`, …).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from tests.support.gateway import WEBHOOK_SECRET, GatewayProcess, cli_path
from tests.support.process import ManagedProcess


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """A `Stripe-Signature` header for `body`: `t=…,v1=HMAC_SHA256(secret, "{t}.{body}")`."""
    t = int(time.time())
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={v1}"


async def post_event(client: httpx.AsyncClient, event: dict[str, Any]) -> httpx.Response:
    """POST one event, signed with the gateway's secret, to `client`'s `/webhooks/stripe`."""
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(body)}
    return await client.post("/webhooks/stripe", content=body, headers=headers)


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
    return event_envelope(f"evt_{run}_{n:03d}", "customer.created", created, customer)


def event_envelope(event_id: str, event_type: str, created: int, data_object: dict[str, Any]) -> dict[str, Any]:
    """A Stripe event around `data_object`, as Stripe sends it."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": created,
        "api_version": "2025-06-30.basil",
        "livemode": False,
        "data": {"object": data_object},
    }


async def post_all(gateway: GatewayProcess, events: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every event, signed, `POST_CONCURRENCY` at a time."""
    limit = asyncio.Semaphore(POST_CONCURRENCY)

    async def post(client: httpx.AsyncClient, event: dict[str, Any]) -> httpx.Response:
        async with limit:
            return await post_event(client, event)

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


async def audit_entries_per_event(database_url: str, event_ids: list[str]) -> dict[str, int]:
    """How many audit entries each of `event_ids` wrote (an event applied twice shows 2)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT stripe_event_id, count(*) AS n FROM audit_entries WHERE stripe_event_id = ANY($1::text[])"
            " GROUP BY stripe_event_id",
            event_ids,
        )
    finally:
        await conn.close()
    return {row["stripe_event_id"]: row["n"] for row in rows}


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


def signature(body: bytes, *secrets: str, timestamp: int | None = None) -> str:
    """`t=…,v1=HMAC_SHA256(secret, "{t}.{body}")`, one `v1` per secret."""
    t = int(time.time()) if timestamp is None else timestamp
    signed_payload = f"{t}.".encode() + body
    v1s = [hmac.new(secret.encode(), signed_payload, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={t}", *(f"v1={value}" for value in v1s)])
