"""`previewSubscriptionChange` through the real server against the sandbox (issue 15, "Change preview").

Acceptance: a preview taken before `updateSubscription` with the same `prorationDate` equals the invoice
that change produced, line by line (`ALWAYS_INVOICE` invoices the change at once; the invoice is read
from the sandbox, which made it with the same proration function the preview used).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, stripe_request
from tests.support.operations import (
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    UPDATE_SUBSCRIPTION,
    create_session,
    customer_with_card,
    error_codes,
    new_key,
    payload_of,
)

PREVIEW = """
query($input: SubscriptionChangeInput!) {
  previewSubscriptionChange(input: $input) {
    invoice {
      subtotal total amountDue currency
      lines { description amount currency quantity proration priceId period { start end } }
    }
    userErrors { code message field }
  }
}"""


async def subscribed(graphql: GraphQLClient, localstripe: LocalStripe, plan: str) -> dict[str, Any]:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    body = await graphql.execute(
        CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
    )
    payload = payload_of(body, "createSubscription")
    assert payload["userErrors"] == [], payload
    subscription: dict[str, Any] = payload["subscription"]
    return subscription


async def preview(client: GraphQLClient, **change: Any) -> dict[str, Any]:
    body = await client.execute(PREVIEW, {"input": change})
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"]["previewSubscriptionChange"]
    return answer


async def invoiced_at_once(client: GraphQLClient, subscription_id: str, before: str) -> dict[str, Any]:
    """The subscription's new latest invoice, paid, once its webhooks reached the mirror (a deadline, no sleep)."""
    deadline = time.monotonic() + 20
    while True:
        body = await client.execute(
            "query($id: ID!) { subscription(id: $id) { latestInvoice { id stripeId status amountPaid } } }",
            {"id": subscription_id},
        )
        invoice: dict[str, Any] | None = body["data"]["subscription"]["latestInvoice"]
        if invoice is not None and invoice["id"] != before and invoice["status"] == "PAID":
            return invoice
        assert time.monotonic() < deadline, f"the invoice of the change was not mirrored paid: {invoice}"
        await asyncio.sleep(0.05)


