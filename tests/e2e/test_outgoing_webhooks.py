"""Outgoing webhooks through the real system (issue 16, acceptance 1 and the delivery half of 2).

A real HTTP receiver (aiohttp on a free port) gets the domain events signed per Standard Webhooks
and verified with the `standardwebhooks` library; down for a while, it gets every event after it
returns, in order per object; a rotated secret verifies during the overlap; a gateway SIGKILLed
right after a mutation's commit still delivers its event once it is back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
from standardwebhooks import Webhook

from billing.event_catalogue import CATALOGUE
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.metrics import scrape, total
from tests.support.operations import (
    REFUND_PAYMENT,
    create_customer,
    create_payment,
    customer_with_card,
    new_key,
    payload_of,
)
from tests.support.outbox import outbox_rows
from tests.support.receiver import Receiver
from tests.support.webhook_load import wait_ready, worker_process

FAST = {
    "outgoing_sweep_interval_seconds": "0.2",
    "outgoing_backoff_first_seconds": "0.3",
    "outgoing_backoff_max_seconds": "1",
}

CREATE = """
mutation($key: String!, $input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(idempotencyKey: $key, input: $input) {
    webhookEndpoint { id url status eventTypes } secret userErrors { code field message }
  }
}"""
ROTATE = """
mutation($key: String!, $input: WebhookEndpointIdInput!) {
  rotateWebhookEndpointSecret(idempotencyKey: $key, input: $input) {
    webhookEndpoint { id previousSecretExpiresAt } secret userErrors { code field }
  }
}"""
UPDATE = """
mutation($key: String!, $input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(idempotencyKey: $key, input: $input) {
    webhookEndpoint { id url status eventTypes } userErrors { code field }
  }
}"""
DELETE = """
mutation($key: String!, $input: WebhookEndpointIdInput!) {
  deleteWebhookEndpoint(idempotencyKey: $key, input: $input) { deletedWebhookEndpointId userErrors { code field } }
}"""
REDELIVER = """
mutation($key: String!, $input: RedeliverEventInput!) {
  redeliverEvent(idempotencyKey: $key, input: $input) { delivery { id status eventId } userErrors { code field } }
}"""
DELIVERIES = """
query($endpointId: ID, $status: EventDeliveryStatus) {
  eventDeliveries(endpointId: $endpointId, status: $status) {
    id eventId eventType status attempts lastStatusCode lastError responseExcerpt
  }
}"""
ENDPOINTS = "{ webhookEndpoints { id url status } }"


async def create_endpoint(
    client: GraphQLClient, admin: str, url: str, types: list[str] | None = None
) -> tuple[dict[str, Any], str]:
    body = await client.execute(CREATE, {"key": new_key(), "input": {"url": url, "eventTypes": types}}, token=admin)
    payload = payload_of(body, "createWebhookEndpoint")
    assert payload["userErrors"] == [], payload
    assert payload["secret"].startswith("whsec_")
    return payload["webhookEndpoint"], payload["secret"]


async def test_a_payment_reaches_the_receiver_signed_and_admin_api_works(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str
) -> None:
    async with Receiver() as receiver:
        endpoint, secret = await create_endpoint(graphql, admin_api_key, receiver.url, ["payment.succeeded"])
        customer, _ = await customer_with_card(graphql, localstripe.url)
        payment = await create_payment(graphql, customer["id"], 4321)

        def got_payment(r: Receiver) -> bool:
            return any(item.envelope["object"]["id"] == payment["id"] for item in r.accepted())

        await receiver.wait_for(got_payment, what="payment.succeeded")
        item = next(item for item in receiver.accepted() if item.envelope["object"]["id"] == payment["id"])
        verified = Webhook(secret).verify(item.body, item.headers)
        assert verified["type"] == "payment.succeeded" and verified["data"]["amount"] == 4321
        assert item.webhook_id == verified["id"]
        rows = await outbox_rows(gateway.database_url, payment["id"])
        assert item.webhook_id == str(rows[0]["id"])
        # Only the types asked for (customer.created and payment_method.attached were not sent).
        assert {item.envelope["type"] for item in receiver.requests} == {"payment.succeeded"}

        # A replay of the creation answers the same endpoint without the secret (the ledger never holds it).
        replay_key = new_key()
        replay_input = {"url": receiver.url, "eventTypes": ["invoice.paid"]}
        created = await graphql.execute(CREATE, {"key": replay_key, "input": replay_input}, token=admin_api_key)
        replayed = await graphql.execute(CREATE, {"key": replay_key, "input": replay_input}, token=admin_api_key)
        first_answer = payload_of(created, "createWebhookEndpoint")
        second_answer = payload_of(replayed, "createWebhookEndpoint")
        assert first_answer["secret"] and second_answer["secret"] is None
        assert first_answer["webhookEndpoint"]["id"] == second_answer["webhookEndpoint"]["id"]
        body = await graphql.execute(
            DELETE, {"key": new_key(), "input": {"id": first_answer["webhookEndpoint"]["id"]}}, token=admin_api_key
        )
        assert payload_of(body, "deleteWebhookEndpoint")["userErrors"] == []

        # The secret is never answered again; deliveries are visible to admins.
        listed = await graphql.execute(ENDPOINTS, token=admin_api_key)
        assert endpoint["id"] in [row["id"] for row in listed["data"]["webhookEndpoints"]]
        assert "secret" not in str(listed["data"]) and secret not in str(listed)
        deliveries = await graphql.execute(
            DELIVERIES, {"endpointId": endpoint["id"], "status": "SUCCEEDED"}, token=admin_api_key
        )
        rows_seen = deliveries["data"]["eventDeliveries"]
        assert [row["eventId"] for row in rows_seen] == [item.webhook_id]
        assert rows_seen[0]["lastStatusCode"] == 200 and rows_seen[0]["responseExcerpt"] == "ok"

        # redeliverEvent: the same webhook-id once more.
        body = await graphql.execute(
            REDELIVER,
            {"key": new_key(), "input": {"eventId": item.webhook_id, "endpointId": endpoint["id"]}},
            token=admin_api_key,
        )
        assert payload_of(body, "redeliverEvent")["userErrors"] == []
        await receiver.wait_for(
            lambda r: [i.webhook_id for i in r.accepted()].count(item.webhook_id) == 2, what="the redelivery"
        )

        # Bad input: typed userErrors; a read/write key is refused.
        bad = await graphql.execute(
            CREATE, {"key": new_key(), "input": {"url": "ftp://x", "eventTypes": None}}, token=admin_api_key
        )
        assert payload_of(bad, "createWebhookEndpoint")["userErrors"][0]["code"] == "URL_NOT_ALLOWED"
        bad = await graphql.execute(
            CREATE, {"key": new_key(), "input": {"url": receiver.url, "eventTypes": ["nope"]}}, token=admin_api_key
        )
        assert payload_of(bad, "createWebhookEndpoint")["userErrors"][0]["code"] == "VALIDATION_FAILED"
        refused = await graphql.execute(CREATE, {"key": new_key(), "input": {"url": receiver.url}})
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        body = await graphql.execute(DELETE, {"key": new_key(), "input": {"id": endpoint["id"]}}, token=admin_api_key)
        assert payload_of(body, "deleteWebhookEndpoint")["deletedWebhookEndpointId"] == endpoint["id"]
        listed = await graphql.execute(ENDPOINTS, token=admin_api_key)
        assert endpoint["id"] not in [row["id"] for row in listed["data"]["webhookEndpoints"]]


async def test_a_receiver_down_for_a_while_gets_every_event_in_order_and_rotation_overlaps(
    gateway_factory: GatewayFactory, localstripe: LocalStripe
) -> None:
    process = await gateway_factory(localstripe=localstripe, **FAST)
    admin = process.create_api_key("read,write,admin", "outgoing-admin")
    key = process.create_api_key("read,write", "outgoing-rw")
    async with Receiver() as receiver, GraphQLClient(process.url, token=key) as client:
        endpoint, secret = await create_endpoint(client, admin, receiver.url)
        first_sequence = max((row["sequence"] for row in await outbox_rows(process.database_url)), default=0)

        receiver.down = True
        customer, _ = await customer_with_card(client, localstripe.url)
        payment = await create_payment(client, customer["id"], 2000)
        body = await client.execute(
            REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment["id"], "amount": 500}}
        )
        assert payload_of(body, "refundPayment")["userErrors"] == []
        await receiver.wait_for(lambda r: len(r.requests) >= 3, what="attempts while down")
        failing = await client.execute(DELIVERIES, {"endpointId": endpoint["id"], "status": "PENDING"}, token=admin)
        assert any(row["lastStatusCode"] == 503 for row in failing["data"]["eventDeliveries"])

        # Then closed altogether (connections refused) for a while.
        port = receiver.port
        await receiver.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30

        async def refused() -> bool:
            body = await client.execute(DELIVERIES, {"endpointId": endpoint["id"], "status": "PENDING"}, token=admin)
            return any("ConnectError" in (row["lastError"] or "") for row in body["data"]["eventDeliveries"])

        while not await refused():
            assert loop.time() < deadline, "no attempt met a closed port"
            await asyncio.sleep(0.1)
        await receiver.open(port)

        receiver.down = False
        expected = [row for row in await outbox_rows(process.database_url) if row["sequence"] > first_sequence]
        wanted = {str(row["id"]) for row in expected}
        await receiver.wait_for(
            lambda r: wanted <= {i.webhook_id for i in r.accepted()}, timeout=60, what="every event after the return"
        )
        accepted = receiver.accepted()
        ids = [item.webhook_id for item in accepted]
        assert len(ids) == len(set(ids)), "an event was accepted twice"
        for item in accepted:
            Webhook(secret).verify(item.body, item.headers)
        # In order per object: the sequences each object's events were accepted in only increase.
        per_object: dict[str, list[int]] = defaultdict(list)
        for item in accepted:
            per_object[item.envelope["object"]["id"]].append(item.envelope["sequence"])
        assert per_object[payment["id"]] and per_object[customer["id"]]
        for sequences in per_object.values():
            assert sequences == sorted(sequences), per_object

        # Rotation: during the overlap a delivery verifies with the old and the new secret.
        body = await client.execute(ROTATE, {"key": new_key(), "input": {"id": endpoint["id"]}}, token=admin)
        rotated = payload_of(body, "rotateWebhookEndpointSecret")
        new_secret = rotated["secret"]
        assert new_secret.startswith("whsec_") and new_secret != secret
        assert rotated["webhookEndpoint"]["previousSecretExpiresAt"] is not None
        later = await create_customer(client)
        await receiver.wait_for(
            lambda r: any(i.envelope["object"]["id"] == later["id"] for i in r.accepted()), what="after rotation"
        )
        item = next(i for i in receiver.accepted() if i.envelope["object"]["id"] == later["id"])
        assert Webhook(secret).verify(item.body, item.headers)["type"] == "customer.created"
        assert Webhook(new_secret).verify(item.body, item.headers)["type"] == "customer.created"

        # Disabled: nothing is sent; enabled again, what happened meanwhile goes out.
        body = await client.execute(
            UPDATE, {"key": new_key(), "input": {"id": endpoint["id"], "enabled": False}}, token=admin
        )
        assert payload_of(body, "updateWebhookEndpoint")["webhookEndpoint"]["status"] == "DISABLED"
        quiet = await create_customer(client)
        body = await client.execute(
            UPDATE, {"key": new_key(), "input": {"id": endpoint["id"], "enabled": True}}, token=admin
        )
        assert payload_of(body, "updateWebhookEndpoint")["webhookEndpoint"]["status"] == "ENABLED"
        await receiver.wait_for(
            lambda r: any(i.envelope["object"]["id"] == quiet["id"] for i in r.accepted()), what="after enabling"
        )


async def test_a_gateway_killed_after_the_commit_still_delivers_the_event(
    gateway_factory: GatewayFactory, localstripe: LocalStripe
) -> None:
    async with Receiver() as receiver:
        # A sweep interval far longer than the test: the event is committed, never fanned out before the kill.
        killed = await gateway_factory(
            localstripe=localstripe, register_webhooks=False, outgoing_sweep_interval_seconds="3600"
        )
        admin = killed.create_api_key("read,write,admin", "killed-admin")
        async with GraphQLClient(killed.url, token=admin) as client:
            await create_endpoint(client, admin, receiver.url, ["customer.created"])
            customer = await create_customer(client)
        assert killed.process.proc is not None
        os.killpg(killed.process.proc.pid, signal.SIGKILL)
        killed.process.proc.wait(10)
        assert receiver.requests == []

        revived = await gateway_factory(
            localstripe=localstripe, database_url=killed.database_url, register_webhooks=False, **FAST
        )
        await receiver.wait_for(
            lambda r: any(i.envelope["object"]["id"] == customer["id"] for i in r.accepted()), what="after restart"
        )
        assert revived.url
        assert [i.envelope["type"] for i in receiver.accepted()] == ["customer.created"]


async def test_an_endpoint_failing_too_long_is_disabled_with_an_event_and_a_metric(
    gateway_factory: GatewayFactory, localstripe: LocalStripe
) -> None:
    process = await gateway_factory(
        localstripe=localstripe, register_webhooks=False, outgoing_disable_after_seconds="1", **FAST
    )
    admin = process.create_api_key("read,write,admin", "disable-admin")
    async with Receiver() as receiver, GraphQLClient(process.url, token=admin) as client:
        receiver.down = True
        endpoint, _ = await create_endpoint(client, admin, receiver.url, ["customer.created"])
        await create_customer(client)

        async def disabled() -> bool:
            listed = await client.execute(ENDPOINTS, token=admin)
            return any(
                row["id"] == endpoint["id"] and row["status"] == "DISABLED"
                for row in listed["data"]["webhookEndpoints"]
            )

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not await disabled():
            assert loop.time() < deadline, "the endpoint was never disabled"
            await asyncio.sleep(0.1)
        rows = [row for row in await outbox_rows(process.database_url) if row["type"] == "webhook_endpoint.disabled"]
        assert len(rows) == 1 and rows[0]["object_id"] == endpoint["id"]
        assert rows[0]["data"]["disabledReason"] == "failing" and rows[0]["data"]["status"] == "DISABLED"
        jsonschema.validate(
            {
                "id": str(rows[0]["id"]),
                "type": rows[0]["type"],
                "occurredAt": rows[0]["occurred_at"].isoformat(),
                "schemaVersion": rows[0]["schema_version"],
                "sequence": rows[0]["sequence"],
                "object": {"kind": rows[0]["object_kind"], "id": rows[0]["object_id"], "customerId": None},
                "data": rows[0]["data"],
            },
            CATALOGUE["webhook_endpoint.disabled"].schema(),
        )
        samples = await scrape(process.url)
        assert total(samples, "gateway_webhook_endpoints_disabled_total") == 1
        assert total(samples, "gateway_webhook_deliveries_total", outcome="failed") >= 2


async def test_with_redis_a_separate_worker_process_delivers(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, redis_url: str, test_logs: Path
) -> None:
    process = await gateway_factory(localstripe=localstripe, redis_url=redis_url, register_webhooks=False, **FAST)
    worker = worker_process(process.env, test_logs / f"outgoing-worker-{time.monotonic_ns()}.log", threads=2)
    worker.spawn()
    try:
        await wait_ready(worker)
        admin = process.create_api_key("read,write,admin", "redis-admin")
        async with Receiver() as receiver, GraphQLClient(process.url, token=admin) as client:
            _, secret = await create_endpoint(client, admin, receiver.url, ["customer.created"])
            customer = await create_customer(client)
            await receiver.wait_for(
                lambda r: any(i.envelope["object"]["id"] == customer["id"] for i in r.accepted()),
                what="delivery by the Redis worker",
            )
            [item] = receiver.accepted()
            assert Webhook(secret).verify(item.body, item.headers)["data"]["email"] == customer["email"]
    finally:
        worker.stop()
