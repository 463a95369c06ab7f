"""The receiver's inbox and enqueue rules, in process (`webhooks.receiver`, `webhooks.inbox`).

The endpoint tests run the receiver in process on PostgreSQL and SQLite, with a fake
enqueue hook, because the e2e gateway has no broker hook to observe. Deliveries are signed
by hand (`tests.support.signing`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.routing import Route

from models.inbox import EventStatus, WebhookEvent
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.signing import SECRET, encode, event, signed
from webhooks.inbox import insert_event
from webhooks.receiver import StripeWebhookEndpoint


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def inbox_db(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[str]:
    """Tortoise open on a fresh PostgreSQL database, then (second run) on an SQLite file."""
    url = (
        await pg_database_factory("inbox") if request.param == "postgres" else f"sqlite://{tmp_path / 'inbox.sqlite3'}"
    )
    async with tortoise_on(url):
        yield request.param


class Hook:
    """A fake enqueue hook that records its calls and what the row looked like at that moment, or raises."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[uuid.UUID, str]] = []
        self.fail = fail
        self.marked_when_called: list[bool] = []

    async def __call__(self, row_id: uuid.UUID, event_type: str) -> None:
        row = await WebhookEvent.get(id=row_id)
        self.marked_when_called.append(row.enqueued_at is not None)
        if self.fail:
            raise ConnectionError("redis is down")
        self.calls.append((row_id, event_type))


def client_for(hook: Hook | None) -> httpx.AsyncClient:
    endpoint = StripeWebhookEndpoint([SECRET], hook)
    app = Starlette(routes=[Route("/webhooks/stripe", endpoint.handle, methods=["POST"])])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def post(client: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    body = encode(payload)
    return await client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": signed(body, SECRET)})


async def test_new_event_is_stored_marked_and_enqueued(inbox_db: str) -> None:
    hook = Hook()
    payload = event("invoice.paid")
    async with client_for(hook) as client:
        response = await post(client, payload)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    row = await WebhookEvent.get(stripe_event_id=payload["id"])
    assert hook.calls == [(row.id, "invoice.paid")]
    assert hook.marked_when_called == [True], "the INSERT itself marks the row as handed to the broker"
    assert row.status == EventStatus.PENDING
    assert row.enqueued_at is not None
    assert row.payload == payload
    assert row.type == "invoice.paid"
    assert row.api_version == payload["api_version"]
    assert int(row.stripe_created.timestamp()) == payload["created"]


async def test_failing_enqueue_still_answers_200_and_leaves_the_row_pending(inbox_db: str) -> None:
    hook = Hook(fail=True)
    payload = event("payment_intent.succeeded")
    async with client_for(hook) as client:
        response = await post(client, payload)
    assert response.status_code == 200, response.text
    row = await WebhookEvent.get(stripe_event_id=payload["id"])
    assert row.status == EventStatus.PENDING
    assert hook.marked_when_called == [True]
    assert row.enqueued_at is None, "a failed enqueue takes the mark back, so the sweeper's grace rule applies"


async def test_duplicate_is_a_no_op_and_not_enqueued_again(inbox_db: str) -> None:
    hook = Hook()
    payload = event()
    async with client_for(hook) as client:
        first = await post(client, payload)
        second = await post(client, payload)
    assert first.json() == {"received": True, "duplicate": False}
    assert second.status_code == 200
    assert second.json() == {"received": True, "duplicate": True}
    assert len(hook.calls) == 1
    assert await WebhookEvent.filter(stripe_event_id=payload["id"]).count() == 1


async def test_unknown_type_is_stored_ignored_and_not_enqueued(inbox_db: str) -> None:
    hook = Hook()
    payload = event("balance.available")
    async with client_for(hook) as client:
        response = await post(client, payload)
    assert response.status_code == 200
    assert hook.calls == []
    row = await WebhookEvent.get(stripe_event_id=payload["id"])
    assert row.status == EventStatus.IGNORED
    assert row.enqueued_at is None


async def test_without_a_hook_rows_stay_pending(inbox_db: str) -> None:
    payload = event()
    async with client_for(None) as client:
        response = await post(client, payload)
    assert response.status_code == 200
    row = await WebhookEvent.get(stripe_event_id=payload["id"])
    assert (row.status, row.enqueued_at) == (EventStatus.PENDING, None)


async def test_concurrent_inserts_store_one_row(inbox_db: str) -> None:
    payload = event()
    ids = await asyncio.gather(*(insert_event(payload, EventStatus.PENDING) for _ in range(10)))
    assert len([row_id for row_id in ids if row_id is not None]) == 1
    assert await WebhookEvent.filter(stripe_event_id=payload["id"]).count() == 1


async def test_oversized_and_unsigned_bodies_store_nothing(inbox_db: str) -> None:
    hook = Hook()
    payload = event(padding="x" * 1_100_000)
    body = encode(payload)
    async with client_for(hook) as client:
        too_large = await client.post(
            "/webhooks/stripe", content=body, headers={"Stripe-Signature": signed(body, SECRET)}
        )
        unsigned = await client.post("/webhooks/stripe", content=encode(event()))
    assert too_large.status_code == 413
    assert too_large.json()["code"] == "payload_too_large"
    assert unsigned.status_code == 400
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert set(unsigned.json()) == {"type", "title", "status", "detail", "instance", "code"}
    assert unsigned.json()["code"] == "invalid_signature"
    assert hook.calls == []
    assert await WebhookEvent.filter(stripe_event_id=payload["id"]).count() == 0


async def test_overlong_event_id_is_400_not_a_database_error(inbox_db: str) -> None:
    payload = event()
    payload["id"] = "evt_" + "x" * 300
    async with client_for(Hook()) as client:
        response = await post(client, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_event"
