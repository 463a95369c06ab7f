"""Customers through the real server: create, read, list, update, idempotency, validation."""

from __future__ import annotations

import asyncio
import base64

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, count_customers, list_customers
from tests.support.operations import (
    CREATE_CUSTOMER,
    CUSTOMER_WITH_PAYMENT_METHODS,
    UPDATE_CUSTOMER,
    create_customer,
    error_codes,
    new_key,
    payload_of,
    unique_email,
)


async def test_create_then_read_a_customer(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    email = unique_email()
    created = await create_customer(graphql, email, name="Ada Lovelace", metadata={"plan": "gold"})
    assert created["email"] == email and created["name"] == "Ada Lovelace"
    assert created["metadata"] == {"plan": "gold"}
    assert created["stripeId"].startswith("cus_")
    [at_stripe] = list_customers(localstripe.url, email)
    # At Stripe the customer also carries the gateway's tag (its creating call); clients never see it.
    assert at_stripe["id"] == created["stripeId"]
    assert at_stripe["metadata"] == {"plan": "gold", "bgw_attempt": at_stripe["metadata"]["bgw_attempt"]}

    body = await graphql.execute(CUSTOMER_WITH_PAYMENT_METHODS, {"id": created["id"]})
    assert body["data"]["customer"]["stripeId"] == created["stripeId"]
    assert body["data"]["customer"]["paymentMethods"]["edges"] == []
    node = await graphql.execute(
        "query($id: ID!) { node(id: $id) { id ... on Customer { email } } }", {"id": created["id"]}
    )
    assert node["data"]["node"] == {"id": created["id"], "email": email}


async def test_customers_filter_by_email_and_paginate(graphql: GraphQLClient) -> None:
    email = unique_email("filter")
    first = await create_customer(graphql, email)
    second = await create_customer(graphql, email.upper())
    query = """query($email: String, $after: String) {
      customers(first: 1, email: $email, after: $after) {
        edges { cursor node { id email } } pageInfo { hasNextPage endCursor }
      }
    }"""
    page1 = (await graphql.execute(query, {"email": email}))["data"]["customers"]
    assert [e["node"]["id"] for e in page1["edges"]] == [second["id"]]  # newest first
    assert page1["pageInfo"]["hasNextPage"] is True
    page2 = (await graphql.execute(query, {"email": email, "after": page1["pageInfo"]["endCursor"]}))["data"][
        "customers"
    ]
    assert [e["node"]["id"] for e in page2["edges"]] == [first["id"]]
    assert page2["pageInfo"]["hasNextPage"] is False


async def test_first_above_one_hundred_is_refused(graphql: GraphQLClient) -> None:
    body = await graphql.execute("{ customers(first: 101) { edges { node { id } } } }")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED"


async def test_update_customer_replaces_name_and_metadata(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    customer = await create_customer(graphql, metadata={"a": "1", "b": "2"})
    body = await graphql.execute(
        UPDATE_CUSTOMER, {"key": new_key(), "input": {"id": customer["id"], "name": "Grace", "metadata": {"b": "3"}}}
    )
    payload = payload_of(body, "updateCustomer")
    assert payload["userErrors"] == []
    assert payload["customer"]["name"] == "Grace"
    assert payload["customer"]["metadata"] == {"b": "3"}
    [at_stripe] = [c for c in list_customers(localstripe.url) if c["id"] == customer["stripeId"]]
    # localstripe keeps keys unset with "" (Stripe deletes them); the gateway sent the unset.
    assert at_stripe["name"] == "Grace"
    # The gateway's tag is not the client's metadata: replacing the metadata keeps it.
    assert {k: v for k, v in at_stripe["metadata"].items() if v != ""} == {
        "b": "3",
        "bgw_attempt": at_stripe["metadata"]["bgw_attempt"],
    }
    assert at_stripe["metadata"].get("a", "") == ""


async def test_same_key_twice_returns_one_customer(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    email, key = unique_email("twice"), new_key()
    variables = {"key": key, "input": {"email": email, "name": "Twice"}}
    first = payload_of(await graphql.execute(CREATE_CUSTOMER, variables), "createCustomer")
    second = payload_of(await graphql.execute(CREATE_CUSTOMER, variables), "createCustomer")
    assert first["userErrors"] == [] and first == second
    assert count_customers(localstripe.url, email) == 1


async def test_same_key_other_input_is_rejected_and_creates_nothing(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    key, other_email = new_key(), unique_email("other")
    await graphql.execute(CREATE_CUSTOMER, {"key": key, "input": {"email": unique_email()}})
    payload = payload_of(
        await graphql.execute(CREATE_CUSTOMER, {"key": key, "input": {"email": other_email}}), "createCustomer"
    )
    assert payload["customer"] is None
    assert error_codes(payload) == ["IDEMPOTENCY_KEY_REUSED"]
    assert count_customers(localstripe.url, other_email) == 0


async def test_twenty_concurrent_calls_with_one_key_create_one_customer(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    email, key = unique_email("concurrent"), new_key()
    variables = {"key": key, "input": {"email": email}}
    bodies = await asyncio.gather(*(graphql.execute(CREATE_CUSTOMER, variables) for _ in range(20)))
    payloads = [payload_of(b, "createCustomer") for b in bodies]
    ids = {p["customer"]["id"] for p in payloads if p["customer"] is not None}
    assert len(ids) == 1, payloads
    for payload in payloads:
        if payload["customer"] is None:
            assert error_codes(payload) == ["IDEMPOTENCY_KEY_IN_PROGRESS"], payload
        else:
            assert payload["userErrors"] == [], payload
    assert count_customers(localstripe.url, email) == 1


async def test_invalid_email_is_a_validation_error_with_its_field(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    payload = payload_of(
        await graphql.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": "not-an-email"}}), "createCustomer"
    )
    assert payload["customer"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "VALIDATION_FAILED" and error["field"] == ["input", "email"]
    assert count_customers(localstripe.url, "not-an-email") == 0


async def test_a_validation_error_gives_the_key_back(graphql: GraphQLClient) -> None:
    key = new_key()
    await graphql.execute(CREATE_CUSTOMER, {"key": key, "input": {"email": "broken"}})
    payload = payload_of(
        await graphql.execute(CREATE_CUSTOMER, {"key": key, "input": {"email": unique_email()}}), "createCustomer"
    )
    assert payload["userErrors"] == [] and payload["customer"] is not None


async def test_bad_metadata_is_a_validation_error(graphql: GraphQLClient) -> None:
    payload = payload_of(
        await graphql.execute(
            CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email(), "metadata": {"n": 5}}}
        ),
        "createCustomer",
    )
    assert error_codes(payload) == ["VALIDATION_FAILED"]
    assert payload["userErrors"][0]["field"] == ["input", "metadata", "n"]


async def test_a_card_number_in_free_text_is_refused_and_never_stored(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    before = count_customers(localstripe.url)
    for field, extra in (
        (["input", "name"], {"name": "Ann 4242 4242 4242 4242"}),
        (["input", "metadata"], {"metadata": {"note": "card 4000-0000-0000-0002"}}),
    ):
        body = await graphql.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email(), **extra}})
        payload = payload_of(body, "createCustomer")
        assert payload["customer"] is None and error_codes(payload) == ["VALIDATION_FAILED"], payload
        assert payload["userErrors"][0]["field"] == field
        assert "card number" in payload["userErrors"][0]["message"]
        assert "4242" not in str(body) and "0002" not in str(body)
    # An order number that only looks long is fine: it fails the Luhn check.
    ok = await graphql.execute(
        CREATE_CUSTOMER,
        {"key": new_key(), "input": {"email": unique_email(), "metadata": {"order": "4242424242424241"}}},
    )
    assert payload_of(ok, "createCustomer")["userErrors"] == []
    assert count_customers(localstripe.url) == before + 1


async def test_unknown_and_malformed_ids_are_not_found(graphql: GraphQLClient) -> None:
    unknown = base64.urlsafe_b64encode(b"Customer:01a209bf-0000-7000-8000-000000000000").decode().rstrip("=")
    for customer_id in (unknown, "garbage", ""):
        payload = payload_of(
            await graphql.execute(UPDATE_CUSTOMER, {"key": new_key(), "input": {"id": customer_id, "name": "x"}}),
            "updateCustomer",
        )
        assert payload["customer"] is None
        [error] = payload["userErrors"]
        assert error["code"] == "NOT_FOUND" and error["field"] == ["input", "id"], payload
    body = await graphql.execute("query($id: ID!) { customer(id: $id) { id } node(id: $id) { id } }", {"id": unknown})
    assert body["data"] == {"customer": None, "node": None}


async def test_a_read_key_cannot_mutate_and_nothing_is_done(
    gateway: GatewayProcess, read_api_key: str, localstripe: LocalStripe
) -> None:
    email = unique_email("forbidden")
    async with GraphQLClient(gateway.url, token=read_api_key) as client:
        body = await client.execute(CREATE_CUSTOMER, {"key": new_key(), "input": {"email": email}})
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        listed = await client.execute("{ customers(first: 1) { edges { node { id } } } }")
        assert "errors" not in listed
    assert count_customers(localstripe.url, email) == 0


async def test_metadata_keys_of_the_gateway_are_reserved(graphql: GraphQLClient) -> None:
    body = await graphql.execute(
        CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email(), "metadata": {"bgw_attempt": "x"}}}
    )
    payload = payload_of(body, "createCustomer")
    assert error_codes(payload) == ["VALIDATION_FAILED"] and payload["customer"] is None
    assert payload["userErrors"][0]["field"] == ["input", "metadata", "bgw_attempt"]