def unix(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def prorated(amount: int, start: int, end: int, at: int) -> int:
    """Stripe's proration of a whole period's `amount` for [at, end), half up (docs: prorations)."""
    return (2 * amount * (end - at) + (end - start)) // (2 * (end - start))


async def test_a_preview_equals_the_invoice_the_change_produces(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    basic, pro = create_plan(localstripe.url, amount=1000), create_plan(localstripe.url, amount=3000)
    subscription = await subscribed(graphql, localstripe, basic)
    at = datetime.now(UTC).replace(microsecond=0)
    change = {
        "subscriptionId": subscription["id"],
        "priceId": pro,
        "quantity": 2,
        "prorationBehavior": "ALWAYS_INVOICE",
        "prorationDate": at.isoformat(),
    }
    answer = await preview(graphql, **change)
    assert answer["userErrors"] == [], answer
    shown = answer["invoice"]
    start, end = unix(subscription["currentPeriodStart"]), unix(subscription["currentPeriodEnd"])
    credit, charge = -prorated(1000, start, end, unix(at.isoformat())), prorated(6000, start, end, unix(at.isoformat()))
    assert [(line["amount"], line["proration"]) for line in shown["lines"]] == [(credit, True), (charge, True)]
    assert [line["priceId"] for line in shown["lines"]] == [basic, pro]
    assert shown["lines"][0]["description"].startswith("Unused time on 1 \N{MULTIPLICATION SIGN} ")
    assert shown["lines"][1]["description"].startswith("Remaining time on 2 \N{MULTIPLICATION SIGN} ")
    assert shown["subtotal"] == shown["total"] == credit + charge and shown["currency"] == "usd"
    # A preview changes nothing.
    unchanged = stripe_request(localstripe.url, "GET", f"/v1/subscriptions/{subscription['stripeId']}")
    assert unchanged["items"]["data"][0]["plan"]["id"] == basic

    update = {("id" if name == "subscriptionId" else name): value for name, value in change.items()}
    body = await graphql.execute(UPDATE_SUBSCRIPTION, {"key": new_key(), "input": update})
    payload = payload_of(body, "updateSubscription")
    assert payload["userErrors"] == [], payload
    updated = payload["subscription"]
    assert (updated["priceId"], updated["quantity"]) == (pro, 2)
    invoice = await invoiced_at_once(graphql, updated["id"], subscription["latestInvoice"]["id"])
    assert invoice["status"] == "PAID" and invoice["amountPaid"] == shown["total"]

    produced = stripe_request(localstripe.url, "GET", f"/v1/invoices/{invoice['stripeId']}")
    assert len(produced["lines"]["data"]) == len(shown["lines"])
    for previewed, charged in zip(shown["lines"], produced["lines"]["data"], strict=True):
        assert previewed["description"] == charged["description"]
        assert previewed["amount"] == charged["amount"]
        assert previewed["proration"] is charged["proration"] is True
        assert previewed["currency"] == charged["currency"]
        assert (unix(previewed["period"]["start"]), unix(previewed["period"]["end"])) == (
            charged["period"]["start"],
            charged["period"]["end"],
        )
    assert produced["total"] == shown["total"]


async def test_a_preview_of_the_next_invoice_and_the_subscriptions_price(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    basic, pro = create_plan(localstripe.url, amount=1200), create_plan(localstripe.url, amount=2400)
    subscription = await subscribed(graphql, localstripe, basic)
    at = datetime.now(UTC).replace(microsecond=0)
    prorations = await preview(graphql, subscriptionId=subscription["id"], priceId=pro, prorationDate=at.isoformat())
    assert prorations["userErrors"] == [], prorations
    lines = prorations["invoice"]["lines"]
    assert [line["proration"] for line in lines] == [True, True, False]
    assert lines[2]["amount"] == 2400 and unix(lines[2]["period"]["start"]) == unix(subscription["currentPeriodEnd"])
    upcoming = await graphql.execute(
        "query($id: ID!) { upcomingInvoice(subscriptionId: $id) { lines { amount proration priceId } } }",
        {"id": subscription["id"]},
    )
    assert upcoming["data"]["upcomingInvoice"]["lines"] == [{"amount": 1200, "proration": False, "priceId": basic}]
    none = await preview(graphql, subscriptionId=subscription["id"], quantity=3, prorationBehavior="NONE")
    assert [(line["amount"], line["proration"]) for line in none["invoice"]["lines"]] == [(3600, False)]

    body = await graphql.execute(
        "query($id: ID!) { subscription(id: $id) { price { stripeId unitAmount currency productId } products } }",
        {"id": subscription["id"]},
    )
    assert "errors" not in body, body
    read = body["data"]["subscription"]
    assert read["price"]["stripeId"] == basic and read["price"]["unitAmount"] == 1200
    assert read["products"] == [read["price"]["productId"]] and read["products"][0].startswith("prod_")


async def test_bad_input_answers_typed_errors(graphql: GraphQLClient, localstripe: LocalStripe) -> None:
    plan = create_plan(localstripe.url)
    subscription = await subscribed(graphql, localstripe, plan)
    sid = subscription["id"]

    async def refused(**change: Any) -> tuple[list[str], list[Any]]:
        answer = await preview(graphql, **change)
        assert answer["invoice"] is None, answer
        return error_codes(answer), [error["field"] for error in answer["userErrors"]]

    assert await refused(subscriptionId=sid, priceId="plan-that-does-not-exist") == (
        ["NOT_FOUND"],
        [["input", "priceId"]],
    )
    assert await refused(subscriptionId=sid, quantity=0) == (["VALIDATION_FAILED"], [["input", "quantity"]])
    assert await refused(subscriptionId=sid) == (["VALIDATION_FAILED"], [["input"]])
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert await refused(subscriptionId=sid, quantity=2, prorationDate=yesterday) == (
        ["VALIDATION_FAILED"],
        [["input", "prorationDate"]],
    )
    assert await refused(subscriptionId=sid, quantity=2, prorationDate="2026-01-01T00:00:00") == (
        ["VALIDATION_FAILED"],
        [["input", "prorationDate"]],
    )
    unknown = "U3Vic2NyaXB0aW9uOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA=="
    assert await refused(subscriptionId=unknown, quantity=2) == (["NOT_FOUND"], [["input", "subscriptionId"]])

    # updateSubscription refuses the same date the same way, before Stripe.
    body = await graphql.execute(
        UPDATE_SUBSCRIPTION, {"key": new_key(), "input": {"id": sid, "quantity": 2, "prorationDate": yesterday}}
    )
    payload = payload_of(body, "updateSubscription")
    assert error_codes(payload) == ["VALIDATION_FAILED"] and payload["userErrors"][0]["field"] == [
        "input",
        "prorationDate",
    ]

    canceled = payload_of(
        await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": sid}}), "cancelSubscription"
    )
    assert canceled["userErrors"] == []
    assert await refused(subscriptionId=sid, quantity=2) == (["VALIDATION_FAILED"], [["input", "subscriptionId"]])


async def test_a_session_previews_only_its_own_subscription(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    plan = create_plan(localstripe.url, amount=900)
    own, theirs = await subscribed(graphql, localstripe, plan), await subscribed(graphql, localstripe, plan)
    session = await create_session(graphql, own["customer"]["id"], ttlSeconds=300)
    async with GraphQLClient(gateway.url, token=session["token"]) as frontend:
        answer = await preview(frontend, subscriptionId=own["id"], quantity=2, prorationBehavior="ALWAYS_INVOICE")
        assert answer["userErrors"] == [] and len(answer["invoice"]["lines"]) == 2
        body = await frontend.execute(PREVIEW, {"input": {"subscriptionId": theirs["id"], "quantity": 2}})
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    assert codes == ["FORBIDDEN"] and body.get("data") is None, body
