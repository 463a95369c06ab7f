"""Stripe unreachable or hanging: a typed error within the timeout, nothing half-written, retry works."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace

import asyncpg  # type: ignore[import-untyped]
import pytest_asyncio

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import count_customers
from tests.support.operations import CREATE_CUSTOMER, error_codes, new_key, payload_of, unique_email

TIMEOUT_SECONDS = 2.0


async def table_counts(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return {
            table: await conn.fetchval(f'SELECT count(*) FROM "{table}"')
            for table in ("customers", "idempotency_records")
        }
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def silent_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers: a hung Stripe."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()


async def test_emulator_down_then_back(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory
) -> None:
    emulator = localstripe_factory()
    gateway = await gateway_factory(
        localstripe=emulator, register_webhooks=False, stripe_timeout_seconds=str(TIMEOUT_SECONDS)
    )
    key = gateway.create_api_key("read,write", "outage")
    email, idem = unique_email("outage"), new_key()
    variables = {"key": idem, "input": {"email": email}}
    emulator.stop()
    async with GraphQLClient(gateway.url, token=key) as client:
        started = time.monotonic()
        payload = payload_of(await client.execute(CREATE_CUSTOMER, variables), "createCustomer")
        elapsed = time.monotonic() - started
        assert error_codes(payload) == ["PROVIDER_UNAVAILABLE"], payload
        assert payload["customer"] is None
        assert elapsed < TIMEOUT_SECONDS + 1.0, f"gave up after {elapsed:.2f}s"
        assert await table_counts(gateway.database_url) == {"customers": 0, "idempotency_records": 0}

        emulator.start()
        retried = payload_of(await client.execute(CREATE_CUSTOMER, variables), "createCustomer")
        assert retried["userErrors"] == [] and retried["customer"]["email"] == email
        again = payload_of(await client.execute(CREATE_CUSTOMER, variables), "createCustomer")
        assert again == retried
    assert count_customers(emulator.url, email) == 1
    assert await table_counts(gateway.database_url) == {"customers": 1, "idempotency_records": 1}


async def test_hung_stripe_times_out_with_a_typed_error(gateway_factory: GatewayFactory, silent_server: str) -> None:
    hung = SimpleNamespace(url=silent_server)  # stands where an emulator would
    gateway = await gateway_factory(
        localstripe=hung,  # type: ignore[arg-type]
        register_webhooks=False,
        stripe_timeout_seconds=str(TIMEOUT_SECONDS),
    )
    key = gateway.create_api_key("read,write", "hung")
    async with GraphQLClient(gateway.url, token=key) as client:
        started = time.monotonic()
        payload = payload_of(
            await client.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email()}}),
            "createCustomer",
        )
        elapsed = time.monotonic() - started
    assert error_codes(payload) == ["PROVIDER_UNAVAILABLE"], payload
    assert TIMEOUT_SECONDS - 0.5 < elapsed < TIMEOUT_SECONDS + 1.5, f"gave up after {elapsed:.2f}s"
    assert await table_counts(gateway.database_url) == {"customers": 0, "idempotency_records": 0}
