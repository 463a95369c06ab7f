"""Live status with shared event results: each subscriber still gets exactly its own frames (real server)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import WATCH, live_socket, subscribe, until_succeeded, wait_subscribed
from tests.support.localstripe import LocalStripe
from tests.support.operations import create_payment, create_session, customer_with_card


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
        await wait_subscribed(gateway, sum(len(ops) for ops in operations.values()))
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
