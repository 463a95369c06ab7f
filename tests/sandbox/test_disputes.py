"""The sandbox's disputes: Stripe's documented dispute shape, its endpoints, and the events it emits, signed.

`tests/fixtures/stripe/fixtures.json` (Stripe's own fixtures, vendored) holds no dispute: the shape
checked here is Stripe's API reference for the dispute object (the fields of `DOCUMENTED_*`), and
the charge fixture for the charge a dispute names.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from sandbox import disputes
from sandbox.launcher import StripeSandbox
from stripe_provider.adapter import STRIPE_API_VERSION
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import confirmed_payment_intent, create_test_card, stripe_request
from tests.support.net import free_port
from tests.support.sandbox_events import EventCollector, collecting_events, sandbox_call

SECRET = "whsec_disputes_test"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "stripe" / "fixtures.json"

DOCUMENTED_DISPUTE = {
    "id",
    "object",
    "amount",
    "balance_transactions",
    "charge",
    "created",
    "currency",
    "enhanced_eligibility_types",
    "evidence",
    "evidence_details",
    "is_charge_refundable",
    "livemode",
    "metadata",
    "payment_intent",
    "payment_method_details",
    "reason",
    "status",
}
DOCUMENTED_EVIDENCE_DETAILS = {"due_by", "enhanced_eligibility", "has_evidence", "past_due", "submission_count"}
DOCUMENTED_STATUSES = {
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
    "prevented",
}


def test_a_new_dispute_has_stripes_documented_shape() -> None:
    charge_fixture = json.loads(FIXTURES.read_text())["resources"]["charge"]
    dispute = disputes.new_dispute(
        charge=charge_fixture["id"], payment_intent="pi_1", amount=100, currency="usd", reason="fraudulent", now=1000
    )
    assert set(dispute) == DOCUMENTED_DISPUTE
    assert dispute["object"] == "dispute" and dispute["id"].startswith("dp_")
    assert dispute["status"] in DOCUMENTED_STATUSES and dispute["status"] == "needs_response"
    assert set(dispute["evidence_details"]) == DOCUMENTED_EVIDENCE_DETAILS
    assert dispute["evidence_details"]["due_by"] == 1000 + 7 * 86_400
    assert set(dispute["evidence"]) == {*disputes.EVIDENCE_FIELDS, "enhanced_evidence"}
    assert all(dispute["evidence"][name] is None for name in disputes.EVIDENCE_FIELDS)
    assert dispute["charge"] == charge_fixture["id"]
    assert "disputed" in charge_fixture, "the charge a dispute names says so (`disputed`)"
    assert set(disputes.OPEN_FOR_EVIDENCE) | set(disputes.OPEN_FOR_EVIDENCE.values()) <= DOCUMENTED_STATUSES


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[EventCollector, str]]:
    async with collecting_events(SECRET) as got:
        yield got, got.url


def _paid_intent(url: str, amount: int = 2500) -> dict[str, Any]:
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "disputed@example.com"})
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
    intent: dict[str, Any] = confirmed_payment_intent(url, customer["id"], card, amount)
    assert intent["status"] == "succeeded", intent
    return intent


@pytest.mark.timeout(60)
async def test_a_dispute_is_triggered_read_answered_and_closed_with_its_events(
    localstripe_factory: LocalStripeFactory, receiver: tuple[EventCollector, str]
) -> None:
    got, hook_url = receiver
    emulator = localstripe_factory()
    emulator.register_webhook("wh_disputes", hook_url, SECRET)
    url = emulator.url
    intent = await asyncio.to_thread(_paid_intent, url)

    answer = await sandbox_call(
        url, "POST", "/_sandbox/disputes", {"payment_intent": intent["id"], "reason": "product_not_received"}
    )
    assert answer.status_code == 200, answer.text
    dispute = answer.json()
    assert set(dispute) == DOCUMENTED_DISPUTE
    assert dispute["payment_intent"] == intent["id"]
    charge = stripe_request(url, "GET", f"/v1/charges/{dispute['charge']}")
    assert charge["payment_intent"] == intent["id"] and charge["disputed"] is True
    assert (dispute["amount"], dispute["currency"], dispute["reason"], dispute["status"]) == (
        2500,
        "usd",
        "product_not_received",
        "needs_response",
    )
    created = await got.wait_for("charge.dispute.created", dispute["id"])
    assert created["api_version"] == STRIPE_API_VERSION
    assert created["data"]["object"] == dispute

    assert (await sandbox_call(url, "GET", f"/v1/disputes/{dispute['id']}")).json() == dispute
    listed = (await sandbox_call(url, "GET", "/v1/disputes", {"payment_intent": intent["id"]})).json()
    assert listed["object"] == "list" and [d["id"] for d in listed["data"]] == [dispute["id"]]
    assert (await sandbox_call(url, "GET", "/v1/disputes", {"payment_intent": "pi_other"})).json()["data"] == []

    staged = await sandbox_call(
        url, "POST", f"/v1/disputes/{dispute['id']}", {"evidence[product_description]": "A lamp"}
    )
    assert staged.status_code == 200, staged.text
    assert staged.json()["status"] == "needs_response"
    assert staged.json()["evidence"]["product_description"] == "A lamp"
    submitted = await sandbox_call(
        url, "POST", f"/v1/disputes/{dispute['id']}", {"evidence[uncategorized_text]": "Delivered", "submit": "true"}
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "under_review"
    assert body["evidence"]["product_description"] == "A lamp", "evidence given earlier is kept"
    assert body["evidence_details"]["submission_count"] == 1 and body["evidence_details"]["has_evidence"] is True
    await got.wait_until(
        lambda events: any(
            e["type"] == "charge.dispute.updated" and e["data"]["object"]["status"] == "under_review" for e in events
        ),
        10,
    )
    updated = [e for e in got.events if e["type"] == "charge.dispute.updated"]
    last = next(e for e in updated if e["data"]["object"]["status"] == "under_review")
    assert last["data"]["previous_attributes"]["status"] == "needs_response"
    again = await sandbox_call(
        url, "POST", f"/v1/disputes/{dispute['id']}", {"evidence[uncategorized_text]": "x", "submit": "true"}
    )
    assert again.status_code == 400, "evidence is taken only while the dispute needs a response"

    closed = await sandbox_call(url, "POST", f"/_sandbox/disputes/{dispute['id']}/close", {"status": "won"})
    assert closed.status_code == 200 and closed.json()["status"] == "won"
    event = await got.wait_for("charge.dispute.closed", dispute["id"])
    assert event["data"]["previous_attributes"]["status"] == "under_review"
    assert (
        await sandbox_call(url, "POST", f"/_sandbox/disputes/{dispute['id']}/close", {"status": "lost"})
    ).status_code == 400


async def test_bad_triggers_and_unknown_disputes_are_refused_as_stripe_does(
    localstripe_factory: LocalStripeFactory,
) -> None:
    url = localstripe_factory().url
    assert (await sandbox_call(url, "GET", "/v1/disputes/dp_unknown")).status_code == 404
    assert (await sandbox_call(url, "POST", "/_sandbox/disputes", {})).status_code == 400
    assert (await sandbox_call(url, "POST", "/_sandbox/disputes", {"payment_intent": "pi_unknown"})).status_code == 404
    intent = await asyncio.to_thread(_paid_intent, url, 900)
    assert (
        await sandbox_call(url, "POST", "/_sandbox/disputes", {"payment_intent": intent["id"], "amount": "901"})
    ).status_code == 400
    assert (
        await sandbox_call(url, "POST", "/_sandbox/disputes", {"payment_intent": intent["id"], "reason": "no_reason"})
    ).status_code == 400
    partial = await sandbox_call(url, "POST", "/_sandbox/disputes", {"payment_intent": intent["id"], "amount": "300"})
    assert partial.status_code == 200 and partial.json()["amount"] == 300
    async with httpx.AsyncClient(timeout=10) as anonymous:
        assert (await anonymous.get(f"{url}/v1/disputes")).status_code == 401, "authenticated like every endpoint"


def test_disputes_are_kept_with_the_sandbox_state_across_a_restart(tmp_path: Path, test_logs: Path) -> None:
    state = tmp_path / "state"
    sandbox = StripeSandbox(free_port(), test_logs / "disputes-sandbox.log", state_dir=state, fresh=True, parent=False)
    sandbox.start()
    try:
        intent = _paid_intent(sandbox.url, 700)
        opened = stripe_request(sandbox.url, "POST", "/_sandbox/disputes", data={"payment_intent": intent["id"]})
        stripe_request(sandbox.url, "POST", f"/v1/disputes/{opened['id']}", data={"evidence[customer_name]": "Ada"})
    finally:
        sandbox.stop()
    again = StripeSandbox(free_port(), test_logs / "disputes-sandbox.log", state_dir=state, parent=False)
    again.start()
    try:
        kept = stripe_request(again.url, "GET", f"/v1/disputes/{opened['id']}")
        assert kept["evidence"]["customer_name"] == "Ada" and kept["payment_intent"] == intent["id"]
        listed = stripe_request(again.url, "GET", "/v1/disputes")
        assert [d["id"] for d in listed["data"]] == [opened["id"]]
    finally:
        again.stop()
