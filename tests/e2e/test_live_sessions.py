"""Live status over WebSocket with customer sessions, and many subscribers on one process (issue 5, acceptance 2-4)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from billing.session_tokens import ALGORITHM, ISSUER, TOKEN_TYPE
from tests.support.gateway import GATEWAY_SECRET, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import (
    PAYMENT_STATUS_CHANGED,
    errors_of,
    first_message,
    live_socket,
    live_subscribers,
    next_payload,
    subscribe,
    wait_subscribed,
    ws_url,
)
from tests.support.localstripe import LocalStripe
from tests.support.operations import (
    create_payment,
    create_session,
    customer_with_card,
)

PAYMENT_BY_ID = """
subscription Watch($paymentId: ID) {
  paymentStatusChanged(paymentId: $paymentId) { eventId status payment { id stripeId status amount } }
}
"""

SUBSCRIBERS = 500
BATCH = 50


async def wait_for_status(ws: ClientConnection, operation_id: str, status: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    event: dict[str, Any] = {}
    while event.get("status") != status:
        result = await next_payload(ws, operation_id, deadline - time.monotonic())
        assert "errors" not in result, result
        event = result["data"]["paymentStatusChanged"]
    return event


@pytest.mark.timeout(60)
async def test_a_session_watches_its_own_payments_only(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    b, _ = await customer_with_card(graphql, localstripe.url)
    b_payment = await create_payment(graphql, b["id"], 510)
    session = (await create_session(graphql, a["id"], ttlSeconds=600))["token"]

    async with live_socket(gateway, session) as ws:
        # B's customer id, and B's payment id: FORBIDDEN, nothing of B.
        for query, variables in (
            (PAYMENT_STATUS_CHANGED, {"customerId": b["id"]}),
            (PAYMENT_BY_ID, {"paymentId": b_payment["id"]}),
        ):
            operation_id = await subscribe(ws, query, variables)
            message = await first_message(ws, operation_id, 5)
            codes = [error.get("extensions", {}).get("code") for error in errors_of(message)]
            assert codes == ["FORBIDDEN"], message
            if message["type"] == "next":
                assert message["payload"].get("data") is None, message
            assert b["email"] not in json.dumps(message), message
            if message["type"] == "next":
                # A subscription that failed to start is completed by the server.
                done = await first_message(ws, operation_id, 5)
                assert done["type"] == "complete", done

        # Its own customer: receives its payment's SUCCEEDED, and only that (not B's).
        own = await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": a["id"]})
        unfiltered = await subscribe(ws, PAYMENT_STATUS_CHANGED, {})
        await wait_subscribed(gateway, 2)
        await create_payment(graphql, b["id"], 520)
        a_payment = await create_payment(graphql, a["id"], 530)
        deadline = time.monotonic() + 10
        seen: dict[str, list[dict[str, Any]]] = {own: [], unfiltered: []}
        while not all(any(e["status"] == "SUCCEEDED" for e in events) for events in seen.values()):
            raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
            message = json.loads(raw)
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next" and message["id"] in seen, message
            assert "errors" not in message["payload"], message
            seen[message["id"]].append(message["payload"]["data"]["paymentStatusChanged"])
        for events in seen.values():
            # Even without a customerId, a session sees only its own customer's payments.
            assert {event["payment"]["id"] for event in events} == {a_payment["id"]}, events
            assert all(event["payment"]["amount"] == 530 for event in events), events


def expired_session_token(valid: str) -> str:
    """A token signed with the e2e secret, for the same customer, expired an hour ago."""
    past = datetime.now(UTC) - timedelta(hours=1)
    customer_uuid = str(uuid.UUID(jwt.decode(valid, options={"verify_signature": False})["sub"]))
    return jwt.encode(
        {
            "sub": customer_uuid,
            "jti": uuid.uuid4().hex,
            "iat": int(past.timestamp()),
            "exp": int((past + timedelta(seconds=60)).timestamp()),
            "typ": TOKEN_TYPE,
            "iss": ISSUER,
        },
        GATEWAY_SECRET,
        algorithm=ALGORITHM,
    )


@pytest.mark.timeout(60)
async def test_expired_or_tampered_session_closes_the_socket_with_4403(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    token = (await create_session(graphql, a["id"], ttlSeconds=60))["token"]
    header, claims, signature = token.split(".")
    forged_claims = jwt.utils.base64url_encode(
        json.dumps({**jwt.decode(token, options={"verify_signature": False}), "exp": 4102444800}).encode()
    ).decode()
    for bad in (
        expired_session_token(token),
        f"{header}.{claims}.{signature[::-1]}",
        f"{header}.{forged_claims}.{signature}",
        token + "x",
    ):
        async with websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {bad}"}}))
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 4403, bad
    # The untampered token still opens a socket.
    async with live_socket(gateway, token):
        pass


async def stuck_socket(gateway: GatewayProcess, token: str, customer_id: str, operations: int) -> ClientConnection:
    """A socket with a tiny receive buffer and `operations` subscriptions, whose messages nobody ever reads."""
    address = urlsplit(gateway.url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (address.hostname or "127.0.0.1", address.port or 80))
    ws = await websockets.connect(
        ws_url(gateway),
        sock=sock,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        max_queue=1,
        ping_interval=None,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    for _ in range(operations):
        await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer_id})
    return ws


@pytest.mark.timeout(120)
async def test_500_subscribers_receive_one_event_despite_a_stuck_one(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    started = time.monotonic()
    customer, _ = await customer_with_card(graphql, localstripe.url)
    async with AsyncExitStack() as stack:
        # The stuck one first, so the hub offers it every message before the others.
        stuck = await stuck_socket(gateway, api_key, customer["id"], operations=200)
        stack.push_async_callback(stuck.close)
        # Pump it full: its messages fill the kernel buffers and the server's write buffer.
        for amount in (601, 602):
            await create_payment(graphql, customer["id"], amount)

        sockets: list[tuple[ClientConnection, str]] = []

        async def open_one() -> tuple[ClientConnection, str]:
            ws = await stack.enter_async_context(live_socket(gateway, api_key))
            return ws, await subscribe(ws, PAYMENT_STATUS_CHANGED, {"customerId": customer["id"]})

        held = await live_subscribers(gateway)  # the stuck one's, as many as the server took
        for _ in range(0, SUBSCRIBERS, BATCH):
            sockets.extend(await asyncio.gather(*(open_one() for _ in range(BATCH))))
        await wait_subscribed(gateway, held + SUBSCRIBERS)
        payment = await create_payment(graphql, customer["id"], 777)
        published = time.monotonic()

        async def receive(ws: ClientConnection, operation_id: str) -> dict[str, Any]:
            deadline = time.monotonic() + 20
            while True:
                result = await next_payload(ws, operation_id, deadline - time.monotonic())
                assert "errors" not in result, result
                event: dict[str, Any] = result["data"]["paymentStatusChanged"]
                if event["payment"]["id"] == payment["id"] and event["status"] == "SUCCEEDED":
                    return event

        events = await asyncio.gather(*(receive(ws, operation_id) for ws, operation_id in sockets))
        elapsed = time.monotonic() - published
        assert len(events) == SUBSCRIBERS
        assert len({event["eventId"] for event in events}) == 1, {event["eventId"] for event in events}
        print(f"{SUBSCRIBERS} subscribers received {events[0]['eventId']} within {elapsed:.2f} s of createPayment")
    assert time.monotonic() - started < 60
