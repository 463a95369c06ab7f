"""The sandbox's invoice finalize/void and refund reasons: Stripe's shapes (tests/fixtures/stripe), Stripe's events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiohttp import web

from stripe_provider.signatures import verify_webhook
from tests.fixtures import stripe_fixtures
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import (
    BASIC_AUTH,
    LocalStripe,
    confirmed_payment_intent,
    create_plan,
    create_test_card,
    stripe_request,
)
from tests.support.net import free_port

SECRET = "whsec_invoice_actions"
FIXTURES = stripe_fixtures()


@dataclass
class Received:
    """Events delivered to the test's endpoint, each verified with the endpoint's secret."""

    events: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: web.Request) -> web.Response:
        self.events.append(verify_webhook(await request.read(), request.headers["Stripe-Signature"], [SECRET]))
        self.arrived.set()
        return web.Response(status=200)

    async def of(self, event_type: str, object_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first event of `event_type` about `object_id` (waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["type"] == event_type and event["data"]["object"].get("id") == object_id:
                    return event
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {event_type} for {object_id} within {timeout:.0f} s"
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)


@dataclass
class Sandbox:
    emulator: LocalStripe
    received: Received

    def call(self, method: str, path: str, **data: Any) -> httpx.Response:
        return httpx.request(method, f"{self.emulator.url}{path}", data=data or None, auth=BASIC_AUTH, timeout=10)


@pytest_asyncio.fixture
async def sandbox(localstripe_factory: LocalStripeFactory) -> AsyncIterator[Sandbox]:
    """A fresh sandbox process whose events are delivered to this test."""
    received = Received()
    app = web.Application()
    app.router.add_post("/events", received.receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    emulator = localstripe_factory()
    emulator.register_webhook("wh_invoice_actions", f"http://127.0.0.1:{port}/events", SECRET)
    try:
        yield Sandbox(emulator, received)
    finally:
        await runner.cleanup()


def draft_invoice(url: str) -> tuple[dict[str, Any], str]:
    """A draft invoice of a subscribed customer: the plan's line, a one-off fee and a prorated credit.

    localstripe makes invoices only for customers with a subscription (its line comes along).
    Returns the invoice and the plan id.
    """
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "lines@example.com"})["id"]
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer})
    stripe_request(url, "POST", f"/v1/customers/{customer}", data={"invoice_settings[default_payment_method]": card})
    plan = create_plan(url, amount=2000)
    stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customer, "items[0][plan]": plan})
    for data in (
        {"amount": "1500", "description": "Setup fee"},
        {"amount": "-700", "description": "Unused time", "plan": plan, "proration": "true"},
    ):
        stripe_request(url, "POST", "/v1/invoiceitems", data={"customer": customer, "currency": "usd", **data})
    invoice = stripe_request(url, "POST", "/v1/invoices", data={"customer": customer})
    assert invoice["status"] == "draft"
    return invoice, plan


def assert_current_line_shape(line: dict[str, Any]) -> None:
    """A line item has Stripe's current keys and no legacy ones (`plan`, `price`, `proration`, `type`)."""
    documented = FIXTURES["invoice"]["lines"]["data"][0]
    assert set(line) <= set(documented), sorted(set(line) - set(documented))
    for key in ("id", "object", "amount", "currency", "description", "parent", "period", "pricing", "quantity"):
        assert key in line, key
    assert line["object"] == "line_item"
    assert set(line["period"]) == set(documented["period"])
    assert line["parent"]["type"] in ("subscription_item_details", "invoice_item_details")
    details = line["parent"][line["parent"]["type"]]
    assert set(details) <= set(documented["parent"][line["parent"]["type"]])
    if line["pricing"] is not None:
        assert set(line["pricing"]) - {"price_details"} <= set(documented["pricing"])
        assert line["pricing"]["type"] == "price_details"


