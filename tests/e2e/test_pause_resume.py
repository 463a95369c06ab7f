"""Pause and resume a subscription's payment collection (issue 15), end to end through the sandbox over HTTP.

pauseSubscription -> the sandbox (sandbox/pause_collection.py) -> its signed
`customer.subscription.updated` -> the receiver -> the worker -> the mirror -> a query shows
`pauseCollection`, and a WebSocket subscriber of `subscriptionStatusChanged` gets the frame
although Stripe keeps the status ACTIVE. Then resume likewise; a customer session refused
another customer's subscription; an idempotent replay that calls Stripe no more.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import live_socket, next_payload, subscribe, wait_subscribed
from tests.support.localstripe import LocalStripe, create_plan, stripe_request
from tests.support.operations import (
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    USER_ERRORS,
    create_session,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)

PAUSE_FIELDS = "pauseCollection { behavior resumesAt }"
PAUSE_SUBSCRIPTION = f"""
mutation($key: String!, $input: PauseSubscriptionInput!) {{
  pauseSubscription(idempotencyKey: $key, input: $input) {{ subscription {{ id status {PAUSE_FIELDS} }} {USER_ERRORS} }}
}}"""
RESUME_SUBSCRIPTION = f"""
mutation($key: String!, $input: ResumeSubscriptionInput!) {{
  resumeSubscription(idempotencyKey: $key, input: $input) {{
    subscription {{ id status {PAUSE_FIELDS} }} {USER_ERRORS}
  }}
}}"""
READ_SUBSCRIPTION = f"query($id: ID!) {{ subscription(id: $id) {{ id status {PAUSE_FIELDS} }} }}"
WATCH_SUBSCRIPTION = f"""
subscription Watch($id: ID) {{
  subscriptionStatusChanged(subscriptionId: $id) {{
    eventId status previousStatus {PAUSE_FIELDS} subscription {{ id status {PAUSE_FIELDS} }}
  }}
}}"""


async def active_subscription(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new customer with a card, subscribed to a new plan: (customer, subscription), ACTIVE."""
    customer, _ = await customer_with_card(graphql, localstripe.url)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION,
        {"key": new_key(), "input": {"customerId": customer["id"], "priceId": create_plan(localstripe.url)}},
    )
    payload = payload_of(body, "createSubscription")
    assert payload["userErrors"] == [], payload
    assert payload["subscription"]["status"] == "ACTIVE"
    return customer, payload["subscription"]


def at_stripe(localstripe: LocalStripe, subscription: dict[str, Any]) -> Any:
    """`pause_collection` of the subscription as the sandbox holds it."""
    return stripe_request(localstripe.url, "GET", f"/v1/subscriptions/{subscription['stripeId']}")["pause_collection"]


async def pause(client: GraphQLClient, key: str, subscription_id: str, **extra: Any) -> dict[str, Any]:
    return await client.execute(PAUSE_SUBSCRIPTION, {"key": key, "input": {"id": subscription_id, **extra}})


async def event_type(gateway: GatewayProcess, event_id: str) -> tuple[str, str]:
    """(type, inbox status) of a Stripe event the gateway received."""
    connection = await asyncpg.connect(gateway.database_url)
    try:
        row = await connection.fetchrow("SELECT type, status FROM webhook_events WHERE stripe_event_id = $1", event_id)
    finally:
        await connection.close()
    assert row is not None, event_id
    return row["type"], row["status"]


