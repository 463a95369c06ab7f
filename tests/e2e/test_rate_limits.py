"""Rate limits per principal (issue 6, acceptance 4): token buckets in Redis, or in memory when embedded."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import errors_of, first_message, live_socket, subscribe
from tests.support.operations import CREATE_CUSTOMER, new_key

READS = 5
MUTATIONS = 3
VIEWER = "query { viewer { id } }"


async def first_message_of_type(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == kind:
            return message


READS_ENV = str(READS)
MUTATIONS_ENV = str(MUTATIONS)


async def post(
    client: httpx.AsyncClient, gateway: GatewayProcess, token: str, query: str, **variables: Any
) -> httpx.Response:
    return await client.post(
        f"{gateway.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )


async def create_customer(client: httpx.AsyncClient, gateway: GatewayProcess, token: str) -> httpx.Response:
    return await post(client, gateway, token, CREATE_CUSTOMER, key=new_key(), input={"email": "rl@example.com"})


def assert_limited(response: httpx.Response) -> None:
    """429, a whole-second Retry-After, and a GraphQL body saying RATE_LIMITED."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60, retry_after
    errors = response.json()["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["RATE_LIMITED"], errors
    assert errors[0]["extensions"]["retryAfter"] == retry_after
    assert response.json().get("data") is None


def assert_served(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text


@pytest.mark.timeout(90)
async def test_a_key_over_its_budget_gets_429_and_another_key_is_unaffected(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(
        redis_url=redis_url, rate_limit_reads_per_minute=READS_ENV, rate_limit_mutations_per_minute=MUTATIONS_ENV
    )
    first, second = gateway.create_api_key(name="first"), gateway.create_api_key(name="second")
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(READS):
            assert_served(await post(client, gateway, first, VIEWER))
        assert_limited(await post(client, gateway, first, VIEWER))

        # The same key's mutation budget is separate; then it runs out too, with nothing created.
        async with GraphQLClient(gateway.url, first) as recorded:  # counted by the audit check
            for _ in range(MUTATIONS):
                created = await recorded.execute(
                    CREATE_CUSTOMER, {"key": new_key(), "input": {"email": "rl@example.com"}}
                )
                assert created["data"]["createCustomer"]["userErrors"] == [], created
        refused = await create_customer(client, gateway, first)
        assert_limited(refused)

        for _ in range(READS):
            assert_served(await post(client, gateway, second, VIEWER))
        async with GraphQLClient(gateway.url, second) as recorded:
            created = await recorded.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": "rl@example.com"}})
            assert created["data"]["createCustomer"]["userErrors"] == [], created

        admin = gateway.create_api_key("read,write,admin", name="counter")
        listed = await post(client, gateway, admin, "query { customers(first: 100) { edges { node { id } } } }")
        assert len(listed.json()["data"]["customers"]["edges"]) == MUTATIONS + 1


@pytest.mark.timeout(90)
async def test_two_gateway_processes_share_a_budget_through_redis(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    one = await gateway_factory(
        redis_url=redis_url, rate_limit_reads_per_minute=READS_ENV, rate_limit_mutations_per_minute=MUTATIONS_ENV
    )
    two = await gateway_factory(
        localstripe=None,
        database_url=one.database_url,
        register_webhooks=False,
        redis_url=redis_url,
        rate_limit_reads_per_minute=READS_ENV,
        rate_limit_mutations_per_minute=MUTATIONS_ENV,
    )
    key = one.create_api_key(name="shared")
    async with httpx.AsyncClient(timeout=30) as client:
        for gateway in (one, two, one, two, two):
            assert_served(await post(client, gateway, key, VIEWER))
        assert_limited(await post(client, one, key, VIEWER))
        assert_limited(await post(client, two, key, VIEWER))


@pytest.mark.timeout(90)
async def test_embedded_mode_limits_in_memory(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(
        rate_limit_reads_per_minute=READS_ENV, rate_limit_mutations_per_minute=MUTATIONS_ENV
    )
    key = gateway.create_api_key(name="embedded")
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(READS):
            assert_served(await post(client, gateway, key, VIEWER))
        assert_limited(await post(client, gateway, key, VIEWER))
    assert "rate limiter: in memory" in gateway.log_text()


@pytest.mark.timeout(90)
async def test_over_budget_on_a_websocket_is_a_rate_limited_error(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(
        redis_url=redis_url, rate_limit_reads_per_minute=READS_ENV, rate_limit_mutations_per_minute=MUTATIONS_ENV
    )
    key = gateway.create_api_key(name="socket")
    async with live_socket(gateway, key) as ws:
        for _ in range(READS):
            operation_id = await subscribe(ws, VIEWER, {})
            message = await first_message(ws, operation_id, 10)
            assert message["type"] == "next" and "errors" not in message["payload"], message
            assert (await first_message(ws, operation_id, 10))["type"] == "complete"
        operation_id = await subscribe(ws, VIEWER, {})
        errors = errors_of(await first_message(ws, operation_id, 10))
        assert [error["extensions"]["code"] for error in errors] == ["RATE_LIMITED"], errors
        assert errors[0]["extensions"]["retryAfter"] >= 1
        # The socket stays open: the client may retry after the wait.
        await ws.send(json.dumps({"type": "ping"}))
        assert (await first_message_of_type(ws, "pong"))["type"] == "pong"
