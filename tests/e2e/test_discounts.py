"""Discounts (issue 15), end to end through the sandbox over HTTP.

A coupon and a promotion code made at the sandbox (sandbox/discounts.py) reach the mirror by their
signed events; `applyDiscount` -> the sandbox -> `customer.subscription.updated` -> the worker -> the
mirror -> `Subscription.discounts` in a query and in a `subscriptionStatusChanged` frame (the status
stays ACTIVE); the next invoice (Stripe's preview, and an invoice made at the sandbox and mirrored)
carries `totalDiscountAmount`; `removeDiscount` takes it back. Then each typed refusal: an expired
code, a used-up code, another customer's code, and the input rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import live_socket, next_payload, subscribe, wait_subscribed
from tests.support.localstripe import LocalStripe, create_plan, stripe_request
from tests.support.operations import (
    CREATE_SUBSCRIPTION,
    USER_ERRORS,
    create_session,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)

T = TypeVar("T")

DISCOUNT_FIELDS = (
    "discounts { id couponId promotionCodeId start end "
    "coupon { id name percentOff amountOff currency duration } promotionCode { id code } }"
)
APPLY_DISCOUNT = f"""
mutation($key: String!, $input: ApplyDiscountInput!) {{
  applyDiscount(idempotencyKey: $key, input: $input) {{
    subscription {{ id status {DISCOUNT_FIELDS} }} subscriptions {{ id }} {USER_ERRORS}
  }}
}}"""
REMOVE_DISCOUNT = f"""
mutation($key: String!, $input: RemoveDiscountInput!) {{
  removeDiscount(idempotencyKey: $key, input: $input) {{
    subscription {{ id status {DISCOUNT_FIELDS} }} subscriptions {{ id }} {USER_ERRORS}
  }}
}}"""
READ_SUBSCRIPTION = f"query($id: ID!) {{ subscription(id: $id) {{ id status {DISCOUNT_FIELDS} }} }}"
UPCOMING = "query($id: ID!) { upcomingInvoice(subscriptionId: $id) { subtotal total totalDiscountAmount amountDue } }"
INVOICES = "{ invoices(first: 50) { edges { node { stripeId total totalDiscountAmount amountDue } } } }"
COUPONS = "{ coupons(first: 50) { edges { node { id name percentOff duration valid timesRedeemed } } } }"
PROMOTION_CODES = """query($code: String) {
  promotionCodes(first: 10, code: $code) { edges { node { id code couponId active timesRedeemed coupon { id } } } }
}"""
WATCH_SUBSCRIPTION = f"""
subscription Watch($id: ID) {{
  subscriptionStatusChanged(subscriptionId: $id) {{
    eventId status previousStatus subscription {{ id status {DISCOUNT_FIELDS} }}
  }}
}}"""


async def eventually(read: Callable[[], Awaitable[T | None]], what: str, timeout: float = 20.0) -> T:
    """Poll `read` until it answers something (not None), up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = await read()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def active_subscription(
    graphql: GraphQLClient, localstripe: LocalStripe, amount: int = 2000
) -> tuple[dict[str, Any], dict[str, Any]]:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION,
        {"key": new_key(), "input": {"customerId": customer["id"], "priceId": create_plan(localstripe.url, amount)}},
    )
    payload = payload_of(body, "createSubscription")
    assert payload["userErrors"] == [], payload
    assert payload["subscription"]["status"] == "ACTIVE"
    return customer, payload["subscription"]


def make_coupon(localstripe: LocalStripe, **params: str) -> dict[str, Any]:
    coupon: dict[str, Any] = stripe_request(localstripe.url, "POST", "/v1/coupons", data=params)
    return coupon


def make_code(localstripe: LocalStripe, coupon: dict[str, Any], code: str, **params: str) -> dict[str, Any]:
    data = {"promotion[type]": "coupon", "promotion[coupon]": coupon["id"], "code": code, **params}
    promotion: dict[str, Any] = stripe_request(localstripe.url, "POST", "/v1/promotion_codes", data=data)
    return promotion


