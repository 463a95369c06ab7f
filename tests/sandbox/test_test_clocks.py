"""The sandbox's test clocks: Stripe's documented clock shape, renewals that fail and are retried, their events, signed.

`tests/fixtures/stripe/fixtures.json` (Stripe's own fixtures, vendored) has no test clock: the clock
shape checked here is Stripe's API reference for `test_helpers.test_clock` (`DOCUMENTED_CLOCK`). The
invoice fixture gives the dunning fields the sandbox fills (`attempt_count`, `next_payment_attempt`, …).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from sandbox import test_clocks
from stripe_provider.adapter import STRIPE_API_VERSION
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import create_plan, create_test_card
from tests.support.sandbox_events import EventCollector, collecting_events, sandbox_call, sandbox_ok

SECRET = "whsec_test_clocks_test"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "stripe" / "fixtures.json"
DAY = 86_400

DOCUMENTED_CLOCK = {
    "id",
    "object",
    "created",
    "deletes_after",
    "frozen_time",
    "livemode",
    "name",
    "status",
    "status_details",
}
DUNNING_INVOICE_FIELDS = {"attempt_count", "attempted", "next_payment_attempt", "billing_reason", "test_clock"}
DECLINING_CARD = "4000000000000341"  # attaches; every charge fails (Stripe's "charge customer fail" card)
THREE_D_SECURE_CARD = "4000002500003155"  # off-session charges need authentication


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[EventCollector, str]]:
    async with collecting_events(SECRET) as got:
        yield got, got.url


async def _ready(url: str, clock_id: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        clock = await sandbox_ok(url, "GET", f"/v1/test_helpers/test_clocks/{clock_id}")
        if clock["status"] == "ready" or time.monotonic() > deadline:
            return clock
        await asyncio.sleep(0.05)


async def _card(url: str, customer: str, number: str) -> str:
    card = await asyncio.to_thread(create_test_card, url, number)
    await sandbox_ok(url, "POST", f"/v1/payment_methods/{card}/attach", {"customer": customer})
    await sandbox_ok(url, "POST", f"/v1/customers/{customer}", {"invoice_settings[default_payment_method]": card})
    return card


async def _subscribed_on_clock(url: str, now: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A clock at `now`, a customer on it with a good default card, and an active monthly subscription."""
    clock = await sandbox_ok(url, "POST", "/v1/test_helpers/test_clocks", {"frozen_time": str(now), "name": "Renewal"})
    customer = await sandbox_ok(
        url, "POST", "/v1/customers", {"email": "clocked@example.com", "test_clock": clock["id"]}
    )
    await _card(url, customer["id"], "4242424242424242")
    plan = await asyncio.to_thread(create_plan, url, 1900)
    subscription = await sandbox_ok(
        url, "POST", "/v1/subscriptions", {"customer": customer["id"], "items[0][plan]": plan}
    )
    assert subscription["status"] == "active", subscription
    return clock, customer, subscription


def test_a_new_clock_has_stripes_documented_shape_and_invoices_carry_the_dunning_fields() -> None:
    clock = test_clocks.new_clock(1_700_000_000, "Annual renewal", now=1_690_000_000)
    assert set(clock) == DOCUMENTED_CLOCK
    assert clock["object"] == "test_helpers.test_clock" and clock["id"].startswith("clock_")
    assert (clock["status"], clock["status_details"], clock["livemode"]) == ("ready", {}, False)
    assert clock["deletes_after"] == 1_690_000_000 + 30 * DAY
    invoice_fixture = json.loads(FIXTURES.read_text())["resources"]["invoice"]
    assert set(invoice_fixture) >= DUNNING_INVOICE_FIELDS, "the fields the sandbox fills are Stripe's"
    assert test_clocks.period_end(1_700_000_000, "day") == 1_700_000_000 + DAY