async def frame_where(
    gateway: GatewayProcess, ws: ClientConnection, operation_id: str, paused: bool, timeout: float = 15.0
) -> dict[str, Any]:
    """The first frame of a `customer.subscription.updated` event leaving the subscription paused (or not)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await next_payload(ws, operation_id, deadline - time.monotonic())
        assert "errors" not in result, result
        event: dict[str, Any] = result["data"]["subscriptionStatusChanged"]
        kind, _ = await event_type(gateway, event["eventId"])
        if kind == "customer.subscription.updated" and (event["pauseCollection"] is not None) == paused:
            return event


@pytest.mark.timeout(90)
async def test_pause_and_resume_reach_stripe_the_mirror_and_a_subscriber(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    _, subscription = await active_subscription(graphql, localstripe)
    read = await graphql.execute(READ_SUBSCRIPTION, {"id": subscription["id"]})
    assert read["data"]["subscription"]["pauseCollection"] is None, read
    resumes_at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    async with live_socket(gateway, api_key) as ws:
        operation_id = await subscribe(ws, WATCH_SUBSCRIPTION, {"id": subscription["id"]})
        await wait_subscribed(gateway)

        key = new_key()
        started = time.monotonic()
        body = await pause(graphql, key, subscription["id"], behavior="VOID", resumesAt=resumes_at.isoformat())
        payload = payload_of(body, "pauseSubscription")
        assert payload["userErrors"] == [], payload
        paused = payload["subscription"]
        assert paused["status"] == "ACTIVE", "Stripe keeps a paused subscription active"
        assert paused["pauseCollection"]["behavior"] == "VOID"
        assert datetime.fromisoformat(paused["pauseCollection"]["resumesAt"]) == resumes_at
        assert at_stripe(localstripe, subscription) == {"behavior": "void", "resumes_at": int(resumes_at.timestamp())}

        event = await frame_where(gateway, ws, operation_id, paused=True)
        pause_latency = time.monotonic() - started
        assert event["eventId"].startswith("evt_")
        assert await event_type(gateway, event["eventId"]) == ("customer.subscription.updated", "processed")
        assert event["status"] == "ACTIVE"
        assert event["pauseCollection"] == event["subscription"]["pauseCollection"] == paused["pauseCollection"]
        read = await graphql.execute(READ_SUBSCRIPTION, {"id": subscription["id"]})
        assert read["data"]["subscription"]["pauseCollection"] == paused["pauseCollection"], read

        # Resume: Stripe's unset, the same path back.
        started = time.monotonic()
        body = await graphql.execute(RESUME_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}})
        payload = payload_of(body, "resumeSubscription")
        assert payload["userErrors"] == [], payload
        assert payload["subscription"]["pauseCollection"] is None
        assert payload["subscription"]["status"] == "ACTIVE"
        assert at_stripe(localstripe, subscription) is None
        resumed = await frame_where(gateway, ws, operation_id, paused=False)
        resume_latency = time.monotonic() - started
        assert resumed["eventId"] != event["eventId"]
        assert resumed["status"] == "ACTIVE" and resumed["subscription"]["pauseCollection"] is None
        read = await graphql.execute(READ_SUBSCRIPTION, {"id": subscription["id"]})
        assert read["data"]["subscription"]["pauseCollection"] is None, read
    print(f"mutation -> live frame: pause {pause_latency * 1000:.0f} ms, resume {resume_latency * 1000:.0f} ms")

    # The pause's key again: the stored answer (paused), and no second call to Stripe (it stays resumed).
    again = await pause(graphql, key, subscription["id"], behavior="VOID", resumesAt=resumes_at.isoformat())
    assert payload_of(again, "pauseSubscription") == {"subscription": paused, "userErrors": []}
    assert at_stripe(localstripe, subscription) is None
    reused = await pause(graphql, key, subscription["id"], behavior="KEEP_AS_DRAFT")
    assert error_codes(payload_of(reused, "pauseSubscription")) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_a_session_pauses_its_own_subscription_only(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, own = await active_subscription(graphql, localstripe)
    _, theirs = await active_subscription(graphql, localstripe)
    session = await create_session(graphql, a["id"], ttlSeconds=600)
    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        for document, field, extra in (
            (PAUSE_SUBSCRIPTION, "pauseSubscription", {"behavior": "VOID"}),
            (RESUME_SUBSCRIPTION, "resumeSubscription", {}),
        ):
            refused = await frontend.execute(document, {"key": new_key(), "input": {"id": theirs["id"], **extra}})
            codes = [error.get("extensions", {}).get("code") for error in refused.get("errors", [])]
            assert codes == ["FORBIDDEN"], refused
            assert refused.get("data") is None or refused["data"].get(field) is None, refused
        assert at_stripe(localstripe, theirs) is None

        body = await pause(frontend, new_key(), own["id"], behavior="KEEP_AS_DRAFT")
        payload = payload_of(body, "pauseSubscription")
        assert payload["userErrors"] == [], payload
        assert payload["subscription"]["pauseCollection"] == {"behavior": "KEEP_AS_DRAFT", "resumesAt": None}
        assert at_stripe(localstripe, own) == {"behavior": "keep_as_draft", "resumes_at": None}
        body = await frontend.execute(RESUME_SUBSCRIPTION, {"key": new_key(), "input": {"id": own["id"]}})
        assert payload_of(body, "resumeSubscription")["subscription"]["pauseCollection"] is None
        assert at_stripe(localstripe, own) is None


async def test_pause_input_errors(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    _, subscription = await active_subscription(graphql, localstripe)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for extra, field in (
        ({"behavior": "VOID", "resumesAt": past}, ["input", "resumesAt"]),
        ({"behavior": "VOID", "resumesAt": "2099-01-01T00:00:00"}, ["input", "resumesAt"]),  # no UTC offset
        ({"behavior": "UNKNOWN"}, ["input", "behavior"]),
    ):
        payload = payload_of(await pause(graphql, new_key(), subscription["id"], **extra), "pauseSubscription")
        assert payload["subscription"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("VALIDATION_FAILED", field)], extra
    assert at_stripe(localstripe, subscription) is None

    # Resuming what is not paused is refused; so is pausing or resuming a canceled subscription (typed).
    body = await graphql.execute(RESUME_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}})
    assert error_codes(payload_of(body, "resumeSubscription")) == ["VALIDATION_FAILED"]
    body = await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}})
    assert payload_of(body, "cancelSubscription")["subscription"]["status"] == "CANCELED"
    payload = payload_of(await pause(graphql, new_key(), subscription["id"], behavior="VOID"), "pauseSubscription")
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("SUBSCRIPTION_ENDED", ["input", "id"])]
    body = await graphql.execute(RESUME_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription["id"]}})
    assert error_codes(payload_of(body, "resumeSubscription")) == ["SUBSCRIPTION_ENDED"]
