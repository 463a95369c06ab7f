"""Subscriptions and invoices through the real server against localstripe (issue 3 acceptance)."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, create_test_card, list_all, stripe_request
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    PAY_INVOICE,
    UPDATE_SUBSCRIPTION,
    create_customer,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)

DECLINED_ON_CHARGE = "4000000000000341"
THREE_D_SECURE = "4000000000003220"


async def subscribe(
    client: GraphQLClient, customer_id: str, price_id: str, key: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = await client.execute(
        CREATE_SUBSCRIPTION,
        {"key": key or new_key(), "input": {"customerId": customer_id, "priceId": price_id, **extra}},
    )
    return payload_of(body, "createSubscription")


async def test_subscribe_with_a_default_card(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan = create_plan(localstripe.url, amount=2000)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    key = new_key()
    payload = await subscribe(graphql, customer["id"], plan, key)
    assert payload["userErrors"] == [], payload
    subscription = payload["subscription"]
    assert subscription["status"] == "ACTIVE" and subscription["priceId"] == plan and subscription["quantity"] == 1
    assert subscription["currentPeriodStart"] < subscription["currentPeriodEnd"]
    invoice = subscription["latestInvoice"]
    assert invoice["status"] == "PAID" and invoice["amountPaid"] == 2000 and invoice["currency"] == "usd"
    assert invoice["payment"]["status"] == "SUCCEEDED"

    read = await graphql.execute(
        """query($c: ID!, $s: ID!) {
          customer(id: $c) { invoices(first: 10) { edges { node { id } } } subscriptions { edges { node { id } } } }
          subscription(id: $s) { invoices { edges { node { id status } } } }
        }""",
        {"c": customer["id"], "s": subscription["id"]},
    )
    assert "errors" not in read, read
    assert [e["node"]["id"] for e in read["data"]["customer"]["invoices"]["edges"]] == [invoice["id"]]
    assert [e["node"]["id"] for e in read["data"]["customer"]["subscriptions"]["edges"]] == [subscription["id"]]
    assert read["data"]["subscription"]["invoices"]["edges"] == [{"node": {"id": invoice["id"], "status": "PAID"}}]

    replay = await subscribe(graphql, customer["id"], plan, key)
    assert replay["subscription"]["id"] == subscription["id"] and replay["userErrors"] == []
    at_stripe = list_all(localstripe.url, "/v1/subscriptions", customer=customer["stripeId"])
    assert [s["id"] for s in at_stripe] == [subscription["stripeId"]]


async def test_a_card_declined_when_charged_gives_an_incomplete_subscription(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    plan = create_plan(localstripe.url)
    customer, _ = await customer_with_card(graphql, localstripe.url, DECLINED_ON_CHARGE)
    payload = await subscribe(graphql, customer["id"], plan)
    assert error_codes(payload) == ["CARD_DECLINED"], payload
    assert payload["userErrors"][0]["declineCode"]
    subscription = payload["subscription"]
    assert subscription["status"] == "INCOMPLETE"
    payment = subscription["latestInvoice"]["payment"]
    assert payment["status"] == "REQUIRES_PAYMENT_METHOD" and payment["failureCode"] == "card_declined"
    assert subscription["latestInvoice"]["status"] == "OPEN"


async def test_a_card_declined_at_attach(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer = await create_customer(graphql)
    body = await graphql.execute(
        ATTACH_PAYMENT_METHOD,
        {
            "key": new_key(),
            "input": {
                "customerId": customer["id"],
                "stripePaymentMethodId": create_test_card(localstripe.url, "4000000000000002"),
            },
        },
    )
    payload = payload_of(body, "attachPaymentMethod")
    assert payload["paymentMethod"] is None
    assert error_codes(payload) == ["CARD_DECLINED"] and payload["userErrors"][0]["declineCode"]


async def test_three_d_secure_subscription_returns_its_payment_to_confirm(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    plan = create_plan(localstripe.url)
    customer, _ = await customer_with_card(graphql, localstripe.url, THREE_D_SECURE)
    payload = await subscribe(graphql, customer["id"], plan)
    assert payload["userErrors"] == [], payload
    assert payload["subscription"]["status"] == "INCOMPLETE"
    payment = payload["subscription"]["latestInvoice"]["payment"]
    assert payment["status"] == "REQUIRES_ACTION" and payment["clientSecret"]


async def test_cancel_at_period_end_then_now(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan = create_plan(localstripe.url)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    subscription = (await subscribe(graphql, customer["id"], plan))["subscription"]
    later = payload_of(
        await graphql.execute(
            CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"], "atPeriodEnd": True}}
        ),
        "cancelSubscription",
    )
    assert later["userErrors"] == []
    assert later["subscription"]["cancelAtPeriodEnd"] is True and later["subscription"]["status"] == "ACTIVE"
    now = payload_of(
        await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}}),
        "cancelSubscription",
    )
    assert now["userErrors"] == []
    assert now["subscription"]["status"] == "CANCELED" and now["subscription"]["canceledAt"]
    at_stripe = stripe_request(localstripe.url, "GET", f"/v1/subscriptions/{subscription['stripeId']}")
    assert at_stripe["status"] == "canceled"
    again = payload_of(
        await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}}),
        "cancelSubscription",
    )
    assert error_codes(again) == ["VALIDATION_FAILED"]


async def test_update_quantity_and_price(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan, bigger = create_plan(localstripe.url, amount=1000), create_plan(localstripe.url, amount=3000)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    subscription = (await subscribe(graphql, customer["id"], plan))["subscription"]
    payload = payload_of(
        await graphql.execute(
            UPDATE_SUBSCRIPTION,
            {"key": new_key(), "input": {"id": subscription["id"], "quantity": 3, "prorationBehavior": "NONE"}},
        ),
        "updateSubscription",
    )
    assert payload["userErrors"] == [], payload
    assert payload["subscription"]["quantity"] == 3
    payload = payload_of(
        await graphql.execute(
            UPDATE_SUBSCRIPTION,
            {
                "key": new_key(),
                "input": {"id": subscription["id"], "priceId": bigger, "prorationBehavior": "CREATE_PRORATIONS"},
            },
        ),
        "updateSubscription",
    )
    assert payload["userErrors"] == [], payload
    assert payload["subscription"]["priceId"] == bigger
    item = stripe_request(localstripe.url, "GET", f"/v1/subscriptions/{subscription['stripeId']}")["items"]["data"][0]
    assert (item["plan"]["id"], item["quantity"]) == (bigger, 3)
    nothing = payload_of(
        await graphql.execute(UPDATE_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}}),
        "updateSubscription",
    )
    assert error_codes(nothing) == ["VALIDATION_FAILED"]


async def test_pay_an_open_invoice_after_a_decline(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan = create_plan(localstripe.url)
    customer, _ = await customer_with_card(graphql, localstripe.url, DECLINED_ON_CHARGE)
    invoice = (await subscribe(graphql, customer["id"], plan))["subscription"]["latestInvoice"]
    assert invoice["status"] == "OPEN"
    body = await graphql.execute(
        ATTACH_PAYMENT_METHOD,
        {
            "key": new_key(),
            "input": {
                "customerId": customer["id"],
                "stripePaymentMethodId": create_test_card(localstripe.url),
                "setAsDefault": True,
            },
        },
    )
    assert payload_of(body, "attachPaymentMethod")["userErrors"] == []
    paid = payload_of(
        await graphql.execute(PAY_INVOICE, {"key": new_key(), "input": {"id": invoice["id"]}}), "payInvoice"
    )
    assert paid["userErrors"] == [], paid
    assert paid["invoice"]["status"] == "PAID" and paid["invoice"]["amountPaid"] == paid["invoice"]["amountDue"]
    twice = payload_of(
        await graphql.execute(PAY_INVOICE, {"key": new_key(), "input": {"id": invoice["id"]}}), "payInvoice"
    )
    assert error_codes(twice) == ["VALIDATION_FAILED"]


async def test_upcoming_invoice_of_an_active_subscription(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan = create_plan(localstripe.url, amount=4500)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    subscription = (await subscribe(graphql, customer["id"], plan))["subscription"]
    body = await graphql.execute(
        "query($id: ID!) { upcomingInvoice(subscriptionId: $id) { amountDue total currency periodStart periodEnd } }",
        {"id": subscription["id"]},
    )
    assert "errors" not in body, body
    assert body["data"]["upcomingInvoice"]["amountDue"] == 4500
    assert body["data"]["upcomingInvoice"]["currency"] == "usd"


async def test_subscription_input_errors(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    unknown = await subscribe(graphql, customer["id"], "plan-that-does-not-exist")
    assert error_codes(unknown) == ["NOT_FOUND"] and unknown["userErrors"][0]["field"] == ["input", "priceId"]
    bad_quantity = await subscribe(graphql, customer["id"], create_plan(localstripe.url), quantity=0)
    assert error_codes(bad_quantity) == ["VALIDATION_FAILED"]
    assert bad_quantity["userErrors"][0]["field"] == ["input", "quantity"]
    no_card = await create_customer(graphql)
    payload = await subscribe(graphql, no_card["id"], create_plan(localstripe.url))
    assert error_codes(payload) == ["VALIDATION_FAILED"], payload
    assert list_all(localstripe.url, "/v1/subscriptions", customer=no_card["stripeId"]) == []