@pytest.mark.timeout(60)
async def test_a_renewal_with_a_declining_card_starts_dunning_and_a_good_card_ends_it(
    localstripe_factory: LocalStripeFactory, receiver: tuple[EventCollector, str]
) -> None:
    got, hook_url = receiver
    emulator = localstripe_factory()
    emulator.register_webhook("wh_clocks", hook_url, SECRET)
    url = emulator.url
    now = int(time.time())
    clock, customer, subscription = await _subscribed_on_clock(url, now)
    assert customer["test_clock"] == clock["id"]
    assert set(clock) == DOCUMENTED_CLOCK and clock["frozen_time"] == now
    period_end = subscription["current_period_end"]
    await _card(url, customer["id"], DECLINING_CARD)

    target = now + 32 * DAY
    advancing = await sandbox_ok(
        url, "POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": target}
    )
    assert advancing["status"] == "advancing"
    assert advancing["status_details"] == {"advancing": {"target_frozen_time": target}}
    ready = await _ready(url, clock["id"])
    assert (ready["status"], ready["frozen_time"]) == ("ready", target)
    assert (await got.wait_for("test_helpers.test_clock.ready", clock["id"]))["api_version"] == STRIPE_API_VERSION

    renewed = await sandbox_ok(url, "GET", f"/v1/subscriptions/{subscription['id']}")
    assert renewed["status"] == "past_due"
    assert renewed["current_period_start"] == period_end and renewed["current_period_end"] > period_end
    invoice = await sandbox_ok(url, "GET", f"/v1/invoices/{renewed['latest_invoice']}")
    assert invoice["id"] != subscription["latest_invoice"]
    assert (invoice["status"], invoice["attempt_count"], invoice["attempted"]) == ("open", 1, True)
    assert invoice["billing_reason"] == "subscription_cycle" and invoice["test_clock"] == clock["id"]
    assert invoice["next_payment_attempt"] == period_end + 3 * DAY
    assert invoice["amount_due"] == 1900

    for event_type in ("invoice.created", "invoice.finalized"):
        await got.wait_for(event_type, invoice["id"])
    failed = await got.wait_for("invoice.payment_failed", invoice["id"])
    assert failed["data"]["object"]["attempt_count"] == 1
    assert failed["data"]["object"]["next_payment_attempt"] == period_end + 3 * DAY
    intent_failed = await got.wait_for("payment_intent.payment_failed", invoice["payment_intent"])
    error = intent_failed["data"]["object"]["last_payment_error"]
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "generic_decline")
    charge = await sandbox_ok(url, "GET", f"/v1/charges/{error['charge']}")
    assert charge["outcome"]["reason"] == "generic_decline" and charge["status"] == "failed"
    updated = await got.wait_for("customer.subscription.updated", subscription["id"], count=2)
    assert updated["data"]["previous_attributes"] == {"status": "active"}
    assert updated["data"]["object"]["status"] == "past_due"

    # The schedule: the 2nd attempt 3 days after the 1st, the 3rd 5 days after that.
    await sandbox_ok(
        url, "POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": target + 3 * DAY}
    )
    await _ready(url, clock["id"])
    retried = await sandbox_ok(url, "GET", f"/v1/invoices/{invoice['id']}")
    assert (retried["status"], retried["attempt_count"]) == ("open", 2)
    assert retried["next_payment_attempt"] == period_end + 8 * DAY
    await got.wait_for("invoice.payment_failed", invoice["id"], count=2)

    # Another customer's card is refused; this customer's good card pays and ends the dunning.
    other = await sandbox_ok(url, "POST", "/v1/customers", {"email": "other@example.com"})
    assert other["test_clock"] is None
    foreign = await _card(url, other["id"], "4242424242424242")
    refused = await sandbox_call(url, "POST", f"/v1/invoices/{invoice['id']}/pay", {"payment_method": foreign})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "payment_method"
    good = await asyncio.to_thread(create_test_card, url)
    await sandbox_ok(url, "POST", f"/v1/payment_methods/{good}/attach", {"customer": customer["id"]})
    paid = await sandbox_ok(url, "POST", f"/v1/invoices/{invoice['id']}/pay", {"payment_method": good})
    assert (paid["status"], paid["attempt_count"], paid["next_payment_attempt"]) == ("paid", 3, None)
    await got.wait_for("invoice.paid", invoice["id"])
    back = await got.wait_for("customer.subscription.updated", subscription["id"], count=3)
    assert back["data"]["previous_attributes"] == {"status": "past_due"}
    assert back["data"]["object"]["status"] == "active"
    assert (await sandbox_ok(url, "GET", f"/v1/subscriptions/{subscription['id']}"))["status"] == "active"


@pytest.mark.timeout(60)
async def test_a_renewal_needing_authentication_asks_for_action(
    localstripe_factory: LocalStripeFactory, receiver: tuple[EventCollector, str]
) -> None:
    got, hook_url = receiver
    emulator = localstripe_factory()
    emulator.register_webhook("wh_clocks", hook_url, SECRET)
    url = emulator.url
    now = int(time.time())
    clock, customer, subscription = await _subscribed_on_clock(url, now)
    await _card(url, customer["id"], THREE_D_SECURE_CARD)
    await sandbox_ok(
        url, "POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": now + 32 * DAY}
    )
    await _ready(url, clock["id"])
    renewed = await sandbox_ok(url, "GET", f"/v1/subscriptions/{subscription['id']}")
    invoice = await sandbox_ok(url, "GET", f"/v1/invoices/{renewed['latest_invoice']}")
    assert (renewed["status"], invoice["status"], invoice["attempt_count"]) == ("past_due", "open", 1)
    intent = await sandbox_ok(url, "GET", f"/v1/payment_intents/{invoice['payment_intent']}")
    assert intent["status"] == "requires_action" and intent["next_action"] is not None
    await got.wait_for("invoice.payment_action_required", invoice["id"])
    await got.wait_for("invoice.payment_failed", invoice["id"])
    await got.wait_for("payment_intent.requires_action", intent["id"])


async def test_bad_clock_requests_are_refused_as_stripe_does(localstripe_factory: LocalStripeFactory) -> None:
    url = localstripe_factory().url
    assert (await sandbox_call(url, "GET", "/v1/test_helpers/test_clocks/clock_unknown")).status_code == 404
    assert (await sandbox_call(url, "POST", "/v1/test_helpers/test_clocks", {})).status_code == 400
    assert (await sandbox_call(url, "POST", "/v1/test_helpers/test_clocks", {"frozen_time": "soon"})).status_code == 400
    clock = await sandbox_ok(url, "POST", "/v1/test_helpers/test_clocks", {"frozen_time": "1700000000"})
    assert clock["name"] is None
    backwards = await sandbox_call(
        url, "POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": "1"}
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["param"] == "frozen_time"
    unknown = await sandbox_call(
        url, "POST", "/v1/customers", {"email": "x@example.com", "test_clock": "clock_unknown"}
    )
    assert unknown.status_code == 404
    listed = await sandbox_ok(url, "GET", "/v1/test_helpers/test_clocks")
    assert [c["id"] for c in listed["data"]] == [clock["id"]]
    deleted = await sandbox_ok(url, "DELETE", f"/v1/test_helpers/test_clocks/{clock['id']}")
    assert deleted == {"id": clock["id"], "object": "test_helpers.test_clock", "deleted": True}
    async with httpx.AsyncClient(timeout=10) as anonymous:
        assert (await anonymous.get(f"{url}/v1/test_helpers/test_clocks")).status_code == 401
