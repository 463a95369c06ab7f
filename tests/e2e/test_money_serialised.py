"""Money movements on one object are serialised across gateway processes (issue 12, item 1)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import create_plan, create_test_card, list_all
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CREATE_PAYMENT,
    CREATE_SUBSCRIPTION,
    PAY_INVOICE,
    REFUND_PAYMENT,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)

PAYMENT_REFUNDS = """
query($id: ID!) {
  payment(id: $id) { amount amountRefunded refunds(first: 50) { edges { node { stripeId amount } } } }
}"""

AMOUNT, REFUND, ATTEMPTS = 1000, 300, 10
DECLINED_ON_CHARGE = "4000000000000341"


async def refund(client: GraphQLClient, payment_id: str, amount: int) -> dict[str, Any]:
    body = await client.execute(
        REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment_id, "amount": amount}}
    )
    return payload_of(body, "refundPayment")


async def test_ten_concurrent_refunds_over_two_gateways_never_exceed_the_payment(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, pg_database: str
) -> None:
    emulator = localstripe_factory()
    # Ten waiters in a row on a busy machine: a generous wait, so that every refund over the
    # remainder is refused for the money (the bounded wait has its own test below).
    gateways = [
        await gateway_factory(localstripe=emulator, database_url=pg_database, money_lock_wait_seconds="30")
        for _ in range(2)
    ]
    key = gateways[0].create_api_key("read,write", "refund-race")
    async with GraphQLClient(gateways[0].url, token=key) as one, GraphQLClient(gateways[1].url, token=key) as two:
        customer, _ = await customer_with_card(one, emulator.url)
        paid = payload_of(
            await one.execute(
                CREATE_PAYMENT,
                {"key": new_key(), "input": {"customerId": customer["id"], "amount": AMOUNT, "currency": "usd"}},
            ),
            "createPayment",
        )
        assert paid["userErrors"] == [], paid
        payment = paid["payment"]

        clients = [one, two]
        answers = await asyncio.gather(*(refund(clients[i % 2], payment["id"], REFUND) for i in range(ATTEMPTS)))
        succeeded = [a for a in answers if a["userErrors"] == []]
        refused = [a for a in answers if a["userErrors"] != []]
        at_sandbox = [r["amount"] for r in list_all(emulator.url, "/v1/refunds", payment_intent=payment["stripeId"])]
        mirrored = (await one.execute(PAYMENT_REFUNDS, {"id": payment["id"]}))["data"]["payment"]
        summary = (
            f"{len(succeeded)} refunds succeeded, {len(refused)} refused; sandbox refunded {sum(at_sandbox)} "
            f"in {len(at_sandbox)} refunds; mirror amountRefunded {mirrored['amountRefunded']}"
        )
        print(summary)
        assert sum(at_sandbox) <= AMOUNT, summary
        assert len(succeeded) == AMOUNT // REFUND and sum(at_sandbox) == len(succeeded) * REFUND, summary
        assert all(error_codes(a) == ["VALIDATION_FAILED"] for a in refused), [a["userErrors"] for a in refused]
        assert mirrored["amountRefunded"] == sum(at_sandbox), summary
        refunds = [edge["node"] for edge in mirrored["refunds"]["edges"]]
        assert sorted(r["stripeId"] for r in refunds) == sorted(r["refund"]["stripeId"] for r in succeeded)
        assert sum(r["amount"] for r in refunds) == sum(at_sandbox)


def row_id(global_id: str) -> str:
    """Our primary key inside a global id (base64 of `Type:uuid`)."""
    return base64.b64decode(global_id + "=" * (-len(global_id) % 4)).decode().partition(":")[2]


@contextlib.asynccontextmanager
async def money_lock_held(database_url: str, kind: str, global_id: str) -> AsyncIterator[None]:
    """Another process holding the money lock of one object (as a gateway mid-refund would)."""
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"money:{kind}:{row_id(global_id)}")
            yield
    finally:
        await connection.close()


async def test_a_money_lock_held_too_long_is_object_busy_and_nothing_reaches_stripe(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, pg_database: str
) -> None:
    emulator = localstripe_factory()
    gateway = await gateway_factory(localstripe=emulator, database_url=pg_database, money_lock_wait_seconds="1")
    key = gateway.create_api_key("read,write", "busy")
    async with GraphQLClient(gateway.url, token=key) as client:
        customer, _ = await customer_with_card(client, emulator.url, DECLINED_ON_CHARGE)
        plan = create_plan(emulator.url)
        subscribed = payload_of(
            await client.execute(
                CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
            ),
            "createSubscription",
        )
        invoice = subscribed["subscription"]["latestInvoice"]
        assert invoice["status"] == "OPEN", subscribed
        attached = await client.execute(
            ATTACH_PAYMENT_METHOD,
            {
                "key": new_key(),
                "input": {
                    "customerId": customer["id"],
                    "stripePaymentMethodId": create_test_card(emulator.url),
                    "setAsDefault": True,
                },
            },
        )
        assert payload_of(attached, "attachPaymentMethod")["userErrors"] == []
        pay_key = new_key()
        async with money_lock_held(pg_database, "invoice", invoice["id"]):
            busy = payload_of(
                await client.execute(PAY_INVOICE, {"key": pay_key, "input": {"id": invoice["id"]}}), "payInvoice"
            )
        assert error_codes(busy) == ["OBJECT_BUSY"], busy
        # Nothing was done and the key was given back: the same key now pays.
        paid = payload_of(
            await client.execute(PAY_INVOICE, {"key": pay_key, "input": {"id": invoice["id"]}}), "payInvoice"
        )
        assert paid["userErrors"] == [] and paid["invoice"]["status"] == "PAID", paid

        payment = payload_of(
            await client.execute(
                CREATE_PAYMENT,
                {"key": new_key(), "input": {"customerId": customer["id"], "amount": AMOUNT, "currency": "usd"}},
            ),
            "createPayment",
        )["payment"]
        refund_key = new_key()
        variables = {"key": refund_key, "input": {"paymentId": payment["id"], "amount": REFUND}}
        async with money_lock_held(pg_database, "payment", payment["id"]):
            busy = payload_of(await client.execute(REFUND_PAYMENT, variables), "refundPayment")
        assert error_codes(busy) == ["OBJECT_BUSY"], busy
        assert list_all(emulator.url, "/v1/refunds", payment_intent=payment["stripeId"]) == []
        done = payload_of(await client.execute(REFUND_PAYMENT, variables), "refundPayment")
        assert done["userErrors"] == [] and done["refund"]["amount"] == REFUND, done
