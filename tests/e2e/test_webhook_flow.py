"""Objects made at Stripe, not through the gateway, reach the mirror through webhooks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, create_test_card, stripe_request
from tests.support.operations import unique_email

SUBSCRIPTIONS = """{
  subscriptions(first: 100) { edges { node { stripeId status priceId customer { stripeId email } } } }
}"""


async def wait_for(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_a_subscription_made_at_stripe_appears_within_five_seconds(
    graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    plan, email = create_plan(localstripe.url), unique_email("outside")
    customer = stripe_request(localstripe.url, "POST", "/v1/customers", data={"email": email})
    card = create_test_card(localstripe.url)
    stripe_request(localstripe.url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
    stripe_request(
        localstripe.url,
        "POST",
        f"/v1/customers/{customer['id']}",
        data={"invoice_settings[default_payment_method]": card},
    )
    started = time.monotonic()
    subscription = stripe_request(
        localstripe.url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan}
    )

    async def mirrored() -> dict[str, Any] | None:
        body = await graphql.execute(SUBSCRIPTIONS)
        nodes = [e["node"] for e in body["data"]["subscriptions"]["edges"]]
        return next((n for n in nodes if n["stripeId"] == subscription["id"] and n["status"] == "ACTIVE"), None)

    node = await wait_for(mirrored, timeout=5.0)
    elapsed = time.monotonic() - started
    assert node is not None, f"subscription {subscription['id']} not mirrored within 5 s"
    assert node["priceId"] == plan and node["customer"] == {"stripeId": customer["id"], "email": email}
    assert elapsed < 5.0
