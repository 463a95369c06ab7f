"""No double charge where Stripe's idempotency is not there to save us (issue 12, item 3).

localstripe ignores `Idempotency-Key`, so these runs stand for a Stripe whose idempotency
did not help: only the gateway's own defence (every created object tagged with its
attempt in `metadata`, looked for and adopted before a retry) keeps one charge per key.
A proxy the test owns (`HoldingProxy`) forwards `POST /v1/payment_intents` to the
emulator, so the PaymentIntent exists there, and holds the answer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from types import SimpleNamespace
from typing import Any

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory
from tests.support.graphql import GraphQLClient
from tests.support.holding_proxy import HoldingProxy
from tests.support.localstripe import list_all
from tests.support.operations import CREATE_PAYMENT, customer_with_card, error_codes, new_key, payload_of

PAYMENT = """
query($id: ID!) { payment(id: $id) { id stripeId status amount customer { id } } }"""

LOCK_TIMEOUT_SECONDS = "2"
RETRY_DEADLINE_SECONDS = 30.0


def payment_intents_of(emulator_url: str, customer_stripe_id: str) -> list[dict[str, Any]]:
    """The PaymentIntents of one customer at the emulator (localstripe cannot filter them itself)."""
    return [pi for pi in list_all(emulator_url, "/v1/payment_intents") if pi.get("customer") == customer_stripe_id]


def pay_variables(key: str, customer_id: str) -> dict[str, Any]:
    return {"key": key, "input": {"customerId": customer_id, "amount": 4200, "currency": "eur"}}


async def assert_one_charge_in_the_mirror(
    client: GraphQLClient, emulator_url: str, customer: dict[str, Any], answer: dict[str, Any]
) -> None:
    intents = payment_intents_of(emulator_url, customer["stripeId"])
    assert [pi["id"] for pi in intents] == [answer["payment"]["stripeId"]], (
        f"{len(intents)} PaymentIntents at the emulator for one idempotency key: {[pi['id'] for pi in intents]}"
    )
    mirrored = (await client.execute(PAYMENT, {"id": answer["payment"]["id"]}))["data"]["payment"]
    assert mirrored["stripeId"] == intents[0]["id"] and mirrored["status"] == "SUCCEEDED"
    assert mirrored["customer"] == {"id": customer["id"]}


async def test_a_gateway_killed_while_stripe_holds_create_payment_charges_once_on_retry(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, pg_database: str
) -> None:
    emulator = localstripe_factory()
    async with HoldingProxy(emulator.url) as proxy:
        stripe = SimpleNamespace(url=proxy.url)  # the gateways see Stripe through the proxy
        first = await gateway_factory(
            localstripe=stripe,  # type: ignore[arg-type]
            database_url=pg_database,
            register_webhooks=False,
            idempotency_lock_timeout_seconds=LOCK_TIMEOUT_SECONDS,
            stripe_timeout_seconds="40",
        )
        api_key = first.create_api_key("read,write", "killed-mid-payment")
        key = new_key()
        async with GraphQLClient(first.url, token=api_key) as client:
            customer, _ = await customer_with_card(client, emulator.url)
            proxy.hold("POST", "/v1/payment_intents")
            pending = asyncio.create_task(client.execute(CREATE_PAYMENT, pay_variables(key, customer["id"])))
            await asyncio.wait_for(proxy.held.wait(), 20)
            assert len(payment_intents_of(emulator.url, customer["stripeId"])) == 1  # made, never answered
            assert first.process.proc is not None
            os.killpg(first.process.proc.pid, signal.SIGKILL)
            first.process.proc.wait(10)
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)

        second = await gateway_factory(
            localstripe=stripe,  # type: ignore[arg-type]
            database_url=pg_database,
            register_webhooks=False,
            idempotency_lock_timeout_seconds=LOCK_TIMEOUT_SECONDS,
        )
        async with GraphQLClient(second.url, token=api_key) as client:
            deadline = time.monotonic() + RETRY_DEADLINE_SECONDS
            while True:
                answer = payload_of(
                    await client.execute(CREATE_PAYMENT, pay_variables(key, customer["id"])), "createPayment"
                )
                if error_codes(answer) != ["IDEMPOTENCY_KEY_IN_PROGRESS"] or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)  # polling until the dead holder's lock times out
            assert answer["userErrors"] == [], answer
            await assert_one_charge_in_the_mirror(client, emulator.url, customer, answer)
            replay = payload_of(
                await client.execute(CREATE_PAYMENT, pay_variables(key, customer["id"])), "createPayment"
            )
            assert replay == answer
        assert proxy.kept == 1


async def test_a_hung_stripe_with_sdk_retries_charges_once(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, pg_database: str
) -> None:
    emulator = localstripe_factory()
    async with HoldingProxy(emulator.url) as proxy:
        gateway = await gateway_factory(
            localstripe=SimpleNamespace(url=proxy.url),  # type: ignore[arg-type]
            database_url=pg_database,
            register_webhooks=False,
            # Each try gets a third of the deadline: the held first try times out, the retry has room.
            stripe_timeout_seconds="6",
            stripe_max_retries="2",
        )
        api_key = gateway.create_api_key("read,write", "hung-stripe")
        async with GraphQLClient(gateway.url, token=api_key) as client:
            customer, _ = await customer_with_card(client, emulator.url)
            proxy.hold("POST", "/v1/payment_intents")
            answer = payload_of(
                await client.execute(CREATE_PAYMENT, pay_variables(new_key(), customer["id"])), "createPayment"
            )
            assert proxy.kept == 1, "the first try's answer was held"
            assert answer["userErrors"] == [], answer
            await assert_one_charge_in_the_mirror(client, emulator.url, customer, answer)
