"""The transactional outbox through the real server (issue 16, acceptance 2, outbox half).

Mutations and the webhooks that confirm them leave exactly one domain event per change in
`outbox_events`, in sequence order; a gateway SIGKILLed right after a mutation's answer
still has the mutation's event (it shares the commit).
"""

from __future__ import annotations

import os
import signal
from typing import Any

import jsonschema

from billing.event_catalogue import CATALOGUE
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan
from tests.support.operations import (
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    REFUND_PAYMENT,
    create_customer,
    create_payment,
    customer_with_card,
    new_key,
    payload_of,
)
from tests.support.outbox import EVENTS, feed, outbox_rows, webhook_applied, whole_feed


def types_of(rows: list[dict[str, Any]]) -> list[str]:
    return [row["type"] for row in rows]


async def test_a_payment_and_its_webhooks_make_one_event_per_change(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    customer, method = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 1234)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", payment["stripeId"])
    await webhook_applied(gateway.database_url, "customer.created", customer["stripeId"])

    payment_rows = await outbox_rows(gateway.database_url, payment["id"])
    assert types_of(payment_rows) == ["payment.succeeded"]  # the webhook confirmed it: no second event
    event = payment_rows[0]
    assert event["object_kind"] == "payment" and event["customer_id"] == customer["id"]
    assert event["schema_version"] == 1 and event["occurred_at"].utcoffset() is not None
    data = event["data"]
    assert data["id"] == payment["id"] and data["stripeId"] == payment["stripeId"]
    assert (data["status"], data["amount"], data["currency"]) == ("SUCCEEDED", 1234, "usd")

    customer_rows = await outbox_rows(gateway.database_url, customer["id"])
    assert types_of(customer_rows)[0] == "customer.created"
    assert types_of(customer_rows).count("customer.created") == 1
    assert customer_rows[0]["data"]["email"] == customer["email"]
    method_rows = await outbox_rows(gateway.database_url, method["id"])
    assert types_of(method_rows) == ["payment_method.attached"]
    # The cursor is strictly increasing in the order the changes were made.
    sequences = [customer_rows[0]["sequence"], method_rows[0]["sequence"], event["sequence"]]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3


async def test_a_subscription_created_then_canceled(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    plan = create_plan(localstripe.url, amount=2500)
    customer, _ = await customer_with_card(graphql, localstripe.url)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
    )
    subscription = payload_of(body, "createSubscription")["subscription"]
    body = await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}})
    canceled = payload_of(body, "cancelSubscription")
    assert canceled["userErrors"] == [] and canceled["subscription"]["status"] == "CANCELED"
    await webhook_applied(gateway.database_url, "customer.subscription.deleted", subscription["stripeId"])

    rows = await outbox_rows(gateway.database_url, subscription["id"])
    kinds = types_of(rows)
    assert kinds[0] == "subscription.created" and kinds[-1] == "subscription.canceled"
    assert kinds.count("subscription.created") == 1 and kinds.count("subscription.canceled") == 1
    assert rows[-1]["data"]["status"] == "CANCELED" and rows[-1]["data"]["canceledAt"] is not None
    invoice = subscription["latestInvoice"]
    if invoice is not None and invoice["status"] == "PAID":
        assert types_of(await outbox_rows(gateway.database_url, invoice["id"])) == ["invoice.paid"]


async def test_a_gateway_killed_after_a_mutation_commits_keeps_its_event(
    gateway_factory: GatewayFactory,
) -> None:
    killed = await gateway_factory(register_webhooks=False)
    api_key = killed.create_api_key("read,write", "killed-after-commit")
    async with GraphQLClient(killed.url, token=api_key) as client:
        customer = await create_customer(client)
    assert killed.process.proc is not None
    os.killpg(killed.process.proc.pid, signal.SIGKILL)  # no shutdown, no flush: only what committed remains
    killed.process.proc.wait(10)

    rows = await outbox_rows(killed.database_url, customer["id"])
    assert types_of(rows) == ["customer.created"]
    assert rows[0]["data"]["email"] == customer["email"]


async def test_the_feed_is_every_event_oldest_first_and_valid_against_the_catalogue(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 2000)
    body = await graphql.execute(
        REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment["id"], "amount": 500}}
    )
    refund = payload_of(body, "refundPayment")["refund"]
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", payment["stripeId"])

    nodes = await whole_feed(graphql, admin_api_key)
    sequences = [int(node["sequence"]) for node in nodes]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    # Nothing skipped by the paging: every row up to the last one read (the session gateway may still be
    # applying an earlier test's webhooks, so rows may commit after the read).
    last = sequences[-1]
    stored = [int(row["sequence"]) for row in await outbox_rows(gateway.database_url)]
    assert [sequence for sequence in stored if sequence <= last] == sequences
    for node in nodes:  # real payloads against the catalogue (docs/events.json)
        jsonschema.validate(node["envelope"], CATALOGUE[node["type"]].schema())
        assert node["envelope"]["data"] == node["data"] and node["envelope"]["id"] == node["id"]
    mine = [(node["type"], node["objectId"]) for node in nodes if node["customerId"] == customer["id"]]
    assert ("payment.succeeded", payment["id"]) in mine and ("refund.created", refund["id"]) in mine
    assert mine.index(("payment.succeeded", payment["id"])) < mine.index(("refund.created", refund["id"]))

    # A cursor: only what came after it. A type filter: only those types.
    cut = nodes[len(nodes) // 2]["sequence"]
    later = await whole_feed_after(graphql, admin_api_key, cut)
    assert [node["sequence"] for node in later if int(node["sequence"]) <= last] == [
        node["sequence"] for node in nodes if int(node["sequence"]) > int(cut)
    ]
    refunds = await whole_feed(graphql, admin_api_key, ["refund.created"])
    assert refunds and {node["type"] for node in refunds} == {"refund.created"}


async def whole_feed_after(client: GraphQLClient, token: str, after: str) -> list[dict[str, Any]]:
    """Every event after the cursor, page after page."""
    page = await feed(client, token, after, first=100)
    assert page["pageInfo"]["hasPreviousPage"] is True
    nodes = [edge["node"] for edge in page["edges"]]
    while page["pageInfo"]["hasNextPage"]:
        page = await feed(client, token, page["pageInfo"]["endCursor"], first=100)
        nodes += [edge["node"] for edge in page["edges"]]
    return nodes


async def test_the_feed_is_for_admin_keys_and_refuses_bad_arguments(graphql: GraphQLClient, admin_api_key: str) -> None:
    refused = await graphql.execute(EVENTS, {})  # a read/write key
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None
    for variables in ({"after": "abc"}, {"after": "-1"}, {"types": ["payment.exploded"]}, {"first": 1000}):
        body = await graphql.execute(EVENTS, variables, token=admin_api_key)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION_FAILED", (variables, body)
