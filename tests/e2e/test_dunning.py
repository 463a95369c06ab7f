"""Dunning end to end (issue 15, acceptance 4): a renewal made to fail with a test clock, seen and retried.

The customer is made at the sandbox on a test clock (Stripe's way: `POST /v1/customers` with
`test_clock`) and reaches the gateway by its `customer.created` webhook; everything else goes
through the gateway. Advancing the clock past the period's end renews the subscription at the
sandbox with the declining default card: the mirror shows `attemptCount`, `nextPaymentAttempt`
and `pastDueSince`, a WebSocket subscriber gets `paymentFailed` with the decline code, and a
`payInvoice` retry with a good card turns the subscription ACTIVE live.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import (
    errors_of,
    first_message,
    live_socket,
    subscribe,
    wait_no_subscribers,
    wait_subscribed,
)
from tests.support.localstripe import LocalStripe, create_plan, create_test_card, stripe_request
from tests.support.operations import (
    ATTACH_PAYMENT_METHOD,
    CREATE_SUBSCRIPTION,
    create_session,
    new_key,
    payload_of,
    unique_email,
)

DAY = 86_400
DECLINING_CARD = "4000000000000341"  # attaches; every charge fails (`generic_decline`)
THREE_D_SECURE_CARD = "4000002500003155"  # off-session charges need the holder to authenticate

PAYMENT_FAILED = """
subscription Watch($customerId: ID) {
  paymentFailed(customerId: $customerId) {
    eventId occurredAt actionRequired attemptCount nextPaymentAttempt amount currency
    declineCode failureCode failureMessage
    invoice { id stripeId status attemptCount }
    payment { id stripeId status }
  }
}
"""

SUBSCRIPTION_STATUS_CHANGED = """
subscription Watch($subscriptionId: ID) {
  subscriptionStatusChanged(subscriptionId: $subscriptionId) {
    eventId status previousStatus subscription { id status pastDueSince }
  }
}
"""

INVOICE_STATUS_CHANGED = """
subscription Watch($invoiceId: ID) {
  invoiceStatusChanged(invoiceId: $invoiceId) { eventId status previousStatus invoice { id status } }
}
"""

DUNNING_STATE = """
query($id: ID!) {
  subscription(id: $id) {
    id status pastDueSince currentPeriodEnd
    latestInvoice { id stripeId status attemptCount nextPaymentAttempt amountDue }
  }
}
"""

CUSTOMER_BY_EMAIL = "query($email: String!) { customers(email: $email) { edges { node { id stripeId } } } }"

PAY_INVOICE = """
mutation($key: String!, $input: PayInvoiceInput!) {
  payInvoice(idempotencyKey: $key, input: $input) {
    invoice { id status attemptCount nextPaymentAttempt }
    userErrors { code message field declineCode }
  }
}
"""


def timestamp(value: str | None) -> int | None:
    return None if value is None else int(datetime.fromisoformat(value).timestamp())


async def mirrored_customer(graphql: GraphQLClient, email: str, timeout: float = 15) -> dict[str, Any]:
    """The gateway's customer made at the sandbox (it arrives by webhook)."""
    deadline = time.monotonic() + timeout
    while True:
        body = await graphql.execute(CUSTOMER_BY_EMAIL, {"email": email})
        assert "errors" not in body, body
        edges = body["data"]["customers"]["edges"]
        if edges:
            node: dict[str, Any] = edges[0]["node"]
            return node
        assert time.monotonic() < deadline, f"customer {email} never reached the mirror"
        await asyncio.sleep(0.1)


async def attach(graphql: GraphQLClient, customer_id: str, emulator_url: str, number: str, default: bool) -> str:
    body = await graphql.execute(
        ATTACH_PAYMENT_METHOD,
        {
            "key": new_key(),
            "input": {
                "customerId": customer_id,
                "stripePaymentMethodId": create_test_card(emulator_url, number),
                "setAsDefault": default,
            },
        },
    )
    payload = payload_of(body, "attachPaymentMethod")
    assert payload["userErrors"] == [], payload
    pm_id: str = payload["paymentMethod"]["id"]
    return pm_id


