"""The transactional outbox through the real server (issue 16, acceptance 2, outbox half).

Mutations and the webhooks that confirm them leave exactly one domain event per change in
`outbox_events`, in sequence order; a gateway SIGKILLed right after a mutation's answer
still has the mutation's event (it shares the commit).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan
from tests.support.operations import (
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    create_customer,
    create_payment,
    customer_with_card,
    new_key,
    payload_of,
)

DEADLINE_SECONDS = 30.0


async def outbox_rows(database_url: str, object_id: str | None = None) -> list[dict[str, Any]]:
    """The outbox rows (of one object), in sequence order, `data` decoded."""
    conn = await asyncpg.connect(database_url)
    try:
        if object_id is None:
            records = await conn.fetch("SELECT * FROM outbox_events ORDER BY sequence")
        else:
            records = await conn.fetch("SELECT * FROM outbox_events WHERE object_id = $1 ORDER BY sequence", object_id)
    finally:
        await conn.close()
    return [{**dict(record), "data": json.loads(record["data"])} for record in records]


async def webhook_applied(database_url: str, event_type: str, stripe_id: str) -> None:
    """Wait (deadline-polled) until the worker applied a Stripe event of `event_type` about `stripe_id`."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            done = await conn.fetchval(
                "SELECT count(*) FROM webhook_events WHERE type = $1 AND status = 'processed' "
                "AND payload->'data'->'object'->>'id' = $2",
                event_type,
                stripe_id,
            )
            if done:
                return
            assert time.monotonic() < deadline, f"{event_type} for {stripe_id} not applied in {DEADLINE_SECONDS} s"
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


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
