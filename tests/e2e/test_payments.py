"""One-time payments and refunds through the real server against localstripe (issue 3 acceptance)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, list_all, stripe_request
from tests.support.operations import (
    CREATE_PAYMENT,
    REFUND_PAYMENT,
    create_customer,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)


async def pay(
    client: GraphQLClient, customer_id: str, amount: int, currency: str = "usd", **extra: Any
) -> dict[str, Any]:
    body = await client.execute(
        CREATE_PAYMENT,
        {"key": new_key(), "input": {"customerId": customer_id, "amount": amount, "currency": currency, **extra}},
    )
    return payload_of(body, "createPayment")


async def refund(client: GraphQLClient, payment_id: str, amount: int | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"key": new_key(), "input": {"paymentId": payment_id}}
    if amount is not None:
        variables["input"]["amount"] = amount
    return payload_of(await client.execute(REFUND_PAYMENT, variables), "refundPayment")


async def test_pay_then_refund_partially_and_not_beyond(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payload = await pay(graphql, customer["id"], 500, description="Order 42")
    assert payload["userErrors"] == [], payload
    payment = payload["payment"]
    assert payment["status"] == "SUCCEEDED" and payment["amount"] == 500 and payment["amountRefunded"] == 0
    assert payment["customer"] == {"id": customer["id"]}

    first = await refund(graphql, payment["id"], 200)
    assert first["userErrors"] == [], first
    assert first["refund"]["amount"] == 200 and first["refund"]["status"] == "SUCCEEDED"
    assert first["refund"]["payment"]["amountRefunded"] == 200

    too_much = await refund(graphql, payment["id"], 400)
    assert error_codes(too_much) == ["VALIDATION_FAILED"] and too_much["refund"] is None
    assert too_much["userErrors"][0]["field"] == ["input", "amount"]
    refunds = list_all(localstripe.url, "/v1/refunds")
    assert [r["amount"] for r in refunds if r.get("payment_intent") == payment["stripeId"]] == [200]

    rest = await refund(graphql, payment["id"])
    assert rest["userErrors"] == [] and rest["refund"]["amount"] == 300
    assert rest["refund"]["payment"]["amountRefunded"] == 500
    nothing_left = await refund(graphql, payment["id"])
    assert error_codes(nothing_left) == ["VALIDATION_FAILED"]


async def test_a_declined_payment_is_a_typed_error(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url, "4000000000000341")
    payload = await pay(graphql, customer["id"], 700)
    assert error_codes(payload) == ["CARD_DECLINED"], payload
    assert payload["userErrors"][0]["declineCode"]


async def test_three_d_secure_payment_requires_action(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url, "4000000000003220")
    payload = await pay(graphql, customer["id"], 900, currency="EUR")
    assert payload["userErrors"] == [], payload
    payment = payload["payment"]
    assert payment["status"] == "REQUIRES_ACTION" and payment["clientSecret"] and payment["currency"] == "eur"
    at_stripe = stripe_request(localstripe.url, "GET", f"/v1/payment_intents/{payment['stripeId']}")
    assert at_stripe["status"] == "requires_action"


async def test_payment_with_an_explicit_payment_method(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, card = await customer_with_card(graphql, localstripe.url)
    payload = await pay(graphql, customer["id"], 1234, paymentMethodId=card["id"])
    assert payload["userErrors"] == [] and payload["payment"]["status"] == "SUCCEEDED"
    at_stripe = stripe_request(localstripe.url, "GET", f"/v1/payment_intents/{payload['payment']['stripeId']}")
    assert at_stripe["payment_method"] == card["stripeId"]


async def test_payment_input_errors_send_nothing_to_stripe(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    before = len(list_all(localstripe.url, "/v1/payment_intents"))
    for amount, currency, field in (
        (0, "usd", "amount"),
        (-5, "usd", "amount"),
        (100, "usdollar", "currency"),
        (100, "zzz", "currency"),
    ):
        payload = await pay(graphql, customer["id"], amount, currency)
        assert error_codes(payload) == ["VALIDATION_FAILED"], (amount, currency, payload)
        assert payload["userErrors"][0]["field"] == ["input", field]
    no_card = await create_customer(graphql)
    payload = await pay(graphql, no_card["id"], 100)
    assert error_codes(payload) == ["VALIDATION_FAILED"]
    assert len(list_all(localstripe.url, "/v1/payment_intents")) == before


async def test_replayed_payment_charges_once(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    variables = {"key": new_key(), "input": {"customerId": customer["id"], "amount": 2500, "currency": "usd"}}
    first = payload_of(await graphql.execute(CREATE_PAYMENT, variables), "createPayment")
    second = payload_of(await graphql.execute(CREATE_PAYMENT, variables), "createPayment")
    assert first == second and first["payment"]["status"] == "SUCCEEDED"
    # localstripe cannot filter intents by customer: filter here.
    intents = [i for i in list_all(localstripe.url, "/v1/payment_intents") if i["customer"] == customer["stripeId"]]
    assert len(intents) == 1


REFUND_WITH_REASON = """
mutation($key: String!, $input: RefundPaymentInput!) {
  refundPayment(idempotencyKey: $key, input: $input) {
    refund { id stripeId amount status reason payment { id amountRefunded } } userErrors { code message field }
  }
}"""


async def audited(gateway: GatewayProcess, operation: str, object_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """The audit entry of the applied webhook event `operation` about `object_id` (waits for it)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = json.loads(gateway.cli("audit", "--json", "--operation", operation, "--limit", "500"))
        found = [entry for entry in entries if object_id in entry["object_ids"]]
        if found:
            entry: dict[str, Any] = found[0]
            return entry
        assert time.monotonic() < deadline, f"no {operation} applied for {object_id} within {timeout:.0f} s"
        await asyncio.sleep(0.1)