def discounts_at_stripe(localstripe: LocalStripe, subscription: dict[str, Any]) -> list[str]:
    answer = stripe_request(localstripe.url, "GET", f"/v1/subscriptions/{subscription['stripeId']}")
    return list(answer["discounts"])


async def apply(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    return payload_of(await client.execute(APPLY_DISCOUNT, {"key": new_key(), "input": input}), "applyDiscount")


async def frame_with(ws: ClientConnection, operation_id: str, count: int, timeout: float = 20.0) -> dict[str, Any]:
    """The first frame whose subscription carries `count` discounts."""
    deadline = time.monotonic() + timeout
    while True:
        result = await next_payload(ws, operation_id, deadline - time.monotonic())
        assert "errors" not in result, result
        event: dict[str, Any] = result["data"]["subscriptionStatusChanged"]
        if event["subscription"] is not None and len(event["subscription"]["discounts"]) == count:
            return event


async def mirrored_code(graphql: GraphQLClient, code: str) -> dict[str, Any]:
    async def read() -> dict[str, Any] | None:
        body = await graphql.execute(PROMOTION_CODES, {"code": code})
        edges = body["data"]["promotionCodes"]["edges"]
        return edges[0]["node"] if edges else None

    return await eventually(read, f"promotion code {code} mirrored")


@pytest.mark.timeout(120)
async def test_a_promotion_code_discounts_a_subscription_and_its_next_invoice_then_is_removed(
    gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    customer, subscription = await active_subscription(graphql, localstripe)
    coupon = make_coupon(localstripe, percent_off="25", duration="repeating", duration_in_months="3", name="Spring")
    promotion = make_code(localstripe, coupon, "SPRING25")

    # Both reach the mirror by their events (coupon.created, promotion_code.created).
    mirrored = await mirrored_code(graphql, "spring25")
    assert (mirrored["id"], mirrored["couponId"], mirrored["active"]) == (promotion["id"], coupon["id"], True)

    async def coupon_row() -> dict[str, Any] | None:
        edges = (await graphql.execute(COUPONS))["data"]["coupons"]["edges"]
        return next((e["node"] for e in edges if e["node"]["id"] == coupon["id"]), None)

    assert (await eventually(coupon_row, "coupon mirrored"))["name"] == "Spring"

    async with live_socket(gateway, api_key) as ws:
        operation_id = await subscribe(ws, WATCH_SUBSCRIPTION, {"id": subscription["id"]})
        await wait_subscribed(gateway)

        started = time.monotonic()
        key = new_key()
        body = await graphql.execute(
            APPLY_DISCOUNT, {"key": key, "input": {"subscriptionId": subscription["id"], "promotionCode": "Spring25"}}
        )
        payload = payload_of(body, "applyDiscount")
        assert payload["userErrors"] == [], payload
        [discount] = payload["subscription"]["discounts"]
        assert discount["id"].startswith("di_") and discount["promotionCodeId"] == promotion["id"]
        assert discount["coupon"] == {
            "id": coupon["id"],
            "name": "Spring",
            "percentOff": 25.0,
            "amountOff": None,
            "currency": None,
            "duration": "repeating",
        }
        assert discount["promotionCode"] == {"id": promotion["id"], "code": "SPRING25"}
        assert discount["end"] is not None and discount["start"] < discount["end"]
        assert payload["subscriptions"] == [{"id": subscription["id"]}]
        assert discounts_at_stripe(localstripe, subscription) == [discount["id"]]

        event = await frame_with(ws, operation_id, 1)
        latency = time.monotonic() - started
        assert event["eventId"].startswith("evt_")
        assert event["status"] == "ACTIVE", "the status stays; the change is published"
        assert event["subscription"]["discounts"] == [discount]
        read = await graphql.execute(READ_SUBSCRIPTION, {"id": subscription["id"]})
        assert read["data"]["subscription"]["discounts"] == [discount], read

        # The next invoice: Stripe's preview, and one made at the sandbox now, mirrored.
        upcoming = (await graphql.execute(UPCOMING, {"id": subscription["id"]}))["data"]["upcomingInvoice"]
        assert upcoming == {"subtotal": 2000, "total": 1500, "totalDiscountAmount": 500, "amountDue": 1500}
        made = stripe_request(
            localstripe.url,
            "POST",
            "/v1/invoices",
            data={"customer": customer["stripeId"], "subscription": subscription["stripeId"]},
        )

        async def invoice_row() -> dict[str, Any] | None:
            edges = (await graphql.execute(INVOICES))["data"]["invoices"]["edges"]
            return next((e["node"] for e in edges if e["node"]["stripeId"] == made["id"]), None)

        invoice = await eventually(invoice_row, "the next invoice mirrored")
        assert (invoice["totalDiscountAmount"], invoice["total"], invoice["amountDue"]) == (500, 1500, 1500)

        # The key again: the stored answer, no second redemption at Stripe.
        again = await graphql.execute(
            APPLY_DISCOUNT, {"key": key, "input": {"subscriptionId": subscription["id"], "promotionCode": "Spring25"}}
        )
        assert payload_of(again, "applyDiscount") == payload
        assert stripe_request(localstripe.url, "GET", f"/v1/promotion_codes/{promotion['id']}")["times_redeemed"] == 1
        # Another key, the same code: already on the subscription, not applied (nor redeemed) twice.
        twice = await apply(graphql, subscriptionId=subscription["id"], promotionCode=promotion["id"])
        assert twice["userErrors"] == [] and twice["subscription"]["discounts"] == [discount], twice
        assert stripe_request(localstripe.url, "GET", f"/v1/promotion_codes/{promotion['id']}")["times_redeemed"] == 1

        body = await graphql.execute(
            REMOVE_DISCOUNT,
            {"key": new_key(), "input": {"subscriptionId": subscription["id"], "discountId": discount["id"]}},
        )
        removed = payload_of(body, "removeDiscount")
        assert removed["userErrors"] == [] and removed["subscription"]["discounts"] == [], removed
        assert discounts_at_stripe(localstripe, subscription) == []
        gone = await frame_with(ws, operation_id, 0)
        assert gone["eventId"] != event["eventId"] and gone["status"] == "ACTIVE"
        upcoming = (await graphql.execute(UPCOMING, {"id": subscription["id"]}))["data"]["upcomingInvoice"]
        assert (upcoming["total"], upcoming["totalDiscountAmount"]) == (2000, 0)
    print(f"applyDiscount -> live frame: {latency * 1000:.0f} ms")


@pytest.mark.timeout(120)
async def test_expired_used_up_and_another_customers_codes_are_typed_user_errors(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, own = await active_subscription(graphql, localstripe)
    b, theirs = await active_subscription(graphql, localstripe)
    coupon = make_coupon(localstripe, amount_off="300", currency="usd", duration="once")
    once = make_code(
        localstripe, make_coupon(localstripe, percent_off="5", duration="once"), "ONCEONLY", max_redemptions="1"
    )
    for_b = make_code(localstripe, coupon, "ONLYB", customer=b["stripeId"])
    soon = make_code(localstripe, coupon, "SOON", expires_at=str(int(time.time()) + 3600))
    await mirrored_code(graphql, "SOON")

    # Another customer's code: refused from the mirror (or Stripe's answer), nothing applied.
    payload = await apply(graphql, subscriptionId=own["id"], promotionCode="ONLYB")
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("DISCOUNT_FOR_ANOTHER_CUSTOMER", ["input", "promotionCode"])
    ]
    assert payload["subscription"] is None and discounts_at_stripe(localstripe, own) == []
    payload = await apply(graphql, subscriptionId=theirs["id"], promotionCode=for_b["code"])
    assert payload["userErrors"] == [], "B may redeem it"

    # Used up: B redeems the one-use code, then A may not.
    assert (await apply(graphql, subscriptionId=theirs["id"], promotionCode=once["id"]))["userErrors"] == []
    payload = await apply(graphql, subscriptionId=own["id"], promotionCode="ONCEONLY")
    assert error_codes(payload) == ["DISCOUNT_USED_UP"], payload
    assert discounts_at_stripe(localstripe, own) == []

    # Expired: time passes the code's expires_at at Stripe (no event says so): Stripe's refusal, typed.
    stripe_request(localstripe.url, "POST", f"/_sandbox/promotion_codes/{soon['id']}/expire")
    payload = await apply(graphql, subscriptionId=own["id"], promotionCode="SOON")
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("DISCOUNT_EXPIRED", ["input", "promotionCode"])
    ]
    assert discounts_at_stripe(localstripe, own) == []

    # The input rules, and unknown codes.
    for input, code in (
        ({"promotionCode": "SOON"}, "VALIDATION_FAILED"),
        ({"subscriptionId": own["id"], "customerId": a["id"], "promotionCode": "SOON"}, "VALIDATION_FAILED"),
        ({"subscriptionId": own["id"]}, "VALIDATION_FAILED"),
        ({"subscriptionId": own["id"], "coupon": coupon["id"], "promotionCode": "SOON"}, "VALIDATION_FAILED"),
        ({"subscriptionId": own["id"], "promotionCode": "NO-SUCH-CODE"}, "NOT_FOUND"),
        ({"subscriptionId": own["id"], "coupon": "no_such_coupon"}, "NOT_FOUND"),
    ):
        assert error_codes(await apply(graphql, **input)) == [code], input
    body = await graphql.execute(REMOVE_DISCOUNT, {"key": new_key(), "input": {"subscriptionId": own["id"]}})
    assert error_codes(payload_of(body, "removeDiscount")) == ["VALIDATION_FAILED"], "nothing to remove"

    # A coupon applied directly (API key), to every running subscription of a customer.
    payload = await apply(graphql, customerId=a["id"], coupon=coupon["id"])
    assert payload["userErrors"] == [] and payload["subscription"] is None, payload
    assert payload["subscriptions"] == [{"id": own["id"]}]
    assert len(discounts_at_stripe(localstripe, own)) == 1
    body = await graphql.execute(REMOVE_DISCOUNT, {"key": new_key(), "input": {"customerId": a["id"]}})
    assert payload_of(body, "removeDiscount")["userErrors"] == []
    assert discounts_at_stripe(localstripe, own) == []


async def test_a_session_redeems_a_code_on_its_own_subscription_only(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, own = await active_subscription(graphql, localstripe)
    _, theirs = await active_subscription(graphql, localstripe)
    coupon = make_coupon(localstripe, percent_off="10", duration="forever")
    make_code(localstripe, coupon, "FRIENDS")
    session = await create_session(graphql, a["id"], ttlSeconds=600)
    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        for input in (
            {"subscriptionId": theirs["id"], "promotionCode": "FRIENDS"},
            {"subscriptionId": own["id"], "coupon": coupon["id"]},
        ):
            refused = await frontend.execute(APPLY_DISCOUNT, {"key": new_key(), "input": input})
            codes = [error.get("extensions", {}).get("code") for error in refused.get("errors", [])]
            assert codes == ["FORBIDDEN"], refused
        assert discounts_at_stripe(localstripe, theirs) == [] and discounts_at_stripe(localstripe, own) == []
        payload = await apply(frontend, subscriptionId=own["id"], promotionCode="friends")
        assert payload["userErrors"] == [], payload
        assert [d["coupon"]["percentOff"] for d in payload["subscription"]["discounts"]] == [10.0]
        body = await frontend.execute(REMOVE_DISCOUNT, {"key": new_key(), "input": {"subscriptionId": own["id"]}})
        codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
        assert codes == ["FORBIDDEN"], "removing takes an API key"
