"""Money movements on one object are serialised across gateway processes (issue 12, item 1)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.operations import CREATE_PAYMENT, REFUND_PAYMENT, customer_with_card, error_codes, new_key, payload_of
from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import list_all

PAYMENT_REFUNDS = """
query($id: ID!) {
  payment(id: $id) { amount amountRefunded refunds(first: 50) { edges { node { stripeId amount } } } }
}"""

AMOUNT, REFUND, ATTEMPTS = 1000, 300, 10


async def refund(client: GraphQLClient, payment_id: str, amount: int) -> dict[str, Any]:
    body = await client.execute(
        REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment_id, "amount": amount}}
    )
    return payload_of(body, "refundPayment")


async def test_ten_concurrent_refunds_over_two_gateways_never_exceed_the_payment(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, pg_database: str
) -> None:
    emulator = localstripe_factory()
    gateways = [await gateway_factory(localstripe=emulator, database_url=pg_database) for _ in range(2)]
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