async def test_a_refund_with_a_reason_is_sent_mirrored_and_confirmed_by_charge_refunded(
    graphql: GraphQLClient, localstripe: LocalStripe, gateway: GatewayProcess
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = (await pay(graphql, customer["id"], 900))["payment"]
    variables = {"key": new_key(), "input": {"paymentId": payment["id"], "amount": 400, "reason": "DUPLICATE"}}
    payload = payload_of(await graphql.execute(REFUND_WITH_REASON, variables), "refundPayment")
    assert payload["userErrors"] == [], payload
    made = payload["refund"]
    assert made["reason"] == "duplicate" and made["amount"] == 400
    at_stripe = stripe_request(localstripe.url, "GET", f"/v1/refunds/{made['stripeId']}")
    assert at_stripe["reason"] == "duplicate"
    # The reason is part of the key's fingerprint: the same key with another reason is refused.
    other = {**variables, "input": {**variables["input"], "reason": "FRAUDULENT"}}
    reused = payload_of(await graphql.execute(REFUND_WITH_REASON, other), "refundPayment")
    assert error_codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert payload_of(await graphql.execute(REFUND_WITH_REASON, variables), "refundPayment") == payload

    # The sandbox's charge.refunded and refund.created reach the mirror through the worker.
    await audited(gateway, "charge.refunded", payment["id"])
    await audited(gateway, "refund.created", made["id"])
    read = await graphql.execute(
        "query($id: ID!) { payment(id: $id) { amountRefunded refunds { edges { node { id reason } } } } }",
        {"id": payment["id"]},
    )
    assert read["data"]["payment"] == {
        "amountRefunded": 400,
        "refunds": {"edges": [{"node": {"id": made["id"], "reason": "duplicate"}}]},
    }
    no_reason = await refund(graphql, payment["id"], 100)
    assert no_reason["userErrors"] == [] and no_reason["refund"]["amount"] == 100
    assert stripe_request(localstripe.url, "GET", f"/v1/refunds/{no_reason['refund']['stripeId']}")["reason"] is None