async def test_finalize_makes_a_draft_open_in_stripes_shape_and_emits_its_events(sandbox: Sandbox) -> None:
    invoice, plan = draft_invoice(sandbox.emulator.url)
    answer = sandbox.call("POST", f"/v1/invoices/{invoice['id']}/finalize")
    assert answer.status_code == 200, answer.text
    finalized = answer.json()
    assert finalized["status"] == "open" and finalized["number"]
    assert set(finalized["status_transitions"]) == set(FIXTURES["invoice"]["status_transitions"])
    assert finalized["status_transitions"]["finalized_at"] >= invoice["created"]
    assert finalized["amount_due"] == 2800 and finalized["lines"]["object"] == "list"
    lines = finalized["lines"]["data"]
    for line in lines:
        assert_current_line_shape(line)
    by_description = {line["description"]: line for line in lines}
    fee, credit = by_description["Setup fee"], by_description["Unused time"]
    [plan_line] = [line for line in lines if line["parent"]["type"] == "subscription_item_details"]
    assert plan_line["amount"] == 2000 and plan_line["pricing"]["price_details"]["price"] == plan
    assert plan_line["parent"]["subscription_item_details"]["proration"] is False
    assert fee["amount"] == 1500 and fee["pricing"] is None
    assert fee["parent"]["invoice_item_details"]["proration"] is False
    assert credit["amount"] == -700 and credit["pricing"]["price_details"]["price"] == plan
    assert credit["parent"]["invoice_item_details"]["proration"] is True

    event = await sandbox.received.of("invoice.finalized", invoice["id"])
    assert event["data"]["object"]["status"] == "open"
    assert event["data"]["object"]["lines"]["data"] == lines
    updated = await sandbox.received.of("invoice.updated", invoice["id"])
    assert updated["data"]["previous_attributes"]["status"] == "draft"
    assert updated["data"]["object"]["number"] == finalized["number"]

    # A second finalize, and a void of a draft, are refused as Stripe refuses them.
    again = sandbox.call("POST", f"/v1/invoices/{invoice['id']}/finalize")
    assert again.status_code == 400 and again.json()["error"]["type"] == "invalid_request_error"
    other, _ = draft_invoice(sandbox.emulator.url)
    refused = sandbox.call("POST", f"/v1/invoices/{other['id']}/void")
    assert refused.status_code == 400 and "open" in refused.json()["error"]["message"]
    assert sandbox.call("GET", f"/v1/invoices/{other['id']}").json()["status"] == "draft"


async def test_void_makes_an_open_invoice_void_and_emits_its_events(sandbox: Sandbox) -> None:
    invoice, _ = draft_invoice(sandbox.emulator.url)
    assert sandbox.call("POST", f"/v1/invoices/{invoice['id']}/finalize").status_code == 200
    answer = sandbox.call("POST", f"/v1/invoices/{invoice['id']}/void")
    assert answer.status_code == 200, answer.text
    voided = answer.json()
    assert voided["status"] == "void" and voided["status_transitions"]["voided_at"]
    for line in voided["lines"]["data"]:
        assert_current_line_shape(line)
    event = await sandbox.received.of("invoice.voided", invoice["id"])
    assert event["data"]["object"]["status"] == "void"
    assert sandbox.call("GET", f"/v1/invoices/{invoice['id']}").json()["status"] == "void"
    again = sandbox.call("POST", f"/v1/invoices/{invoice['id']}/void")
    assert again.status_code == 400 and again.json()["error"]["type"] == "invalid_request_error"


async def test_a_refund_keeps_its_reason_and_emits_charge_refunded(sandbox: Sandbox) -> None:
    url = sandbox.emulator.url
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "refund@example.com"})["id"]
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer})
    intent = confirmed_payment_intent(url, customer, card, 1000)
    assert intent["status"] == "succeeded"

    bad = sandbox.call("POST", "/v1/refunds", payment_intent=intent["id"], reason="changed_my_mind")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "reason"
    answer = sandbox.call("POST", "/v1/refunds", payment_intent=intent["id"], amount="300", reason="duplicate")
    assert answer.status_code == 200, answer.text
    refund = answer.json()
    assert refund["reason"] == "duplicate" and refund["amount"] == 300
    assert set(FIXTURES["refund"]) >= {"reason", "amount", "charge", "payment_intent", "status"}
    assert sandbox.call("GET", f"/v1/refunds/{refund['id']}").json()["reason"] == "duplicate"
    plain = sandbox.call("POST", "/v1/refunds", payment_intent=intent["id"], amount="100").json()
    assert plain["reason"] is None

    charge_event = await sandbox.received.of("charge.refunded", refund["charge"])
    charge = charge_event["data"]["object"]
    assert set(charge) - {"refunds"} <= set(FIXTURES["charge"]) | {"invoice", "source"}, "no undocumented keys"
    assert "refunds" not in charge
    assert charge["payment_intent"] == intent["id"]
    assert charge_event["data"]["previous_attributes"]["amount_refunded"] == 0
    assert charge["amount_refunded"] >= 300
    created = await sandbox.received.of("refund.created", refund["id"])
    assert created["data"]["object"]["reason"] == "duplicate"


@pytest.mark.parametrize("path", ["/finalize", "/void"])
def test_an_unknown_invoice_is_not_found(localstripe: LocalStripe, path: str) -> None:
    answer = httpx.post(f"{localstripe.url}/v1/invoices/in_unknown{path}", auth=BASIC_AUTH, timeout=10)
    assert answer.status_code == 404