async def clocked_subscription(
    graphql: GraphQLClient, emulator_url: str, now: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A test clock at `now`, a customer on it (mirrored), a good default card, an ACTIVE monthly subscription."""
    clock = stripe_request(
        emulator_url, "POST", "/v1/test_helpers/test_clocks", data={"frozen_time": str(now), "name": "dunning e2e"}
    )
    email = unique_email("dunning")
    at_stripe = stripe_request(emulator_url, "POST", "/v1/customers", data={"email": email, "test_clock": clock["id"]})
    assert at_stripe["test_clock"] == clock["id"]
    customer = await mirrored_customer(graphql, email)
    assert customer["stripeId"] == at_stripe["id"]
    await attach(graphql, customer["id"], emulator_url, "4242424242424242", True)
    plan = create_plan(emulator_url, amount=2900)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
    )
    payload = payload_of(body, "createSubscription")
    assert payload["userErrors"] == [] and payload["subscription"]["status"] == "ACTIVE", payload
    return clock, customer, payload["subscription"]


async def advance(emulator_url: str, clock_id: str, frozen_time: int, timeout: float = 15) -> None:
    """Advance the test clock and wait until it is ready again (off the loop: the sockets stay served)."""
    path = f"/v1/test_helpers/test_clocks/{clock_id}"
    data = {"frozen_time": frozen_time}
    answer = await asyncio.to_thread(lambda: stripe_request(emulator_url, "POST", f"{path}/advance", data=data))
    assert answer["status"] == "advancing", answer
    deadline = time.monotonic() + timeout
    while (await asyncio.to_thread(stripe_request, emulator_url, "GET", path))["status"] != "ready":
        assert time.monotonic() < deadline, "the test clock never got ready"
        await asyncio.sleep(0.05)


async def next_data(ws: ClientConnection, operation_id: str, field: str, deadline: float) -> dict[str, Any]:
    """The next `next` frame of one operation (pings answered, other operations' frames skipped)."""
    while True:
        raw = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if raw.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if raw.get("id") != operation_id:
            continue
        assert raw["type"] == "next" and "errors" not in raw["payload"], raw
        event: dict[str, Any] = raw["payload"]["data"][field]
        return event


async def frames_until(
    ws: ClientConnection, wanted: dict[str, tuple[str, Any]], timeout: float = 20
) -> dict[str, list[dict[str, Any]]]:
    """Every frame of the wanted operations until each saw one matching its predicate (others' frames skipped).

    `wanted`: operation id -> (field, predicate over the event).
    """
    deadline = time.monotonic() + timeout
    seen: dict[str, list[dict[str, Any]]] = {operation: [] for operation in wanted}
    while not all(any(wanted[op][1](event) for event in seen[op]) for op in wanted):
        raw = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if raw.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        if raw.get("id") not in wanted:
            continue
        assert raw["type"] == "next" and "errors" not in raw["payload"], raw
        field = wanted[raw["id"]][0]
        seen[raw["id"]].append(raw["payload"]["data"][field])
    return seen


@pytest.mark.timeout(120)
async def test_a_renewal_failed_on_a_test_clock_is_seen_pushed_and_retried_to_active_live(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    now = int(time.time())
    clock, customer, subscription = await clocked_subscription(graphql, localstripe.url, now)
    period_end = timestamp(subscription["currentPeriodEnd"])
    assert period_end is not None
    # The default card is swapped for one that attaches but declines every charge.
    await attach(graphql, customer["id"], localstripe.url, DECLINING_CARD, True)

    await wait_no_subscribers(gateway)
    async with live_socket(gateway, api_key) as ws:
        failures = await subscribe(ws, PAYMENT_FAILED, {"customerId": customer["id"]})
        statuses = await subscribe(ws, SUBSCRIPTION_STATUS_CHANGED, {"subscriptionId": subscription["id"]})
        await wait_subscribed(gateway, 2)
        started = time.monotonic()
        await advance(localstripe.url, clock["id"], now + 32 * DAY)

        seen = await frames_until(
            ws,
            {
                failures: ("paymentFailed", lambda event: True),
                statuses: ("subscriptionStatusChanged", lambda event: event["status"] == "PAST_DUE"),
            },
        )
        print(f"clock advanced -> paymentFailed + PAST_DUE frames: {(time.monotonic() - started) * 1000:.0f} ms")
        [failed] = seen[failures]
        assert failed["declineCode"] == "generic_decline" and failed["failureCode"] == "card_declined"
        assert failed["failureMessage"]
        assert failed["actionRequired"] is False
        assert (failed["attemptCount"], failed["amount"], failed["currency"]) == (1, 2900, "usd")
        assert timestamp(failed["nextPaymentAttempt"]) == period_end + 3 * DAY
        assert failed["eventId"].startswith("evt_")
        assert failed["invoice"]["status"] == "OPEN" and failed["invoice"]["attemptCount"] == 1
        assert failed["payment"]["status"] == "REQUIRES_PAYMENT_METHOD"
        past_due = next(e for e in seen[statuses] if e["status"] == "PAST_DUE")
        assert past_due["previousStatus"] == "ACTIVE"
        assert past_due["subscription"]["pastDueSince"] is not None

        # The query shows the dunning state.
        body = await graphql.execute(DUNNING_STATE, {"id": subscription["id"]})
        assert "errors" not in body, body
        state = body["data"]["subscription"]
        assert state["status"] == "PAST_DUE"
        since = datetime.fromisoformat(state["pastDueSince"])
        assert since.tzinfo is not None and since.utcoffset() == UTC.utcoffset(since)
        assert abs(since.timestamp() - time.time()) < 120, "stamped with the (real) time of the Stripe event"
        invoice = state["latestInvoice"]
        assert invoice["id"] == failed["invoice"]["id"] and invoice["id"] != subscription["latestInvoice"]["id"]
        assert (invoice["status"], invoice["attemptCount"], invoice["amountDue"]) == ("OPEN", 1, 2900)
        assert timestamp(invoice["nextPaymentAttempt"]) == period_end + 3 * DAY
        assert invoice["nextPaymentAttempt"].endswith("+00:00")

        # The client retries with a good card: the subscription is ACTIVE again, live, past_due cleared.
        good = await attach(graphql, customer["id"], localstripe.url, "4242424242424242", False)
        invoices = await subscribe(ws, INVOICE_STATUS_CHANGED, {"invoiceId": invoice["id"]})
        await wait_subscribed(gateway, 3)
        started = time.monotonic()
        variables = {"key": new_key(), "input": {"id": invoice["id"], "paymentMethodId": good}}
        paid = payload_of(await graphql.execute(PAY_INVOICE, variables), "payInvoice")
        assert paid["userErrors"] == [], paid
        assert (paid["invoice"]["status"], paid["invoice"]["attemptCount"]) == ("PAID", 2)
        assert paid["invoice"]["nextPaymentAttempt"] is None
        # Both live: the subscription ACTIVE again, and the invoice PAID (though the answer wrote PAID first).
        seen = await frames_until(
            ws,
            {
                statuses: ("subscriptionStatusChanged", lambda event: event["status"] == "ACTIVE"),
                invoices: ("invoiceStatusChanged", lambda event: event["status"] == "PAID"),
            },
        )
        print(f"payInvoice -> ACTIVE and PAID frames: {(time.monotonic() - started) * 1000:.0f} ms")
        active = next(event for event in seen[statuses] if event["status"] == "ACTIVE")
        assert active["previousStatus"] == "PAST_DUE"
        assert active["subscription"]["pastDueSince"] is None
        paid_frame = next(event for event in seen[invoices] if event["status"] == "PAID")
        assert paid_frame["invoice"]["id"] == invoice["id"]

    body = await graphql.execute(DUNNING_STATE, {"id": subscription["id"]})
    state = body["data"]["subscription"]
    assert (state["status"], state["pastDueSince"]) == ("ACTIVE", None)
    assert state["latestInvoice"]["status"] == "PAID"


@pytest.mark.timeout(120)
async def test_one_frame_per_failed_attempt_action_required_and_sessions_watch_their_own_only(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    now = int(time.time())
    clock_a, a, sub_a = await clocked_subscription(graphql, localstripe.url, now)
    clock_b, b, sub_b = await clocked_subscription(graphql, localstripe.url, now)
    await attach(graphql, a["id"], localstripe.url, DECLINING_CARD, True)
    await attach(graphql, b["id"], localstripe.url, THREE_D_SECURE_CARD, True)
    a_session = (await create_session(graphql, a["id"], ttlSeconds=600))["token"]

    await wait_no_subscribers(gateway)
    async with live_socket(gateway, a_session) as ws:
        own = await subscribe(ws, PAYMENT_FAILED, {})
        await wait_subscribed(gateway)
        await advance(localstripe.url, clock_b["id"], now + 32 * DAY)  # B's failure: not for A's session
        await advance(localstripe.url, clock_a["id"], now + 32 * DAY)
        first = await next_data(ws, own, "paymentFailed", time.monotonic() + 20)
        assert first["attemptCount"] == 1 and first["declineCode"] == "generic_decline"
        # The automatic retry 3 days later fails again: one more frame, attempt 2, next retry 5 days on.
        period_end = timestamp(sub_a["currentPeriodEnd"])
        assert period_end is not None
        await advance(localstripe.url, clock_a["id"], period_end + 3 * DAY + 60)
        second = await next_data(ws, own, "paymentFailed", time.monotonic() + 20)
        assert second["attemptCount"] == 2 and timestamp(second["nextPaymentAttempt"]) == period_end + 8 * DAY
        assert second["invoice"]["id"] == first["invoice"]["id"]

    # The API key sees B's failure: action required (3-D Secure), no decline code, one frame though
    # Stripe sent invoice.payment_action_required and invoice.payment_failed for that attempt.
    body = await graphql.execute(DUNNING_STATE, {"id": sub_b["id"]})
    assert body["data"]["subscription"]["status"] == "PAST_DUE"
    b_invoice = body["data"]["subscription"]["latestInvoice"]
    assert b_invoice["attemptCount"] == 1
    await wait_no_subscribers(gateway)  # A's socket just closed: its subscription must not satisfy the wait below
    async with live_socket(gateway, api_key) as ws:
        watch = await subscribe(ws, PAYMENT_FAILED, {"customerId": b["id"]})
        await wait_subscribed(gateway)
        b_period_end = timestamp(sub_b["currentPeriodEnd"])
        assert b_period_end is not None
        await advance(localstripe.url, clock_b["id"], b_period_end + 3 * DAY + 60)
        retried = await next_data(ws, watch, "paymentFailed", time.monotonic() + 20)
        if retried["attemptCount"] == 1:
            # Attempt 1's frame, pushed by the last of its webhooks when the worker applied it after this
            # socket subscribed (the mirror already showed attempt 1 from an earlier one): the next is the retry's.
            retried = await next_data(ws, watch, "paymentFailed", time.monotonic() + 20)
        assert (retried["actionRequired"], retried["declineCode"], retried["attemptCount"]) == (True, None, 2)
        assert retried["payment"]["status"] == "REQUIRES_ACTION"
        with pytest.raises(TimeoutError):  # the attempt's second event pushes nothing more
            await next_data(ws, watch, "paymentFailed", time.monotonic() + 3)

    # A session may not name another customer.
    async with live_socket(gateway, a_session) as ws:
        operation_id = await subscribe(ws, PAYMENT_FAILED, {"customerId": b["id"]})
        message = await first_message(ws, operation_id, 5)
        assert [e.get("extensions", {}).get("code") for e in errors_of(message)] == ["FORBIDDEN"], message
