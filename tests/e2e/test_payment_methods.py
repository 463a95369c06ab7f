"""Payment methods through the real server: set-up intent, attach, default, detach; no card data kept."""

from __future__ import annotations

import re

import asyncpg  # type: ignore[import-untyped]

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_test_card, stripe_request
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CREATE_SETUP_INTENT,
    CUSTOMER_WITH_PAYMENT_METHODS,
    DETACH_PAYMENT_METHOD,
    SET_DEFAULT_PAYMENT_METHOD,
    create_customer,
    error_codes,
    new_key,
    payload_of,
)

CARD_NUMBERS = ("4242424242424242", "5555555555554444")
CVC_FIELD = re.compile(r'"+cvc"+\s*:', re.IGNORECASE)


async def attach(client: GraphQLClient, customer_id: str, pm: str, *, default: bool) -> dict[str, object]:
    body = await client.execute(
        ATTACH_PAYMENT_METHOD,
        {"key": new_key(), "input": {"customerId": customer_id, "stripePaymentMethodId": pm, "setAsDefault": default}},
    )
    return payload_of(body, "attachPaymentMethod")


async def test_attach_as_default_then_detach(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer = await create_customer(graphql)
    pm = create_test_card(localstripe.url)
    payload = await attach(graphql, customer["id"], pm, default=True)
    assert payload["userErrors"] == [], payload
    attached = payload["paymentMethod"]
    assert attached["stripeId"] == pm and attached["last4"] == "4242" and attached["brand"] == "visa"
    assert attached["isDefault"] is True and attached["customer"] == {"id": customer["id"]}
    assert (attached["expMonth"], attached["expYear"]) == (12, 2030)

    read = (await graphql.execute(CUSTOMER_WITH_PAYMENT_METHODS, {"id": customer["id"]}))["data"]["customer"]
    assert read["defaultPaymentMethod"]["last4"] == "4242"
    assert [e["node"]["stripeId"] for e in read["paymentMethods"]["edges"]] == [pm]
    at_stripe = stripe_request(localstripe.url, "GET", f"/v1/customers/{customer['stripeId']}")
    assert at_stripe["invoice_settings"]["default_payment_method"] == pm

    detached = payload_of(
        await graphql.execute(DETACH_PAYMENT_METHOD, {"key": new_key(), "input": {"id": attached["id"]}}),
        "detachPaymentMethod",
    )
    assert detached["userErrors"] == [] and detached["paymentMethod"]["customer"] is None
    read = (await graphql.execute(CUSTOMER_WITH_PAYMENT_METHODS, {"id": customer["id"]}))["data"]["customer"]
    assert read["paymentMethods"]["edges"] == []
    assert stripe_request(localstripe.url, "GET", f"/v1/payment_methods/{pm}")["customer"] is None


async def test_set_default_switches_between_cards(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer = await create_customer(graphql)
    first = await attach(graphql, customer["id"], create_test_card(localstripe.url), default=True)
    second = await attach(graphql, customer["id"], create_test_card(localstripe.url, CARD_NUMBERS[1]), default=False)
    assert second["paymentMethod"]["isDefault"] is False and second["paymentMethod"]["last4"] == "4444"
    payload = payload_of(
        await graphql.execute(
            SET_DEFAULT_PAYMENT_METHOD,
            {
                "key": new_key(),
                "input": {"customerId": customer["id"], "paymentMethodId": second["paymentMethod"]["id"]},
            },
        ),
        "setDefaultPaymentMethod",
    )
    assert payload["userErrors"] == []
    assert payload["customer"]["defaultPaymentMethod"] == {"id": second["paymentMethod"]["id"], "last4": "4444"}
    read = (await graphql.execute(CUSTOMER_WITH_PAYMENT_METHODS, {"id": customer["id"]}))["data"]["customer"]
    defaults = {e["node"]["id"]: e["node"]["isDefault"] for e in read["paymentMethods"]["edges"]}
    assert defaults == {first["paymentMethod"]["id"]: False, second["paymentMethod"]["id"]: True}


async def test_set_default_refuses_another_customers_card(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    owner, other = await create_customer(graphql), await create_customer(graphql)
    attached = await attach(graphql, owner["id"], create_test_card(localstripe.url), default=False)
    payload = payload_of(
        await graphql.execute(
            SET_DEFAULT_PAYMENT_METHOD,
            {
                "key": new_key(),
                "input": {"customerId": other["id"], "paymentMethodId": attached["paymentMethod"]["id"]},
            },
        ),
        "setDefaultPaymentMethod",
    )
    assert error_codes(payload) == ["VALIDATION_FAILED"]
    assert payload["userErrors"][0]["field"] == ["input", "paymentMethodId"]


async def test_attach_rejects_what_is_not_a_payment_method_id(graphql: GraphQLClient) -> None:
    customer = await create_customer(graphql)
    payload = await attach(graphql, customer["id"], "4242424242424242", default=False)
    assert error_codes(payload) == ["VALIDATION_FAILED"]
    assert payload["userErrors"][0]["field"] == ["input", "stripePaymentMethodId"]
    unknown = await attach(graphql, customer["id"], "pm_doesnotexist", default=False)
    assert error_codes(unknown) == ["NOT_FOUND"], unknown


async def test_setup_intent_for_a_customer(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer = await create_customer(graphql)
    payload = payload_of(
        await graphql.execute(CREATE_SETUP_INTENT, {"key": new_key(), "input": {"customerId": customer["id"]}}),
        "createSetupIntent",
    )
    assert payload["userErrors"] == []
    assert payload["setupIntentId"].startswith("seti_") and payload["clientSecret"]
    intent = stripe_request(localstripe.url, "GET", f"/v1/setup_intents/{payload['setupIntentId']}")
    assert intent["customer"] == customer["stripeId"]


async def test_the_database_holds_no_card_number(
    graphql: GraphQLClient, localstripe: LocalStripe, gateway: GatewayProcess
) -> None:
    customer = await create_customer(graphql)
    for number in CARD_NUMBERS:
        payload = await attach(graphql, customer["id"], create_test_card(localstripe.url, number), default=True)
        assert payload["userErrors"] == []
    conn = await asyncpg.connect(gateway.database_url)
    try:
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")]
        assert "payment_methods" in tables
        for table in tables:
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{table}" t')
            for row in rows:
                for number in CARD_NUMBERS:
                    assert number not in row["row"], f"card number found in {table}"
                # A field named cvc (JSON inside a row's text has its quotes doubled); not the letters "cvc",
                # which random Stripe ids contain by chance (evt_TLk5ScvcXbAXEc failed CI).
                assert not CVC_FIELD.search(row["row"]), f"card security code field found in {table}"
        stored = await conn.fetch("SELECT last4 FROM payment_methods WHERE customer_id IS NOT NULL")
        assert {"4242", "4444"} <= {r["last4"] for r in stored}
    finally:
        await conn.close()
