"""Amounts past 32 bits round-trip exactly (issue 12, item 2, acceptance 2).

One gateway on PostgreSQL and its own Redis, a real `billing-gateway worker`, localstripe. In
IDR (two decimals at Stripe; 10^12 minor units is IDR 10 billion):

- payments: `createPayment` of 10^12, and a PaymentIntent of 10^12 made at the emulator (so
  only its webhook brings it to the mirror);
- an invoice of 10^12: `createSubscription` on a plan of 10^12;
- refunds of 10^12: `refundPayment` of the emulator's payment (all that is left), and one made
  at the emulator for the invoice's payment. localstripe sends no refund events, so the test
  sends the `refund.created` Stripe would, signed, with the emulator's own refund object.

Each amount is checked in the mutation's answer, the live event (published by the worker after
it applied the webhook), the mirror's row, a by-id read and a list read, as a JSON integer.
Refunds have no live event: a refund changes no status, and only status changes are published.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import WEBHOOK_SECRET, GatewayFactory
from tests.support.graphql import GraphQLClient
from tests.support.live import live_socket, next_payload, subscribe, wait_subscribed
from tests.support.localstripe import confirmed_payment_intent, create_plan, stripe_request
from tests.support.operations import USER_ERRORS, customer_with_card, new_key, payload_of
from tests.support.webhook_load import signature, wait_all_processed, wait_ready, worker_process

BIG = 10**12
CURRENCY = "idr"

PAYMENT = "id stripeId status amount amountReceived amountRefunded currency"
INVOICE = "id stripeId status amountDue amountPaid amountRemaining total currency"

CREATE_PAYMENT = f"""
mutation($key: String!, $input: CreatePaymentInput!) {{
  createPayment(idempotencyKey: $key, input: $input) {{ payment {{ {PAYMENT} }} {USER_ERRORS} }}
}}"""
REFUND_PAYMENT = f"""
mutation($key: String!, $input: RefundPaymentInput!) {{
  refundPayment(idempotencyKey: $key, input: $input) {{
    refund {{ id stripeId amount currency payment {{ {PAYMENT} }} }} {USER_ERRORS}
  }}
}}"""
CREATE_SUBSCRIPTION = f"""
mutation($key: String!, $input: CreateSubscriptionInput!) {{
  createSubscription(idempotencyKey: $key, input: $input) {{
    subscription {{ id latestInvoice {{ {INVOICE} payment {{ {PAYMENT} }} }} }} {USER_ERRORS}
  }}
}}"""
PAYMENT_EVENTS = f"""
subscription($customerId: ID) {{
  paymentStatusChanged(customerId: $customerId) {{ status payment {{ {PAYMENT} }} }}
}}"""
INVOICE_EVENTS = f"""
subscription($customerId: ID) {{
  invoiceStatusChanged(customerId: $customerId) {{ status invoice {{ {INVOICE} }} }}
}}"""
READS = f"""
query($customer: ID!, $p1: ID!, $p2: ID!, $p3: ID!, $invoice: ID!, $r2: ID!, $r3: ID!, $subscription: ID!) {{
  p1: payment(id: $p1) {{ {PAYMENT} }}
  p2: payment(id: $p2) {{ {PAYMENT} refunds {{ edges {{ node {{ id amount }} }} }} }}
  p3: payment(id: $p3) {{ {PAYMENT} refunds {{ edges {{ node {{ id amount }} }} }} }}
  invoice(id: $invoice) {{ {INVOICE} payment {{ amount }} }}
  r2: node(id: $r2) {{ ... on Refund {{ amount currency payment {{ amountRefunded }} }} }}
  r3: node(id: $r3) {{ ... on Refund {{ amount currency payment {{ amountRefunded }} }} }}
  payments(customerId: $customer, first: 10) {{ edges {{ node {{ {PAYMENT} }} }} }}
  invoices(customerId: $customer, first: 10) {{ edges {{ node {{ {INVOICE} }} }} }}
  customer(id: $customer) {{
    payments {{ edges {{ node {{ id amount }} }} }} invoices {{ edges {{ node {{ id total }} }} }}
  }}
  prices(first: 100) {{ edges {{ node {{ stripeId unitAmount currency }} }} }}
  upcomingInvoice(subscriptionId: $subscription) {{ amountDue subtotal total currency }}
}}"""


def exactly(value: Any, expected: int) -> None:
    """A JSON integer equal to `expected` (not a float, not a string)."""
    assert type(value) is int and value == expected, f"{value!r} != {expected}"


async def events_until(
    ws: ClientConnection, operation_id: str, field: str, key: str, wanted: dict[str, str], timeout: float
) -> dict[str, dict[str, Any]]:
    """The latest event of each object whose Stripe id is in `wanted`, until each has the status wanted of it."""
    deadline = time.monotonic() + timeout
    latest: dict[str, dict[str, Any]] = {}
    while any(latest.get(stripe_id, {}).get("status") != status for stripe_id, status in wanted.items()):
        result = await next_payload(ws, operation_id, deadline - time.monotonic())
        assert "errors" not in result, result
        event = result["data"][field]
        if event[key] is not None:
            latest[event[key]["stripeId"]] = event
    return latest


async def mirror_rows(database_url: str, table: str, columns: str, stripe_ids: list[str]) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            f"SELECT stripe_id, {columns} FROM {table} WHERE stripe_id = ANY($1::text[])", stripe_ids
        )
    finally:
        await conn.close()
    return {row["stripe_id"]: dict(row) for row in rows}


@pytest.mark.timeout(240)
async def test_amounts_of_twelve_and_thirteen_digits_round_trip_exactly(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory, redis_url: str, test_logs: Path
) -> None:
    emulator = localstripe_factory()
    gateway = await gateway_factory(localstripe=emulator, redis_url=redis_url)
    worker = worker_process(gateway.env, test_logs / f"big-amounts-worker-{time.monotonic_ns()}.log", threads=2)
    worker.spawn()
    try:
        await wait_ready(worker)
        key = gateway.create_api_key("read,write", name="big-amounts")
        async with GraphQLClient(gateway.url, key) as client:
            customer, card = await customer_with_card(client, emulator.url)
            plan = create_plan(emulator.url, amount=BIG, currency=CURRENCY)
            async with live_socket(gateway, key) as payments_ws, live_socket(gateway, key) as invoices_ws:
                payments_op = await subscribe(payments_ws, PAYMENT_EVENTS, {"customerId": customer["id"]})
                invoices_op = await subscribe(invoices_ws, INVOICE_EVENTS, {"customerId": customer["id"]})
                await wait_subscribed(gateway, 2)

                # --- mutation: a payment of 10^12.
                body = await client.execute(
                    CREATE_PAYMENT,
                    {
                        "key": new_key(),
                        "input": {"customerId": customer["id"], "amount": BIG, "currency": CURRENCY},
                    },
                )
                p1 = payload_of(body, "createPayment")["payment"]
                assert p1["status"] == "SUCCEEDED", p1
                exactly(p1["amount"], BIG)
                exactly(p1["amountReceived"], BIG)

                # --- webhook only: a PaymentIntent of 10^12 made at the emulator.
                intent = confirmed_payment_intent(emulator.url, customer["stripeId"], card["stripeId"], BIG, CURRENCY)

                # --- mutation: an invoice of 10^12 (the subscription's first), paid with the default card.
                body = await client.execute(
                    CREATE_SUBSCRIPTION,
                    {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}},
                )
                created = payload_of(body, "createSubscription")
                assert created["userErrors"] == [], created
                invoice = created["subscription"]["latestInvoice"]
                assert invoice["status"] == "PAID", invoice
                for field in ("amountDue", "amountPaid", "total"):
                    exactly(invoice[field], BIG)
                exactly(invoice["amountRemaining"], 0)
                p3 = invoice["payment"]
                exactly(p3["amount"], BIG)

                # --- live: the worker applied each webhook, then published the mirrored object.
                payment_events = await events_until(
                    payments_ws,
                    payments_op,
                    "paymentStatusChanged",
                    "payment",
                    {p1["stripeId"]: "SUCCEEDED", intent["id"]: "SUCCEEDED", p3["stripeId"]: "SUCCEEDED"},
                    timeout=30,
                )
                exactly(payment_events[p1["stripeId"]]["payment"]["amount"], BIG)
                exactly(payment_events[intent["id"]]["payment"]["amount"], BIG)
                exactly(payment_events[intent["id"]]["payment"]["amountReceived"], BIG)
                exactly(payment_events[p3["stripeId"]]["payment"]["amount"], BIG)
                p2 = payment_events[intent["id"]]["payment"]
                invoice_events = await events_until(
                    invoices_ws, invoices_op, "invoiceStatusChanged", "invoice", {invoice["stripeId"]: "PAID"}, 30
                )
                live_invoice = invoice_events[invoice["stripeId"]]["invoice"]
                for field in ("amountDue", "amountPaid", "total"):
                    exactly(live_invoice[field], BIG)

            # --- mutation: refund all of the emulator's payment (10^12), and 10^12 of the mutation's one.
            body = await client.execute(REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": p2["id"]}})
            r2 = payload_of(body, "refundPayment")
            assert r2["userErrors"] == [], r2
            exactly(r2["refund"]["amount"], BIG)
            exactly(r2["refund"]["payment"]["amountRefunded"], BIG)
            body = await client.execute(
                REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": p1["id"], "amount": BIG}}
            )
            r1 = payload_of(body, "refundPayment")
            assert r1["userErrors"] == [], r1
            exactly(r1["refund"]["amount"], BIG)
            exactly(r1["refund"]["payment"]["amountRefunded"], BIG)

            # --- webhook only: a refund of 10^12 made at the emulator, announced as Stripe would.
            r3 = stripe_request(
                emulator.url,
                "POST",
                "/v1/refunds",
                data={"payment_intent": p3["stripeId"], "amount": str(BIG)},
            )
            refund_object = stripe_request(emulator.url, "GET", f"/v1/refunds/{r3['id']}")
            exactly(refund_object["amount"], BIG)
            event_id = f"evt_big_{r3['id']}"
            event = {
                "id": event_id,
                "object": "event",
                "type": "refund.created",
                "created": int(time.time()),
                "api_version": "2025-06-30.basil",
                "livemode": False,
                "data": {"object": refund_object},
            }
            raw = json.dumps(event).encode()
            async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
                answer = await http.post(
                    "/webhooks/stripe",
                    content=raw,
                    headers={"Content-Type": "application/json", "Stripe-Signature": signature(raw, WEBHOOK_SECRET)},
                )
            assert answer.status_code == 200, answer.text
            await wait_all_processed(gateway.database_url, [event_id], timeout=30)

            # --- the mirror holds every figure exactly (64-bit columns).
            payments = await mirror_rows(
                gateway.database_url,
                "payments",
                "amount, amount_received, amount_refunded",
                [p1["stripeId"], intent["id"], p3["stripeId"]],
            )
            assert payments[p1["stripeId"]] == {
                "stripe_id": p1["stripeId"],
                "amount": BIG,
                "amount_received": BIG,
                "amount_refunded": BIG,
            }
            for stripe_id in (intent["id"], p3["stripeId"]):
                assert payments[stripe_id] == {
                    "stripe_id": stripe_id,
                    "amount": BIG,
                    "amount_received": BIG,
                    "amount_refunded": BIG,
                }
            [invoice_row] = (
                await mirror_rows(
                    gateway.database_url, "invoices", "amount_due, amount_paid, total", [invoice["stripeId"]]
                )
            ).values()
            assert (invoice_row["amount_due"], invoice_row["amount_paid"], invoice_row["total"]) == (BIG, BIG, BIG)
            refunds = await mirror_rows(
                gateway.database_url,
                "refunds",
                "amount",
                [r1["refund"]["stripeId"], r2["refund"]["stripeId"], r3["id"]],
            )
            assert {stripe_id: row["amount"] for stripe_id, row in refunds.items()} == {
                r1["refund"]["stripeId"]: BIG,
                r2["refund"]["stripeId"]: BIG,
                r3["id"]: BIG,
            }
            [price_row] = (await mirror_rows(gateway.database_url, "prices", "unit_amount", [plan])).values()
            assert price_row["unit_amount"] == BIG

            # --- reads: by id and in lists, as JSON integers.
            r3_id = await refund_global_id(gateway.database_url, r3["id"])
            body = await client.execute(
                READS,
                {
                    "customer": customer["id"],
                    "p1": p1["id"],
                    "p2": p2["id"],
                    "p3": p3["id"],
                    "invoice": invoice["id"],
                    "r2": r2["refund"]["id"],
                    "r3": r3_id,
                    "subscription": created["subscription"]["id"],
                },
            )
            assert "errors" not in body, body
            data = body["data"]
            exactly(data["p1"]["amount"], BIG)
            exactly(data["p1"]["amountRefunded"], BIG)
            for alias in ("p2", "p3"):
                exactly(data[alias]["amount"], BIG)
                exactly(data[alias]["amountReceived"], BIG)
                exactly(data[alias]["amountRefunded"], BIG)
                [edge] = data[alias]["refunds"]["edges"]
                exactly(edge["node"]["amount"], BIG)
            for field in ("amountDue", "amountPaid", "total"):
                exactly(data["invoice"][field], BIG)
            exactly(data["invoice"]["payment"]["amount"], BIG)
            for alias in ("r2", "r3"):
                exactly(data[alias]["amount"], BIG)
                exactly(data[alias]["payment"]["amountRefunded"], BIG)
            listed = {edge["node"]["stripeId"]: edge["node"] for edge in data["payments"]["edges"]}
            exactly(listed[p1["stripeId"]]["amount"], BIG)
            exactly(listed[intent["id"]]["amount"], BIG)
            exactly(listed[p3["stripeId"]]["amountRefunded"], BIG)
            nested = {edge["node"]["id"]: edge["node"]["amount"] for edge in data["customer"]["payments"]["edges"]}
            assert nested == {p1["id"]: BIG, p2["id"]: BIG, p3["id"]: BIG}
            [listed_invoice] = [edge["node"] for edge in data["invoices"]["edges"]]
            exactly(listed_invoice["total"], BIG)
            exactly(data["customer"]["invoices"]["edges"][0]["node"]["total"], BIG)
            [price] = [edge["node"] for edge in data["prices"]["edges"] if edge["node"]["stripeId"] == plan]
            exactly(price["unitAmount"], BIG)
            # Stripe's preview of the next invoice (not mirrored): the same plan, 10^12 again.
            exactly(data["upcomingInvoice"]["total"], BIG)
    finally:
        worker.stop()


async def refund_global_id(database_url: str, stripe_id: str) -> str:
    """The GraphQL id of a refund the mirror holds (it came by webhook: no mutation answered it)."""
    from base.ids import to_global_id

    conn = await asyncpg.connect(database_url)
    try:
        pk = await conn.fetchval("SELECT id FROM refunds WHERE stripe_id = $1", stripe_id)
    finally:
        await conn.close()
    assert pk is not None, f"refund {stripe_id} is not mirrored"
    return to_global_id("Refund", pk)
