"""`POST /webhooks/stripe` on the real server (uvicorn + PostgreSQL): verify, store once, answer.

Every test uses its own `evt_<uuid>` ids, because the session gateway's database is
shared; rows are counted straight in PostgreSQL with asyncpg. Signatures are computed
here by hand with the secret the test gateway is configured with.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.support.gateway import WEBHOOK_SECRET, GatewayProcess
from tests.support.webhook_load import signature

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stripe" / "fixtures.json"
OLD_SECRET = "whsec_rotated_out"


def stripe_event(event_type: str | None = None) -> dict[str, Any]:
    """Stripe's own example event (fixtures.json) with a fresh id and a current `created`."""
    example: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]["event"]
    payload = copy.deepcopy(example)
    payload["id"] = f"evt_{uuid.uuid4().hex}"
    payload["created"] = int(time.time())
    if event_type is not None:
        payload["type"] = event_type
    return payload


async def deliver(
    http: httpx.AsyncClient, body: bytes, header: str | None = None, *, sign: bool = True
) -> httpx.Response:
    """POST a body to the receiver, signed with the gateway's secret unless a header is given (or sign=False)."""
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    elif sign:
        headers["Stripe-Signature"] = signature(body, WEBHOOK_SECRET)
    return await http.post("/webhooks/stripe", content=body, headers=headers)


async def inbox_rows(gateway: GatewayProcess, event_id: str) -> list[dict[str, Any]]:
    """The inbox rows stored for one Stripe event id."""
    conn = await asyncpg.connect(gateway.database_url)
    try:
        rows = await conn.fetch(
            "SELECT id, type, status, stripe_created, payload FROM webhook_events WHERE stripe_event_id = $1", event_id
        )
    finally:
        await conn.close()
    return [dict(row) for row in rows]


def assert_json_400(response: httpx.Response) -> None:
    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.text[:300]}"
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json", response.headers
    assert isinstance(body, dict) and body["code"] == "invalid_signature" and body["detail"], body


@pytest.fixture
async def http(gateway: GatewayProcess) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the session gateway (no API key: the receiver needs none)."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=15) as client:
        yield client


async def test_signed_event_is_stored_once(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("customer.created")
    body = json.dumps(payload).encode()
    response = await deliver(http, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    rows = await inbox_rows(gateway, payload["id"])
    assert len(rows) == 1
    assert rows[0]["type"] == "customer.created"
    assert rows[0]["status"] in ("pending", "processing", "processed"), rows[0]["status"]
    assert int(rows[0]["stripe_created"].timestamp()) == payload["created"]
    assert json.loads(rows[0]["payload"]) == payload


async def test_forged_signature_is_400_and_stores_nothing(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("customer.created")
    body = json.dumps(payload).encode()
    assert_json_400(await deliver(http, body, signature(body, "whsec_forger")))
    assert await inbox_rows(gateway, payload["id"]) == []


async def test_missing_signature_is_400_and_stores_nothing(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("customer.created")
    assert_json_400(await deliver(http, json.dumps(payload).encode(), sign=False))
    assert await inbox_rows(gateway, payload["id"]) == []


async def test_signature_301_seconds_old_is_400_and_stores_nothing(
    gateway: GatewayProcess, http: httpx.AsyncClient
) -> None:
    payload = stripe_event("customer.created")
    body = json.dumps(payload).encode()
    stale = signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    assert_json_400(await deliver(http, body, stale))
    assert await inbox_rows(gateway, payload["id"]) == []


async def test_rotation_header_with_old_and_new_signatures_is_accepted(
    gateway: GatewayProcess, http: httpx.AsyncClient
) -> None:
    payload = stripe_event("customer.updated")
    body = json.dumps(payload).encode()
    header = signature(body, OLD_SECRET, WEBHOOK_SECRET)
    assert header.count("v1=") == 2
    response = await deliver(http, body, header)
    assert response.status_code == 200, response.text
    assert len(await inbox_rows(gateway, payload["id"])) == 1


async def test_same_event_ten_times_concurrently_is_one_row(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("invoice.paid")
    body = json.dumps(payload).encode()
    header = signature(body, WEBHOOK_SECRET)
    responses = await asyncio.gather(*(deliver(http, body, header) for _ in range(10)))
    assert all(200 <= r.status_code < 300 for r in responses), [(r.status_code, r.text) for r in responses]
    duplicates = [r.json()["duplicate"] for r in responses]
    assert duplicates.count(False) == 1, duplicates
    assert len(await inbox_rows(gateway, payload["id"])) == 1


async def test_unknown_event_type_is_stored_as_ignored(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("balance.available")
    response = await deliver(http, json.dumps(payload).encode())
    assert response.status_code == 200, response.text
    rows = await inbox_rows(gateway, payload["id"])
    assert [row["status"] for row in rows] == ["ignored"]


async def test_two_megabyte_body_is_413_and_stores_nothing(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    payload = stripe_event("customer.created")
    payload["padding"] = "x" * 2_000_000
    body = json.dumps(payload).encode()
    response = await deliver(http, body)
    assert response.status_code == 413, response.text[:300]
    assert response.json()["code"] == "payload_too_large"
    assert await inbox_rows(gateway, payload["id"]) == []


async def test_chunked_body_past_the_cap_is_413(gateway: GatewayProcess, http: httpx.AsyncClient) -> None:
    # No Content-Length: the cap must hold while streaming, not only on the declared size.
    payload = stripe_event("customer.created")
    payload["padding"] = "x" * 2_000_000
    body = json.dumps(payload).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    response = await http.post(
        "/webhooks/stripe",
        content=chunks(),
        headers={"Content-Type": "application/json", "Stripe-Signature": signature(body, WEBHOOK_SECRET)},
    )
    assert response.status_code == 413, response.text[:300]
    assert await inbox_rows(gateway, payload["id"]) == []


async def test_receiver_needs_no_api_key(http: httpx.AsyncClient) -> None:
    # The signature is the authentication: no Authorization header, and no 401.
    response = await deliver(http, json.dumps(stripe_event("customer.deleted")).encode())
    assert response.status_code == 200, response.text
