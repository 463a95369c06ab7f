"""Live status with shared event results: each subscriber still gets exactly its own frames (real server)."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import AsyncExitStack
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.e2e.operations import customer_with_card
from tests.e2e.test_customer_sessions import create_session
from tests.e2e.test_live import live_socket, subscribe, wait_subscribed
from tests.e2e.test_live_sessions import create_payment
from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe

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


@pytest.mark.timeout(60)
async def test_principals_and_variables_each_get_their_own_frames(
    gateway: GatewayProcess,
    graphql: GraphQLClient,
    api_key: str,
    admin_api_key: str,
    read_api_key: str,
    localstripe: LocalStripe,
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    session = (await create_session(graphql, customer["id"], ttlSeconds=600))["token"]
    tokens = {"rw": api_key, "rw-again": api_key, "admin": admin_api_key, "read": read_api_key, "session": session}
    async with AsyncExitStack() as stack:
        sockets: dict[str, ClientConnection] = {}
        operations: dict[str, dict[str, bool]] = {}  # socket name -> operation id -> withPayment
        for name, token in tokens.items():
            ws = await stack.enter_async_context(live_socket(gateway, token))
            sockets[name] = ws
            operations[name] = {}
            for with_payment in (True, False, True):
                variables = {"customerId": customer["id"], "withPayment": with_payment}
                operations[name][await subscribe(ws, WATCH, variables)] = with_payment
        await wait_subscribed(0.5)
        payment = await create_payment(graphql, customer["id"], 4242)
        received = await asyncio.gather(*(until_succeeded(sockets[name], set(operations[name]), 20) for name in tokens))
    event_ids = set()
    for name, last in zip(tokens, received, strict=True):
        for operation_id, with_payment in operations[name].items():
            event = last[operation_id]
            event_ids.add(event["eventId"])
            if with_payment:
                assert event["payment"] == {"id": payment["id"], "amount": 4242}, (name, event)
            else:
                assert "payment" not in event, (name, event)
    assert len(event_ids) == 1, event_ids
