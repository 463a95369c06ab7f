"""The replayable feed over WebSocket (issue 16, acceptance 3): a subscriber that went away resumes with `after`.

It gets every event committed while it was away, in commit order and none twice, then the live
ones. The absence is not a fixed sleep: changes are driven while it is away, and it comes back
once the feed holds all of them (deadline-polled).
"""

from __future__ import annotations

import time
from typing import Any

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import errors_of, first_message, live_socket, next_payload, subscribe, wait_subscribed
from tests.support.live import frames_until as live_frames_until
from tests.support.localstripe import LocalStripe
from tests.support.operations import REFUND_PAYMENT, create_payment, customer_with_card, new_key, payload_of
from tests.support.outbox import feed, webhook_applied, whole_feed

LIVE_EVENTS = """
subscription($after: String, $types: [String!]) {
  events(after: $after, types: $types) { id type sequence objectId customerId data }
}"""
DEADLINE_SECONDS = 30.0


async def frames_until(ws: Any, operation_id: str, done: Any) -> list[dict[str, Any]]:
    """`events` frames until `done(frames)` holds (deadline-polled)."""
    return await live_frames_until(ws, operation_id, "events", done, DEADLINE_SECONDS)


async def end_cursor(client: GraphQLClient, token: str) -> str | None:
    nodes = await whole_feed(client, token)
    return nodes[-1]["sequence"] if nodes else None


def has(frames: list[dict[str, Any]], event_type: str, object_id: str) -> bool:
    return any(frame["type"] == event_type and frame["objectId"] == object_id for frame in frames)


async def test_a_subscriber_resumes_with_after_and_misses_nothing(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str
) -> None:
    start = await end_cursor(graphql, admin_api_key)
    customer, _ = await customer_with_card(graphql, localstripe.url)

    # Connected: the customer's events so far, then a payment live.
    async with live_socket(gateway, admin_api_key) as ws:
        operation = await subscribe(ws, LIVE_EVENTS, {"after": start})
        first = await create_payment(graphql, customer["id"], 1100)
        seen = await frames_until(ws, operation, lambda frames: has(frames, "payment.succeeded", first["id"]))
    last_handled = seen[-1]["sequence"]

    # Away: changes made meanwhile, by mutations and by the worker applying Stripe's webhooks.
    second = await create_payment(graphql, customer["id"], 2200)
    body = await graphql.execute(
        REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": second["id"], "amount": 700}}
    )
    refund = payload_of(body, "refundPayment")["refund"]
    third = await create_payment(graphql, customer["id"], 3300)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", third["stripeId"])
    missed = [node for node in await whole_feed(graphql, admin_api_key) if int(node["sequence"]) > int(last_handled)]
    assert has(missed, "payment.succeeded", second["id"]) and has(missed, "refund.created", refund["id"])
    assert has(missed, "payment.succeeded", third["id"])

    # Back with `after`: everything missed, in commit order, none twice; then a live one.
    async with live_socket(gateway, admin_api_key) as ws:
        operation = await subscribe(ws, LIVE_EVENTS, {"after": last_handled})
        replayed = await frames_until(ws, operation, lambda frames: len(frames) >= len(missed))
        assert [frame["sequence"] for frame in replayed] == [node["sequence"] for node in missed]
        assert [frame["id"] for frame in replayed] == [node["id"] for node in missed]
        assert [frame["data"] for frame in replayed] == [node["data"] for node in missed]
        fourth = await create_payment(graphql, customer["id"], 4400)
        live = await frames_until(ws, operation, lambda frames: has(frames, "payment.succeeded", fourth["id"]))
    sequences = [int(frame["sequence"]) for frame in seen + replayed + live]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert int(live[0]["sequence"]) > int(replayed[-1]["sequence"])


async def test_the_live_feed_filters_types_and_is_for_admin_keys(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str, api_key: str
) -> None:
    async with live_socket(gateway, api_key) as ws:
        operation = await subscribe(ws, LIVE_EVENTS, {})
        refused = await first_message(ws, operation, DEADLINE_SECONDS)
        assert [error["extensions"]["code"] for error in errors_of(refused)] == ["FORBIDDEN"]
    start = (await feed(graphql, admin_api_key, first=1))["pageInfo"]["endCursor"]
    customer, _ = await customer_with_card(graphql, localstripe.url)
    async with live_socket(gateway, admin_api_key) as ws:
        operation = await subscribe(ws, LIVE_EVENTS, {"after": start, "types": ["payment.succeeded"]})
        payment = await create_payment(graphql, customer["id"], 500)
        frames = await frames_until(ws, operation, lambda frames: has(frames, "payment.succeeded", payment["id"]))
    assert {frame["type"] for frame in frames} == {"payment.succeeded"}


STATUS_WITH_CURSOR = """
subscription($customerId: ID) {
  paymentStatusChanged(customerId: $customerId) { status cursor resumeAfter payment { id } }
}"""


async def test_a_status_frame_carries_the_cursor_of_its_event(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, admin_api_key: str, api_key: str
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    async with live_socket(gateway, api_key) as ws:
        operation = await subscribe(ws, STATUS_WITH_CURSOR, {"customerId": customer["id"]})
        await wait_subscribed(gateway)
        payment = await create_payment(graphql, customer["id"], 1500)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            payload = await next_payload(ws, operation, max(0.01, deadline - time.monotonic()))
            frame = payload["data"]["paymentStatusChanged"]
            if frame["payment"]["id"] == payment["id"] and frame["status"] == "SUCCEEDED":
                break
    told = [
        node
        for node in await whole_feed(graphql, admin_api_key, ["payment.succeeded"])
        if node["objectId"] == payment["id"]
    ]
    # Stripe's webhook confirmed the mutation's change: the frame names the event that told it.
    assert [node["sequence"] for node in told] == [frame["cursor"]]
    assert frame["resumeAfter"] is None
