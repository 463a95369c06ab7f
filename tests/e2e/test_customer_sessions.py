"""Customer session tokens against the real gateway: what a frontend may and may not do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from billing.session_tokens import ALGORITHM, ISSUER, TOKEN_TYPE
from tests.support.gateway import GATEWAY_SECRET, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, create_test_card
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CREATE_CUSTOMER,
    CREATE_SESSION,
    CREATE_SUBSCRIPTION,
    CUSTOMER_WITH_PAYMENT_METHODS,
    PAY_INVOICE,
    PAYMENT_METHOD_FIELDS,
    REFUND_PAYMENT,
    create_session,
    customer_with_card,
    new_key,
    payload_of,
    unique_email,
)

VIEWER = f"""{{ viewer {{ id email paymentMethods {{ edges {{ node {{ {PAYMENT_METHOD_FIELDS} }} }} }}
  invoices {{ edges {{ node {{ id }} }} }} payments {{ edges {{ node {{ id }} }} }} }} }}"""


def forbidden(body: dict[str, Any], field: str) -> bool:
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    return "FORBIDDEN" in codes and (body.get("data") is None or body["data"].get(field) is None)


async def test_a_session_acts_for_its_own_customer_only(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    b, b_card = await customer_with_card(graphql, localstripe.url)
    session = await create_session(graphql, a["id"], ttlSeconds=600)
    expires_at = datetime.fromisoformat(session["expiresAt"])
    assert timedelta(seconds=590) < expires_at - datetime.now(UTC) <= timedelta(seconds=600)

    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        viewer = (await frontend.execute(VIEWER))["data"]["viewer"]
        assert viewer["id"] == a["id"] and len(viewer["paymentMethods"]["edges"]) == 1
        own = await frontend.execute(CUSTOMER_WITH_PAYMENT_METHODS, {"id": a["id"]})
        assert own["data"]["customer"]["id"] == a["id"]

        # It attaches a card to itself.
        body = await frontend.execute(
            ATTACH_PAYMENT_METHOD,
            {
                "key": new_key(),
                "input": {"customerId": a["id"], "stripePaymentMethodId": create_test_card(localstripe.url)},
            },
        )
        assert payload_of(body, "attachPaymentMethod")["userErrors"] == []
        viewer = (await frontend.execute(VIEWER))["data"]["viewer"]
        assert len(viewer["paymentMethods"]["edges"]) == 2

        # B's objects, by id or through node: FORBIDDEN and no data.
        for query, variables, field in (
            ("query($id: ID!) { customer(id: $id) { id email } }", {"id": b["id"]}, "customer"),
            ("query($id: ID!) { node(id: $id) { id } }", {"id": b["id"]}, "node"),
            ("query($id: ID!) { paymentMethod(id: $id) { id last4 } }", {"id": b_card["id"]}, "paymentMethod"),
            ("query($id: ID!) { node(id: $id) { id } }", {"id": b_card["id"]}, "node"),
        ):
            body = await frontend.execute(query, variables)
            assert forbidden(body, field), body
            assert b["email"] not in str(body)
        body = await frontend.execute(
            ATTACH_PAYMENT_METHOD,
            {
                "key": new_key(),
                "input": {"customerId": b["id"], "stripePaymentMethodId": create_test_card(localstripe.url)},
            },
        )
        assert forbidden(body, "attachPaymentMethod"), body

        # Root operations that are not for sessions.
        for document, variables, field in (
            ("{ customers { edges { node { id } } } }", None, "customers"),
            (CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email()}}, "createCustomer"),
            (REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": b["id"]}}, "refundPayment"),
            (CREATE_SESSION, {"key": new_key(), "input": {"customerId": a["id"]}}, "createCustomerSession"),
        ):
            body = await frontend.execute(document, variables)
            assert forbidden(body, field), body


async def test_session_creation_is_idempotent_and_bounded(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    variables = {"key": new_key(), "input": {"customerId": a["id"]}}
    first = payload_of(await graphql.execute(CREATE_SESSION, variables), "createCustomerSession")
    again = payload_of(await graphql.execute(CREATE_SESSION, variables), "createCustomerSession")
    assert first["token"] and again == first
    default = datetime.fromisoformat(first["expiresAt"]) - datetime.now(UTC)
    assert timedelta(seconds=890) < default <= timedelta(seconds=900)
    for ttl in (59, 3601):
        body = await graphql.execute(
            CREATE_SESSION, {"key": new_key(), "input": {"customerId": a["id"], "ttlSeconds": ttl}}
        )
        payload = payload_of(body, "createCustomerSession")
        assert payload["token"] is None
        assert payload["userErrors"] == [{"code": "VALIDATION_FAILED", "field": ["input", "ttlSeconds"]}]


async def test_expired_or_tampered_tokens_get_401(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    a = payload_of(
        await graphql.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email()}}), "createCustomer"
    )["customer"]
    token = (await create_session(graphql, a["id"], ttlSeconds=60))["token"]
    past = datetime.now(UTC) - timedelta(hours=1)
    customer_uuid = str(uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sub"]))
    expired = jwt.encode(
        {
            "sub": customer_uuid,
            "jti": "expired",
            "iat": int(past.timestamp()),
            "exp": int((past + timedelta(seconds=60)).timestamp()),
            "typ": TOKEN_TYPE,
            "iss": ISSUER,
        },
        GATEWAY_SECRET,
        algorithm=ALGORITHM,
    )
    header, payload, signature = token.split(".")
    for bad in (expired, f"{header}.{payload}.{signature[::-1]}", token + "x"):
        response = await graphql.raw_post('{"query": "{ viewer { id } }"}', token=bad)
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "unauthorized"
    async with GraphQLClient(gateway.url, token=token) as frontend:
        assert (await frontend.execute("{ viewer { id } }"))["data"]["viewer"] == {"id": a["id"]}


async def test_idempotency_keys_are_scoped_to_the_session(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    first_session = (await create_session(graphql, a["id"]))["token"]
    second_session = (await create_session(graphql, a["id"]))["token"]
    key = new_key()
    setup = """mutation($key: String!, $input: CreateSetupIntentInput!) {
      createSetupIntent(idempotencyKey: $key, input: $input) { setupIntentId userErrors { code } } }"""
    variables = {"key": key, "input": {"customerId": a["id"]}}
    async with GraphQLClient(gateway.url, token=first_session) as frontend:
        one = payload_of(await frontend.execute(setup, variables), "createSetupIntent")
        assert one == payload_of(await frontend.execute(setup, variables), "createSetupIntent")
    async with GraphQLClient(gateway.url, token=second_session) as frontend:
        other = payload_of(await frontend.execute(setup, variables), "createSetupIntent")
    # The same key from another caller is another call: a new SetupIntent.
    assert one["userErrors"] == other["userErrors"] == []
    assert one["setupIntentId"] != other["setupIntentId"]
    own_key = payload_of(await graphql.execute(setup, variables), "createSetupIntent")
    assert own_key["setupIntentId"] not in (one["setupIntentId"], other["setupIntentId"])


async def test_a_session_cannot_read_another_customers_invoice_or_pay_it(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    b, _ = await customer_with_card(graphql, localstripe.url)
    plans = [create_plan(localstripe.url), create_plan(localstripe.url)]
    invoices = {}
    for owner, plan in zip((a, b), plans, strict=True):
        body = await graphql.execute(
            CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": owner["id"], "priceId": plan}}
        )
        invoices[owner["id"]] = payload_of(body, "createSubscription")["subscription"]["latestInvoice"]["id"]
    session = await create_session(graphql, a["id"])
    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        own = await frontend.execute("query($id: ID!) { invoice(id: $id) { id status } }", {"id": invoices[a["id"]]})
        assert own["data"]["invoice"] == {"id": invoices[a["id"]], "status": "PAID"}
        by_id = await frontend.execute(
            "query($id: ID!) { invoice(id: $id) { id amountDue customer { email } } }", {"id": invoices[b["id"]]}
        )
        assert forbidden(by_id, "invoice"), by_id
        via_node = await frontend.execute(
            "query($id: ID!) { node(id: $id) { id ... on Invoice { amountDue } } }", {"id": invoices[b["id"]]}
        )
        assert forbidden(via_node, "node"), via_node
        assert b["email"] not in str(by_id) + str(via_node)
        pay = await frontend.execute(PAY_INVOICE, {"key": new_key(), "input": {"id": invoices[b["id"]]}})
        assert forbidden(pay, "payInvoice"), pay
