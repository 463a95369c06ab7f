"""The audit trail through the real server (issue 6, acceptance 6 first half).

Every mutation made here leaves exactly one audit entry carrying its idempotency key;
a replay adds none; `auditEvents` is FORBIDDEN to a read/write key and readable with
an admin key; `billing-gateway audit` lists the entries.
"""

from __future__ import annotations

from typing import Any

import jwt

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_test_card
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CREATE_CUSTOMER,
    CREATE_PAYMENT,
    REFUND_PAYMENT,
    UPDATE_CUSTOMER,
    create_session,
    new_key,
    payload_of,
    unique_email,
)

AUDIT_EVENTS = """
query($first: Int, $principal: String, $operation: String) {
  auditEvents(first: $first, principal: $principal, operation: $operation) {
    edges { node { id principal operation objectIds idempotencyKey stripeRequestId requestId outcome } }
  }
}"""


async def mutate(client: GraphQLClient, query: str, field: str, input: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Run one mutation with a fresh key; (key, payload), asserting no user errors."""
    key = new_key()
    payload = payload_of(await client.execute(query, {"key": key, "input": input}), field)
    assert payload["userErrors"] == [], payload
    return key, payload


async def entries(client: GraphQLClient, admin_api_key: str, principal: str, operation: str) -> list[dict[str, Any]]:
    body = await client.execute(
        AUDIT_EVENTS, {"first": 100, "principal": principal, "operation": operation}, token=admin_api_key
    )
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["auditEvents"]["edges"]]


async def test_each_mutation_leaves_one_entry_and_a_replay_none(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str
) -> None:
    principal = f"api_key:{gateway.api_key_id('e2e-read-write')}"
    made: list[tuple[str, str, list[str]]] = []  # (operation, key, ids the entry must name)

    create_input = {"email": unique_email("audit")}
    key, payload = await mutate(graphql, CREATE_CUSTOMER, "createCustomer", create_input)
    customer_id = payload["customer"]["id"]
    made.append(("createCustomer", key, [customer_id]))
    # A replay answers the same and writes nothing.
    replay = payload_of(await graphql.execute(CREATE_CUSTOMER, {"key": key, "input": create_input}), "createCustomer")
    assert replay == payload

    key, _ = await mutate(graphql, UPDATE_CUSTOMER, "updateCustomer", {"id": customer_id, "name": "Audited"})
    made.append(("updateCustomer", key, [customer_id]))
    card = create_test_card(localstripe.url)
    key, payload = await mutate(
        graphql,
        ATTACH_PAYMENT_METHOD,
        "attachPaymentMethod",
        {"customerId": customer_id, "stripePaymentMethodId": card, "setAsDefault": True},
    )
    made.append(("attachPaymentMethod", key, [payload["paymentMethod"]["id"]]))
    key, payload = await mutate(
        graphql, CREATE_PAYMENT, "createPayment", {"customerId": customer_id, "amount": 700, "currency": "usd"}
    )
    payment_id = payload["payment"]["id"]
    made.append(("createPayment", key, [payment_id]))
    key, payload = await mutate(graphql, REFUND_PAYMENT, "refundPayment", {"paymentId": payment_id, "amount": 200})
    made.append(("refundPayment", key, [payload["refund"]["id"]]))

    for operation, key, ids in made:
        found = [e for e in await entries(graphql, admin_api_key, principal, operation) if e["idempotencyKey"] == key]
        assert len(found) == 1, (operation, found)
        [entry] = found
        assert entry["outcome"] == "ok" and entry["principal"] == principal and entry["requestId"]
        assert entry["objectIds"] == ids

    listing = gateway.cli("audit", "--limit", "5", "--operation", "refundPayment")
    assert listing.splitlines()[0].split()[:2] == ["occurred", "at"]
    assert made[-1][1] in listing


async def test_only_admin_keys_read_the_trail(graphql: GraphQLClient, admin_api_key: str, read_api_key: str) -> None:
    for token in (None, read_api_key):  # None: the client's read/write key
        kwargs: dict[str, Any] = {} if token is None else {"token": token}
        body = await graphql.execute(AUDIT_EVENTS, {"first": 1}, **kwargs)
        assert body["data"] is None or body["data"].get("auditEvents") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await graphql.execute(AUDIT_EVENTS, {"first": 1}, token=admin_api_key)
    assert "errors" not in body, body


def test_the_cli_says_so_when_nothing_matches(gateway: GatewayProcess) -> None:
    assert gateway.cli("audit", "--operation", "noSuchOperation").strip() == "no audit entries for noSuchOperation"


async def test_naming_another_customers_object_is_kept_as_forbidden(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str
) -> None:
    """A session attaching a card to someone else: refused, and the attempt is in the trail."""
    _, mine = await mutate(graphql, CREATE_CUSTOMER, "createCustomer", {"email": unique_email("own")})
    _, theirs = await mutate(graphql, CREATE_CUSTOMER, "createCustomer", {"email": unique_email("other")})
    session = await create_session(graphql, mine["customer"]["id"])
    jti = jwt.decode(session["token"], options={"verify_signature": False})["jti"]
    key = new_key()
    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        body = await frontend.execute(
            ATTACH_PAYMENT_METHOD,
            {
                "key": key,
                "input": {
                    "customerId": theirs["customer"]["id"],
                    "stripePaymentMethodId": create_test_card(localstripe.url),
                },
            },
        )
    [error] = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "OTHER_CUSTOMER"}, body
    [entry] = await entries(graphql, admin_api_key, f"customer_session:{jti}", "attachPaymentMethod")
    assert (entry["idempotencyKey"], entry["outcome"], entry["objectIds"]) == (key, "FORBIDDEN", [])
