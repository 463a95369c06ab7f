"""finalizeInvoice and voidInvoice through a real gateway and the sandbox: Stripe call, webhook, mirror, live frame."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import live_socket, next_payload, subscribe, wait_subscribed
from tests.support.localstripe import LocalStripe, create_plan, stripe_request
from tests.support.operations import create_session, customer_with_card, error_codes, new_key, payload_of
from tests.support.poll import POLL_INTERVAL_SECONDS

LINES = "lines { stripeId description amount currency quantity proration period { start end } priceId }"
INVOICE = f"id stripeId status number amountDue currency {LINES}"
USER_ERRORS = "userErrors { code message field }"
FINALIZE = f"""
mutation($key: String!, $input: FinalizeInvoiceInput!) {{
  finalizeInvoice(idempotencyKey: $key, input: $input) {{ invoice {{ {INVOICE} }} {USER_ERRORS} }}
}}"""
VOID = f"""
mutation($key: String!, $input: VoidInvoiceInput!) {{
  voidInvoice(idempotencyKey: $key, input: $input) {{ invoice {{ {INVOICE} }} {USER_ERRORS} }}
}}"""
READ = f"query($id: ID!) {{ invoice(id: $id) {{ {INVOICE} }} }}"
CUSTOMER_INVOICES = "query($id: ID!) { invoices(customerId: $id, first: 10) { edges { node { id stripeId status } } } }"
WATCH = """
subscription($invoiceId: ID) {
  invoiceStatusChanged(invoiceId: $invoiceId) { eventId status previousStatus invoice { id status number } }
}"""


async def mirrored_invoice(client: GraphQLClient, customer_id: str, stripe_id: str, timeout: float = 15.0) -> str:
    """The gateway id of the invoice `stripe_id`, once its webhook (invoice.created) is mirrored."""
    deadline = time.monotonic() + timeout
    while True:
        body = await client.execute(CUSTOMER_INVOICES, {"id": customer_id})
        for edge in body["data"]["invoices"]["edges"]:
            if edge["node"]["stripeId"] == stripe_id:
                node_id: str = edge["node"]["id"]
                return node_id
        assert time.monotonic() < deadline, f"invoice {stripe_id} not mirrored within {timeout:.0f} s"
        await asyncio.sleep(POLL_INTERVAL_SECONDS * 5)


def draft_at_stripe(emulator: LocalStripe, customer_stripe_id: str) -> tuple[dict[str, Any], str]:
    """A draft invoice made at Stripe (as the Dashboard would): a fee and a prorated credit, on a subscribed customer.

    localstripe makes invoices only for customers with a subscription (its plan's line comes along).
    """
    plan = create_plan(emulator.url, amount=2000)
    stripe_request(
        emulator.url, "POST", "/v1/subscriptions", data={"customer": customer_stripe_id, "items[0][plan]": plan}
    )
    for data in (
        {"amount": "1500", "description": "Setup fee"},
        {"amount": "-700", "description": "Unused time", "plan": plan, "proration": "true"},
    ):
        stripe_request(
            emulator.url, "POST", "/v1/invoiceitems", data={"customer": customer_stripe_id, "currency": "usd", **data}
        )
    return stripe_request(emulator.url, "POST", "/v1/invoices", data={"customer": customer_stripe_id}), plan


def processed(gateway: GatewayProcess, event_type: str) -> list[dict[str, Any]]:
    """The gateway's inbox rows of `event_type`."""
    rows: list[dict[str, Any]] = json.loads(gateway.cli("webhooks", "list", "--json", "--limit", "500"))
    return [row for row in rows if row["type"] == event_type]


async def until_processed(gateway: GatewayProcess, event_type: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = processed(gateway, event_type)
        if rows and all(row["status"] == "processed" for row in rows):
            return rows
        assert time.monotonic() < deadline, f"{event_type} not processed within {timeout:.0f} s: {rows}"
        await asyncio.sleep(POLL_INTERVAL_SECONDS * 5)


async def frame_with_status(ws: Any, operation: str, status: str, timeout: float = 15.0) -> dict[str, Any]:
    """The first `invoiceStatusChanged` frame with `status` (frames before it must not be errors)."""
    deadline = time.monotonic() + timeout
    while True:
        payload = await next_payload(ws, operation, max(0.01, deadline - time.monotonic()))
        assert "errors" not in payload, payload
        event: dict[str, Any] = payload["data"]["invoiceStatusChanged"]
        if event["status"] == status:
            return event


async def test_finalize_then_void_end_to_end(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory
) -> None:
    emulator = localstripe_factory()
    gateway = await gateway_factory(localstripe=emulator)
    key = gateway.create_api_key("read,write", "invoice-actions")
    async with GraphQLClient(gateway.url, token=key) as graphql:
        customer, _ = await customer_with_card(graphql, emulator.url)
        draft, plan = draft_at_stripe(emulator, customer["stripeId"])
        invoice_id = await mirrored_invoice(graphql, customer["id"], draft["id"])
        read = (await graphql.execute(READ, {"id": invoice_id}))["data"]["invoice"]
        assert read["status"] == "DRAFT" and read["number"] is None
        # The draft's lines, mirrored from localstripe's own (older) shape.
        assert sorted(line["amount"] for line in read["lines"]) == [-700, 1500, 2000]
        session = (await create_session(graphql, customer["id"]))["token"]

        # A customer session may not finalize or void, even its own invoice: FORBIDDEN, nothing done.
        for document, field in ((FINALIZE, "finalizeInvoice"), (VOID, "voidInvoice")):
            body = await graphql.execute(document, {"key": new_key(), "input": {"id": invoice_id}}, token=session)
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
            assert body["data"] is None or body["data"][field] is None

        # Voiding a draft is refused before Stripe.
        refused = payload_of(
            await graphql.execute(VOID, {"key": new_key(), "input": {"id": invoice_id}}), "voidInvoice"
        )
        assert error_codes(refused) == ["VALIDATION_FAILED"] and refused["userErrors"][0]["field"] == ["input", "id"]
        assert "draft" in refused["userErrors"][0]["message"] and refused["invoice"] is None

        async with live_socket(gateway, key) as ws:
            operation = await subscribe(ws, WATCH, {"invoiceId": invoice_id})
            await wait_subscribed(gateway)

            variables = {"key": new_key(), "input": {"id": invoice_id}}
            started = time.monotonic()
            finalized = payload_of(await graphql.execute(FINALIZE, variables), "finalizeInvoice")
            assert finalized["userErrors"] == [], finalized
            invoice = finalized["invoice"]
            assert invoice["status"] == "OPEN" and invoice["number"] and invoice["amountDue"] == 2800
            lines = {line["description"]: line for line in invoice["lines"]}
            assert lines["Setup fee"]["amount"] == 1500 and lines["Setup fee"]["proration"] is False
            credit = lines["Unused time"]
            assert [line["priceId"] for line in invoice["lines"] if line["amount"] == 2000] == [plan]
            assert credit["amount"] == -700 and credit["proration"] is True and credit["priceId"] == plan
            assert credit["currency"] == "usd" and credit["quantity"] == 1 and credit["period"]["start"]

            frame = await frame_with_status(ws, operation, "OPEN")
            print(f"\nfinalize: live OPEN frame {time.monotonic() - started:.2f} s after the call")
            assert frame["invoice"] == {"id": invoice_id, "status": "OPEN", "number": invoice["number"]}
            assert frame["previousStatus"] in (None, "DRAFT")
            await until_processed(gateway, "invoice.finalized")

            # Replay: the same answer, and Stripe is not asked again (a second finalize would be refused there).
            again = payload_of(await graphql.execute(FINALIZE, variables), "finalizeInvoice")
            assert again == finalized
            # Wrong state with a new key: typed error, nothing sent.
            twice = payload_of(
                await graphql.execute(FINALIZE, {"key": new_key(), "input": {"id": invoice_id}}), "finalizeInvoice"
            )
            assert error_codes(twice) == ["VALIDATION_FAILED"] and "open" in twice["userErrors"][0]["message"]

            void_variables = {"key": new_key(), "input": {"id": invoice_id}}
            voided = payload_of(await graphql.execute(VOID, void_variables), "voidInvoice")
            assert voided["userErrors"] == [], voided
            assert voided["invoice"]["status"] == "VOID" and voided["invoice"]["lines"] == invoice["lines"]
            frame = await frame_with_status(ws, operation, "VOID")
            assert frame["invoice"]["status"] == "VOID"
            await until_processed(gateway, "invoice.voided")
            assert payload_of(await graphql.execute(VOID, void_variables), "voidInvoice") == voided

        read = (await graphql.execute(READ, {"id": invoice_id}))["data"]["invoice"]
        assert read == voided["invoice"]
        assert stripe_request(emulator.url, "GET", f"/v1/invoices/{draft['id']}")["status"] == "void"
        for document, field in ((VOID, "voidInvoice"), (FINALIZE, "finalizeInvoice")):
            late = payload_of(await graphql.execute(document, {"key": new_key(), "input": {"id": invoice_id}}), field)
            assert error_codes(late) == ["VALIDATION_FAILED"] and "void" in late["userErrors"][0]["message"]
