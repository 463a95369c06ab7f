"""Webhook signatures (`verify_webhook`) and the receiver's inbox/enqueue rules, in process.

Signatures are computed here by hand (`t=…,v1=HMAC_SHA256(secret, f"{t}.{body}")`, as
Stripe documents it), not with the SDK that is under test. The endpoint tests run the
receiver in process on PostgreSQL and SQLite, with a fake enqueue hook, because the
e2e gateway has no broker hook to observe.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
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
from stripe_provider.adapter import WebhookSignatureError, verify_webhook
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from webhooks.receiver import StripeWebhookEndpoint, insert_event

SECRET = "whsec_unit_current"
OLD_SECRET = "whsec_unit_previous"


def event(event_type: str = "customer.created", **extra: Any) -> dict[str, Any]:
    """A minimal Stripe event with a unique id."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "2026-10-28.endive",
        "data": {"object": {"id": f"cus_{uuid.uuid4().hex[:14]}", "object": "customer"}},
        **extra,
    }


def v1(secret: str, timestamp: int, body: bytes) -> str:
    """Stripe's `v1` scheme: hex HMAC-SHA256 of `"{t}.{body}"` keyed by the secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed(body: bytes, *secrets: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header with one `v1` value per secret (two during a rotation)."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={v1(secret, t, body)}" for secret in secrets)])


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# --- verify_webhook ---------------------------------------------------------------------------------------


def test_correct_signature_returns_the_event() -> None:
    payload = event()
    body = encode(payload)
    assert verify_webhook(body, signed(body, SECRET), [SECRET]) == payload


def test_forged_signature_is_rejected() -> None:
    body = encode(event())
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook(body, signed(body, "whsec_attacker"), [SECRET])


def test_tampered_body_is_rejected() -> None:
    body = encode(event())
    header = signed(body, SECRET)
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook(body.replace(b"customer.created", b"customer.deleted"), header, [SECRET])


@pytest.mark.parametrize("header", [None, ""], ids=["absent", "empty"])
def test_missing_header_is_rejected(header: str | None) -> None:
    with pytest.raises(WebhookSignatureError, match="missing Stripe-Signature"):
        verify_webhook(encode(event()), header, [SECRET])


@pytest.mark.parametrize("header", ["garbage", "t=notanumber,v1=abc", "t=123", "v1=abc"])
def test_malformed_header_is_rejected(header: str) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_webhook(encode(event()), header, [SECRET])


def test_signature_301_seconds_old_is_rejected() -> None:
    body = encode(event())
    header = signed(body, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookSignatureError, match="more than 300 s old"):
        verify_webhook(body, header, [SECRET])


def test_signature_just_inside_the_tolerance_is_accepted() -> None:
    body = encode(event())
    assert verify_webhook(body, signed(body, SECRET, timestamp=int(time.time()) - 290), [SECRET])["id"]


def test_any_of_two_configured_secrets_is_accepted() -> None:
    body = encode(event())
    assert verify_webhook(body, signed(body, OLD_SECRET), [SECRET, OLD_SECRET])["id"]
    assert verify_webhook(body, signed(body, SECRET), [OLD_SECRET, SECRET])["id"]


def test_header_with_old_and_new_signature_is_accepted() -> None:
    # During a rotation Stripe signs with both secrets; the gateway may know only the new one.
    body = encode(event())
    header = signed(body, OLD_SECRET, SECRET)
    assert header.count("v1=") == 2
    assert verify_webhook(body, header, [SECRET])["id"]
    assert verify_webhook(body, header, [OLD_SECRET])["id"]


def test_no_configured_secret_rejects_everything() -> None:
    body = encode(event())
    with pytest.raises(WebhookSignatureError, match="no webhook secret"):
        verify_webhook(body, signed(body, SECRET), [])


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"id": "evt_1"}', b'{"id": "evt_1", "type": "x", "created": "soon"}', b"\xff\xfe"],
    ids=["not-json", "array", "no-type", "bad-created", "not-utf8"],
)
def test_signed_body_that_is_not_an_event_is_rejected(body: bytes) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body, f"t={int(time.time())},v1={v1(SECRET, int(time.time()), body)}", [SECRET])


def test_error_messages_never_contain_the_secret_or_payload() -> None:
    payload = event(data={"object": {"card": {"last4": "4242"}}})
    body = encode(payload)
    for header in (signed(body, "whsec_other"), signed(body, SECRET, timestamp=1)):
        with pytest.raises(WebhookSignatureError) as caught:
            verify_webhook(body, header, [SECRET])
        assert SECRET not in str(caught.value)
        assert "4242" not in str(caught.value)


# --- the receiver in process: inbox and enqueue hook -------------------------------------------------------


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
    assert too_large.json()["error"] == "payload_too_large"
    assert unsigned.status_code == 400
    assert set(unsigned.json()) == {"error", "message"}
    assert hook.calls == []
    assert await WebhookEvent.filter(stripe_event_id=payload["id"]).count() == 0


async def test_overlong_event_id_is_400_not_a_database_error(inbox_db: str) -> None:
    payload = event()
    payload["id"] = "evt_" + "x" * 300
    async with client_for(Hook()) as client:
        response = await post(client, payload)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_event"
