"""Status subscriptions resume with `after` (issue 16): first the changes missed while away, then live ones.

A `paymentStatusChanged` subscriber handles a frame, goes away while payments succeed (by
mutation and by Stripe's webhooks), and comes back with the `cursor` of its last frame: it gets
each missed change once, in commit order, then a live one, and never a change twice when
Stripe's webhook confirms a replayed change after the reconnect. A customer session's replay
holds only its own customer's changes. A cursor older than what the retention pruned is told:
`resumedAfterGap` on the first frame, and `CURSOR_EXPIRED` on the admin feed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest_asyncio

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import errors_of, first_message, live_socket, subscribe, wait_subscribed
from tests.support.live import frames_until as live_frames_until
from tests.support.localstripe import LocalStripe
from tests.support.operations import create_payment, create_session, customer_with_card
from tests.support.outbox import EVENTS, webhook_applied

PAYMENTS = """
subscription($customerId: ID, $after: String) {
  paymentStatusChanged(customerId: $customerId, after: $after) {
    eventId status previousStatus cursor resumedAfterGap payment { id status }
  }
}"""
DEADLINE_SECONDS = 30.0
Frame = dict[str, Any]


async def frames_until(ws: Any, operation: str, done: Callable[[list[Frame]], bool]) -> list[Frame]:
    """`paymentStatusChanged` frames until `done(frames)` holds (deadline-polled)."""
    return await live_frames_until(ws, operation, "paymentStatusChanged", done, DEADLINE_SECONDS)


def succeeded(payment_id: str) -> Callable[[list[Frame]], bool]:
    return lambda frames: any(f["payment"]["id"] == payment_id and f["status"] == "SUCCEEDED" for f in frames)


def changes(frames: list[Frame]) -> list[tuple[str, str]]:
    return [(frame["payment"]["id"], frame["status"]) for frame in frames]


async def test_a_status_subscriber_resumes_with_after_and_gets_each_missed_change_once(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, api_key: str
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    variables = {"customerId": customer["id"]}
    async with live_socket(gateway, api_key) as ws:
        operation = await subscribe(ws, PAYMENTS, variables)
        await wait_subscribed(gateway)
        first = await create_payment(graphql, customer["id"], 1100)
        seen = await frames_until(ws, operation, succeeded(first["id"]))
    last_handled = seen[-1]["cursor"]
    assert last_handled is not None

    # Away: one payment whose webhook may still be on its way at the reconnect, one applied for sure.
    second = await create_payment(graphql, customer["id"], 2200)
    third = await create_payment(graphql, customer["id"], 3300)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", third["stripeId"])

    async with live_socket(gateway, api_key) as ws:
        operation = await subscribe(ws, PAYMENTS, {**variables, "after": last_handled})
        replayed = await frames_until(ws, operation, succeeded(third["id"]))
        await webhook_applied(gateway.database_url, "payment_intent.succeeded", second["stripeId"])
        fourth = await create_payment(graphql, customer["id"], 4400)
        live = await frames_until(ws, operation, succeeded(fourth["id"]))

    assert changes(replayed) == [(second["id"], "SUCCEEDED"), (third["id"], "SUCCEEDED")]
    assert all(frame["previousStatus"] is None and not frame["resumedAfterGap"] for frame in replayed)
    cursors = [int(frame["cursor"]) for frame in replayed + live if frame["cursor"] is not None]
    assert cursors == sorted(cursors) and int(replayed[0]["cursor"]) > int(last_handled)
    # Nothing replayed comes again live (the second payment's webhook was applied after the reconnect).
    assert changes(live)[-1] == (fourth["id"], "SUCCEEDED")
    assert {payment for payment, _ in changes(live)} == {fourth["id"]}


async def test_a_customer_sessions_replay_holds_only_its_own_changes(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe, api_key: str
) -> None:
    mine, _ = await customer_with_card(graphql, localstripe.url)
    other, _ = await customer_with_card(graphql, localstripe.url)
    token = (await create_session(graphql, mine["id"], ttlSeconds=600))["token"]
    async with live_socket(gateway, token) as ws:
        operation = await subscribe(ws, PAYMENTS, {})
        await wait_subscribed(gateway)
        start = await create_payment(graphql, mine["id"], 500)
        before = await frames_until(ws, operation, succeeded(start["id"]))
    cursor = before[-1]["cursor"]
    foreign = await create_payment(graphql, other["id"], 600)
    own = await create_payment(graphql, mine["id"], 700)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", foreign["stripeId"])
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", own["stripeId"])
    async with live_socket(gateway, token) as ws:
        operation = await subscribe(ws, PAYMENTS, {"after": cursor})
        replayed = await frames_until(ws, operation, succeeded(own["id"]))
    assert changes(replayed) == [(own["id"], "SUCCEEDED")]


@pytest_asyncio.fixture(loop_scope="session")
async def pruned_watermark(gateway: GatewayProcess) -> AsyncIterator[Callable[[int], Any]]:
    """Set the retention's watermark as a pruning would; put back what was there after the test."""
    conn = await asyncpg.connect(gateway.database_url)
    before = await conn.fetchval("SELECT pruned_through FROM outbox_retention WHERE id = 1")

    async def set_to(sequence: int) -> None:
        await conn.execute(
            "INSERT INTO outbox_retention (id, pruned_through) VALUES (1, $1) "
            "ON CONFLICT (id) DO UPDATE SET pruned_through = $1",
            sequence,
        )

    try:
        yield set_to
    finally:
        if before is None:
            await conn.execute("DELETE FROM outbox_retention WHERE id = 1")
        else:
            await set_to(before)
        await conn.close()


async def test_a_cursor_older_than_the_retention_is_told(
    gateway: GatewayProcess,
    graphql: GraphQLClient,
    localstripe: LocalStripe,
    api_key: str,
    admin_api_key: str,
    pruned_watermark: Callable[[int], Any],
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 800)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", payment["stripeId"])
    conn = await asyncpg.connect(gateway.database_url)
    try:
        newest = int(await conn.fetchval("SELECT max(sequence) FROM outbox_events"))
    finally:
        await conn.close()
    await pruned_watermark(newest)
    stale = str(newest - 1)

    body = await graphql.execute(EVENTS, {"after": stale, "first": 5}, token=admin_api_key)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    assert error["extensions"]["resumeAfter"] == str(newest)
    fresh = await graphql.execute(EVENTS, {"after": str(newest), "first": 5}, token=admin_api_key)
    assert "errors" not in fresh, fresh

    async with live_socket(gateway, admin_api_key) as ws:
        feed_query = "subscription($after: String) { events(after: $after) { id } }"
        operation = await subscribe(ws, feed_query, {"after": stale})
        refused = await first_message(ws, operation, DEADLINE_SECONDS)
        assert [error["extensions"]["code"] for error in errors_of(refused)] == ["CURSOR_EXPIRED"]

    async with live_socket(gateway, api_key) as ws:
        operation = await subscribe(ws, PAYMENTS, {"customerId": customer["id"], "after": stale})
        await wait_subscribed(gateway)
        later = await create_payment(graphql, customer["id"], 900)
        frames = await frames_until(ws, operation, succeeded(later["id"]))
    assert frames[0]["resumedAfterGap"] is True
    assert not any(frame["resumedAfterGap"] for frame in frames[1:])
