"""Disputes end to end: triggered at the sandbox, mirrored by the worker, read, watched live, answered with evidence.

The session gateway's emulator is the sandbox (`sandbox.server`): `POST /_sandbox/disputes` opens a
dispute on a payment made through the gateway, and its `charge.dispute.*` events reach the gateway's
webhook endpoint like any other Stripe event (issue 15).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import (
    DISPUTE_STATUS_CHANGED,
    errors_of,
    first_message,
    live_socket,
    next_payload,
    subscribe,
    wait_subscribed,
)
from tests.support.localstripe import LocalStripe, stripe_request
from tests.support.operations import create_payment, create_session, customer_with_card, new_key, payload_of

DISPUTE_FIELDS = "id stripeId status amount currency reason evidenceDueBy createdAt payment { id stripeId }"

PAYMENT_DISPUTES = f"""
query($id: ID!) {{ payment(id: $id) {{ id disputes {{ edges {{ node {{ {DISPUTE_FIELDS} }} }} }} }} }}
"""

DISPUTES = """
query($status: DisputeStatus) { disputes(status: $status) { edges { node { id status } } } }
"""

NODE = """query($id: ID!) { node(id: $id) { id ... on Dispute { status amount } } }"""

SUBMIT_EVIDENCE = f"""
mutation($key: String!, $input: SubmitDisputeEvidenceInput!) {{
  submitDisputeEvidence(idempotencyKey: $key, input: $input) {{
    dispute {{ {DISPUTE_FIELDS} }} userErrors {{ code message field }}
  }}
}}"""


async def wait_for_dispute_status(
    ws: ClientConnection, operation_id: str, status: str, timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    event: dict[str, Any] = {}
    while event.get("status") != status:
        result = await next_payload(ws, operation_id, deadline - time.monotonic())
        assert "errors" not in result, result
        event = result["data"]["disputeStatusChanged"]
    return event


def trigger_dispute(emulator_url: str, payment_intent: str, **params: str) -> dict[str, Any]:
    """The card holder's bank disputes the payment (the sandbox's test-mode trigger)."""
    return stripe_request(emulator_url, "POST", "/_sandbox/disputes", data={"payment_intent": payment_intent, **params})


def codes_of(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


@pytest.mark.timeout(90)
async def test_a_dispute_reaches_the_payment_a_subscriber_and_is_answered_with_evidence(
    gateway: GatewayProcess, graphql: GraphQLClient, admin_api_key: str, api_key: str, localstripe: LocalStripe
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 4200)
    assert payment["status"] == "SUCCEEDED", payment

    async with live_socket(gateway, api_key) as ws:
        operation_id = await subscribe(ws, DISPUTE_STATUS_CHANGED, {"customerId": customer["id"]})
        await wait_subscribed(gateway)
        started = time.monotonic()
        opened = trigger_dispute(localstripe.url, payment["stripeId"], reason="product_not_received", amount="4000")
        event = await wait_for_dispute_status(ws, operation_id, "NEEDS_RESPONSE")
        print(f"dispute triggered at the sandbox -> WebSocket frame: {(time.monotonic() - started) * 1000:.0f} ms")
        assert event["previousStatus"] is None
        assert event["eventId"].startswith("evt_")
        dispute = event["dispute"]
        assert dispute["stripeId"] == opened["id"]
        assert dispute["payment"] == {"id": payment["id"], "stripeId": payment["stripeId"]}
        assert (dispute["amount"], dispute["currency"], dispute["reason"]) == (4000, "usd", "product_not_received")
        assert dispute["evidenceDueBy"] is not None

        # The payment answers its dispute; so do the root list and node(id).
        body = await graphql.execute(PAYMENT_DISPUTES, {"id": payment["id"]})
        assert "errors" not in body, body
        assert [edge["node"] for edge in body["data"]["payment"]["disputes"]["edges"]] == [dispute]
        body = await graphql.execute(DISPUTES, {"status": "NEEDS_RESPONSE"})
        assert {"id": dispute["id"], "status": "NEEDS_RESPONSE"} in [
            e["node"] for e in body["data"]["disputes"]["edges"]
        ]
        body = await graphql.execute(NODE, {"id": dispute["id"]})
        assert body["data"]["node"] == {"id": dispute["id"], "status": "NEEDS_RESPONSE", "amount": 4000}

        # A `read,write` key may not answer a dispute: admin keys only.
        evidence = {
            "productDescription": "A brass desk lamp",
            "uncategorizedText": "Delivered on 2026-11-02, signed for.",
            "shippingTrackingNumber": "1Z999AA10123456784",
        }
        variables = {"key": new_key(), "input": {"disputeId": dispute["id"], "evidence": evidence, "submit": True}}
        assert codes_of(await graphql.execute(SUBMIT_EVIDENCE, variables)) == ["FORBIDDEN"]

        async with GraphQLClient(gateway.url, token=admin_api_key) as admin:
            started = time.monotonic()
            body = await admin.execute(SUBMIT_EVIDENCE, variables)
            answer = payload_of(body, "submitDisputeEvidence")
            assert answer["userErrors"] == [], answer
            assert answer["dispute"]["status"] == "UNDER_REVIEW"
            event = await wait_for_dispute_status(ws, operation_id, "UNDER_REVIEW")
            print(f"submitDisputeEvidence -> UNDER_REVIEW frame: {(time.monotonic() - started) * 1000:.0f} ms")
            assert event["previousStatus"] == "NEEDS_RESPONSE"
            assert event["dispute"]["id"] == dispute["id"]
            # The same key again: the first answer, and Stripe is not asked twice.
            assert payload_of(await admin.execute(SUBMIT_EVIDENCE, variables), "submitDisputeEvidence") == answer
            # Under review: no more evidence (a userError, not a 500).
            again = {"key": new_key(), "input": {"disputeId": dispute["id"], "evidence": {"uncategorizedText": "x"}}}
            late = payload_of(await admin.execute(SUBMIT_EVIDENCE, again), "submitDisputeEvidence")
            assert [(e["code"], e["field"]) for e in late["userErrors"]] == [
                ("VALIDATION_FAILED", ["input", "disputeId"])
            ]
        at_stripe = stripe_request(localstripe.url, "GET", f"/v1/disputes/{opened['id']}")
        assert at_stripe["evidence"]["product_description"] == evidence["productDescription"]
        assert at_stripe["evidence"]["shipping_tracking_number"] == evidence["shippingTrackingNumber"]
        assert at_stripe["evidence_details"]["submission_count"] == 1

        # The bank decides: WON, live.
        stripe_request(localstripe.url, "POST", f"/_sandbox/disputes/{opened['id']}/close", data={"status": "won"})
        event = await wait_for_dispute_status(ws, operation_id, "WON")
        assert event["previousStatus"] == "UNDER_REVIEW"
        assert event["dispute"]["status"] == "WON"


@pytest.mark.timeout(90)
async def test_a_session_sees_and_watches_its_own_disputes_only_and_may_not_answer_them(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    a, _ = await customer_with_card(graphql, localstripe.url)
    b, _ = await customer_with_card(graphql, localstripe.url)
    a_payment = await create_payment(graphql, a["id"], 1500)
    b_payment = await create_payment(graphql, b["id"], 1600)
    a_session = (await create_session(graphql, a["id"], ttlSeconds=600))["token"]

    async with live_socket(gateway, a_session) as ws:
        own = await subscribe(ws, DISPUTE_STATUS_CHANGED, {})
        await wait_subscribed(gateway)
        trigger_dispute(localstripe.url, b_payment["stripeId"])
        trigger_dispute(localstripe.url, a_payment["stripeId"])
        event = await wait_for_dispute_status(ws, own, "NEEDS_RESPONSE")
        # Its own customer's dispute only, though B's was opened first.
        assert event["dispute"]["payment"]["id"] == a_payment["id"]
        a_dispute = event["dispute"]["id"]

    # B's dispute, as the API key sees it.
    body = await graphql.execute(PAYMENT_DISPUTES, {"id": b_payment["id"]})
    edges: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not edges and time.monotonic() < deadline:  # B's event may still be on its way to the worker
        body = await graphql.execute(PAYMENT_DISPUTES, {"id": b_payment["id"]})
        edges = body["data"]["payment"]["disputes"]["edges"]
    assert edges, body
    b_dispute = edges[0]["node"]["id"]

    async with GraphQLClient(gateway.url, token=a_session) as frontend:
        listed = await frontend.execute(DISPUTES, {})
        assert "errors" not in listed, listed
        assert [e["node"]["id"] for e in listed["data"]["disputes"]["edges"]] == [a_dispute]
        assert (await frontend.execute(NODE, {"id": a_dispute}))["data"]["node"]["id"] == a_dispute
        theirs = await frontend.execute(NODE, {"id": b_dispute})
        assert codes_of(theirs) == ["FORBIDDEN"] and theirs["data"]["node"] is None
        assert b["email"] not in json.dumps(theirs)
        for dispute_id in (a_dispute, b_dispute):
            variables = {
                "key": new_key(),
                "input": {"disputeId": dispute_id, "evidence": {"uncategorizedText": "mine"}, "submit": True},
            }
            body = await frontend.execute(SUBMIT_EVIDENCE, variables)
            assert codes_of(body) == ["FORBIDDEN"], body
            assert body["data"] is None or body["data"]["submitDisputeEvidence"] is None

    async with live_socket(gateway, a_session) as ws:
        operation_id = await subscribe(ws, DISPUTE_STATUS_CHANGED, {"disputeId": b_dispute})
        message = await first_message(ws, operation_id, 5)
        assert [e.get("extensions", {}).get("code") for e in errors_of(message)] == ["FORBIDDEN"], message
