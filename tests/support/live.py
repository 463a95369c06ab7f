"""Live GraphQL subscriptions from tests: an acknowledged socket, operations, frames, and the hub's acknowledgement."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.metrics import scrape, total, wait_for_metric
from tests.support.ws import ws_url as base_ws_url

PAYMENT_STATUS_CHANGED = """
subscription Watch($customerId: ID) {
  paymentStatusChanged(customerId: $customerId) {
    eventId occurredAt status previousStatus payment { id stripeId status amount }
  }
}
"""

DISPUTE_STATUS_CHANGED = """
subscription Watch($customerId: ID, $disputeId: ID) {
  disputeStatusChanged(customerId: $customerId, disputeId: $disputeId) {
    eventId occurredAt status previousStatus
    dispute { id stripeId status amount currency reason evidenceDueBy createdAt payment { id stripeId } }
  }
}
"""

LIVE_SUBSCRIBERS = "gateway_live_subscribers"


def ws_url(gateway: GatewayProcess) -> str:
    return base_ws_url(gateway.url)


@asynccontextmanager
async def live_socket(gateway: GatewayProcess, token: str) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, acknowledged."""
    async with websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        yield ws


async def subscribe(ws: ClientConnection, query: str, variables: dict[str, Any]) -> str:
    operation_id = uuid.uuid4().hex
    await ws.send(
        json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
    )
    return operation_id


async def next_payload(ws: ClientConnection, operation_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        message = json.loads(raw)
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message.get("id") == operation_id, message
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload


async def frames_until(
    ws: ClientConnection,
    operation_id: str,
    field: str,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    """The `field` of each frame of `operation_id` until `done(frames)` holds (deadline-polled; errors fail)."""
    deadline = time.monotonic() + timeout
    frames: list[dict[str, Any]] = []
    while not done(frames):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"`done` never held in {timeout} s; {len(frames)} frames: {frames[-3:]}"
        payload = await next_payload(ws, operation_id, remaining)
        assert "errors" not in payload, payload
        frames.append(payload["data"][field])
    return frames


async def live_subscribers(gateway: GatewayProcess) -> int:
    """The live subscriptions the gateway's hub holds now."""
    return int(total(await scrape(gateway.url), LIVE_SUBSCRIBERS))


async def wait_subscribed(gateway: GatewayProcess, subscribers: int = 1, timeout: float = 15.0) -> None:
    """Wait until the gateway's live hub holds at least `subscribers` subscriptions.

    graphql-transport-ws acknowledges no `subscribe`: the server runs each operation in a task that
    registers with the live hub a moment later, and an event published before that never reaches it.
    The hub's own count (`gateway_live_subscribers` on `/metrics`, one process) is the acknowledgement.
    `subscribers` counts every live subscription the gateway holds, the caller's own included; the
    session gateway runs one test at a time, and a closed socket's subscriptions leave with it.
    """
    await wait_for_metric(gateway.url, LIVE_SUBSCRIBERS, lambda held: held >= subscribers, timeout=timeout)


async def wait_no_subscribers(gateway: GatewayProcess, timeout: float = 15.0) -> None:
    """Wait until the gateway holds no live subscription: an earlier test's closed sockets have left.

    Their subscriptions leave a moment after the close; counted, they would satisfy a later
    `wait_subscribed` before the caller's own subscriptions are registered.
    """
    await wait_for_metric(gateway.url, LIVE_SUBSCRIBERS, lambda held: held == 0, timeout=timeout)


async def first_message(ws: ClientConnection, operation_id: str, timeout: float) -> dict[str, Any]:
    """The first message for `operation_id` (answering pings)."""
    deadline = time.monotonic() + timeout
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message.get("id") == operation_id, message
        return message


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The GraphQL errors of a `next` (payload.errors) or `error` (payload is the list) message."""
    payload = message.get("payload")
    if message["type"] == "error":
        assert isinstance(payload, list), message
        return payload
    assert message["type"] == "next", message
    assert isinstance(payload, dict), message
    errors: list[dict[str, Any]] = payload.get("errors") or []
    return errors


WATCH = """
subscription Watch($customerId: ID, $withPayment: Boolean!) {
  paymentStatusChanged(customerId: $customerId) {
    eventId status payment @include(if: $withPayment) { id amount }
  }
}
"""


async def until_succeeded(ws: ClientConnection, operations: set[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Every `next` frame of the socket until each of `operations` saw SUCCEEDED: the last event of each."""
    deadline = time.monotonic() + timeout
    last: dict[str, dict[str, Any]] = {}
    while not all(last.get(op, {}).get("status") == "SUCCEEDED" for op in operations):
        message = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next" and message["id"] in operations, message
        assert set(message["payload"]) == {"data"}, message
        last[message["id"]] = message["payload"]["data"]["paymentStatusChanged"]
    return last
