"""Issue 17, acceptance 1: the operator console at /console, in Debian's Chromium, against a real gateway.

Sign in with an admin key (an HttpOnly, SameSite=Strict cookie; nothing in web storage), see a
payment in the live feed within 2 s of its webhook being applied, find its customer, refund part
of it from the page with the confirm button clicked twice (one refund; both requests carry one
idempotency key), replay a failed inbox event from the page, and find the refund in the audit
search. A screenshot of each page goes to tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import pytest_asyncio
import websockets
from playwright.async_api import Browser, BrowserContext, Page, Request
from websockets.typing import Origin, Subprotocol

from tests.support.browser import artifact_path
from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.operations import create_customer, create_payment, customer_with_card, new_key, payload_of
from tests.support.outbox import webhook_applied
from tests.support.webhook_load import customer_created, post_event

pytestmark = pytest.mark.asyncio(loop_scope="session")

FEED_DEADLINE_MS = 2000
INBOX_DEADLINE_SECONDS = 30.0
POLL_SECONDS = 0.1


@pytest_asyncio.fixture(loop_scope="session")
async def console(browser: Browser, gateway: GatewayProcess, admin_api_key: str) -> AsyncIterator[Page]:
    """A page signed in to the session gateway's console with the admin key."""
    context = await browser.new_context(base_url=gateway.url)
    page = await context.new_page()
    try:
        await sign_in(page, admin_api_key)
        yield page
    finally:
        await context.close()


async def sign_in(page: Page, key: str) -> None:
    await page.goto("/console")
    await page.get_by_label("Admin API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Live feed").wait_for()


async def storage_of(page: Page) -> str:
    return str(await page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"))


async def test_sign_in_gives_an_httponly_strict_cookie_and_stores_no_secret(
    browser: Browser, gateway: GatewayProcess, admin_api_key: str, api_key: str
) -> None:
    context: BrowserContext = await browser.new_context(base_url=gateway.url)
    page = await context.new_page()
    try:
        # A key without admin is refused with a reason, and no cookie is set.
        await page.goto("/console")
        await page.get_by_label("Admin API key").fill(api_key)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("alert").filter(has_text="admin scope").wait_for()
        assert await context.cookies() == []

        await sign_in(page, admin_api_key)
        cookies = await context.cookies()
        assert [c["name"] for c in cookies] == ["bg_console"], cookies
        cookie = cookies[0]
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict", cookie
        assert admin_api_key not in cookie["value"]
        assert "bg_console" not in await page.evaluate("document.cookie")
        stored = await storage_of(page)
        assert stored == "[[],[]]", stored
        await page.screenshot(path=str(artifact_path("console-feed-signed-in.png")))

        # Sign-out revokes the session: a copy of the cookie no longer works.
        await page.get_by_role("button", name="Sign out").click()
        await page.get_by_label("Admin API key").wait_for()
        async with httpx.AsyncClient(base_url=gateway.url, cookies={"bg_console": cookie["value"]}) as http:
            answer = await http.post(
                "/graphql",
                json={"query": "{ auditEvents(first: 1) { edges { cursor } } }"},
                headers={"X-CSRF-Token": "anything"},
            )
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    finally:
        await context.close()


async def test_feed_customer_refund_and_audit(
    console: Page, graphql: GraphQLClient, gateway: GatewayProcess, localstripe: LocalStripe, admin_api_key: str
) -> None:
    page = console
    await page.goto("/console#feed")
    await page.locator("#feed-connection").filter(has_text="Live").wait_for()

    customer, _ = await customer_with_card(graphql, localstripe.url)
    payment = await create_payment(graphql, customer["id"], 500)
    await webhook_applied(gateway.database_url, "payment_intent.succeeded", payment["stripeId"])
    applied = time.monotonic()
    row = page.locator(f'#feed-rows tr[data-object-id="{payment["id"]}"]')
    await row.first.wait_for(timeout=FEED_DEADLINE_MS)
    print(f"feed row {time.monotonic() - applied:.3f} s after webhook_applied returned")
    assert "succeeded" in (await row.first.inner_text())
    await page.screenshot(path=str(artifact_path("console-feed.png")))

    # Filters: hiding payments hides the row; a status filter keeps it.
    await page.get_by_label("Payments").uncheck()
    await row.first.wait_for(state="detached")
    await page.get_by_label("Payments").check()
    await page.get_by_label("Status contains").fill("succ")
    await row.first.wait_for()

    # Customer 360 by email, then the refund with the confirm button clicked twice.
    await page.get_by_role("link", name="Customer 360").click()
    await page.get_by_label("Email or customer id").fill(customer["email"])
    await page.get_by_role("button", name="Find").click()
    payment_row = page.locator(f'tr[data-payment-id="{payment["id"]}"]')
    await payment_row.wait_for()
    await page.screenshot(path=str(artifact_path("console-customer.png")))

    sent: list[dict[str, Any]] = []

    def watch(request: Request) -> None:
        if (
            request.url.endswith("/graphql")
            and request.method == "POST"
            and "refundPayment" in (request.post_data or "")
        ):
            sent.append(json.loads(request.post_data or "{}"))

    page.on("request", watch)
    await page.get_by_role("button", name=f"Refund {payment['stripeId']}").click()
    await page.get_by_label("Amount (USD)").fill("2.00")
    await page.get_by_role("button", name="Review refund").click()
    confirm = page.get_by_role("button", name="Confirm refund")
    await confirm.wait_for()
    # Two clicks in one task: the second is sent while the first is still in flight.
    await confirm.evaluate("button => { button.click(); button.click(); }")
    await page.locator("#refund-result").filter(has_text="Refunded $2.00").wait_for()
    await page.locator("tr[data-refund-id]").first.wait_for()
    await page.screenshot(path=str(artifact_path("console-refund.png")))
    assert len(sent) == 2, sent
    keys = {body["variables"]["key"] for body in sent}
    assert len(keys) == 1, keys

    refunds = await graphql.execute(
        "query($id: ID!) { node(id: $id) { ... on Payment {"
        " amountRefunded refunds { edges { node { id amount } } } } } }",
        {"id": payment["id"]},
    )
    node = refunds["data"]["node"]
    assert node["amountRefunded"] == 200, node
    assert [edge["node"]["amount"] for edge in node["refunds"]["edges"]] == [200], node
    refund_id = node["refunds"]["edges"][0]["node"]["id"]
    conn = await asyncpg.connect(gateway.database_url)
    try:
        in_db = await conn.fetchval(
            "SELECT count(*) FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.stripe_id = $1",
            payment["stripeId"],
        )
    finally:
        await conn.close()
    assert in_db == 1

    # The audit search finds the refund: by operation and object, with the page's key.
    await page.get_by_role("link", name="Audit").click()
    await page.get_by_label("Operation").fill("refundPayment")
    await page.get_by_label("Object id").fill(refund_id)
    await page.get_by_role("button", name="Search").click()
    audit_rows = page.locator("#audit-rows tr")
    await audit_rows.first.wait_for()
    assert await audit_rows.count() == 1
    assert keys.pop() in await audit_rows.first.inner_text()
    await page.screenshot(path=str(artifact_path("console-audit.png")))

    await page.get_by_role("link", name="Revenue").click()
    await page.locator("#revenue-charts figure").first.wait_for()
    assert await page.locator("#revenue-charts svg").count() == 3
    await page.screenshot(path=str(artifact_path("console-revenue.png")))


async def test_a_failed_inbox_event_is_replayed_from_the_page(console: Page, gateway: GatewayProcess) -> None:
    """One inbox event a worker gave up on is shown with its reason, replayed from the page, and applied.

    The sandbox offers no failure a replay cures (a malformed event fails again; a missing customer is
    applied without its link), so the row is marked failed the way the worker's `release` does after a
    permanent error; what is under test is the page and `replayWebhookEvent`, not how events fail.
    """
    run = uuid.uuid4().hex[:10]
    event = customer_created(run, 1)
    reason = f"InvalidStripeObjectError: simulated permanent failure {run}"
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        assert (await post_event(http, event)).status_code == 200
    await wait_for_inbox(gateway.database_url, event["id"], {"processed"})
    conn = await asyncpg.connect(gateway.database_url)
    try:
        await conn.execute(
            "UPDATE webhook_events SET status = 'failed', last_error = $2, processed_at = NULL"
            " WHERE stripe_event_id = $1",
            event["id"],
            reason,
        )
        await conn.execute("DELETE FROM customers WHERE stripe_id = $1", event["data"]["object"]["id"])
    finally:
        await conn.close()
    orphan = event

    page = console
    await page.goto("/console#webhooks")
    await page.get_by_label("Inbox status").select_option("FAILED")
    await page.get_by_role("button", name="Show").click()
    row = page.locator(f'#inbox-rows tr[data-stripe-event-id="{orphan["id"]}"]')
    await row.wait_for()
    assert reason in await row.inner_text()
    await page.screenshot(path=str(artifact_path("console-webhooks.png")))
    await row.get_by_role("button", name=f"Replay {orphan['id']}").click()
    await page.locator("#inbox-message").filter(has_text=f"Replayed {orphan['id']}").wait_for()
    await wait_for_inbox(gateway.database_url, orphan["id"], {"processed"})
    await page.get_by_label("Inbox status").select_option("PROCESSED")
    await page.get_by_role("button", name="Show").click()
    await page.locator(f'#inbox-rows tr[data-stripe-event-id="{orphan["id"]}"]').wait_for()
    conn = await asyncpg.connect(gateway.database_url)
    try:
        mirrored = await conn.fetchval(
            "SELECT count(*) FROM customers WHERE stripe_id = $1", event["data"]["object"]["id"]
        )
    finally:
        await conn.close()
    assert mirrored == 1, "the replayed customer.created was not applied again"


async def wait_for_inbox(database_url: str, stripe_event_id: str, statuses: set[str]) -> dict[str, Any]:
    """The inbox row once its status is one of `statuses` (polled with a deadline)."""
    deadline = time.monotonic() + INBOX_DEADLINE_SECONDS
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            found = await conn.fetchrow(
                "SELECT status, attempts, last_error FROM webhook_events WHERE stripe_event_id = $1", stripe_event_id
            )
            if found is not None and found["status"] in statuses:
                return dict(found)
            assert time.monotonic() < deadline, f"{stripe_event_id}: {found} not in {statuses}"
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await conn.close()


async def test_cookie_requests_need_the_csrf_header_and_sockets_our_origin(
    gateway: GatewayProcess, admin_api_key: str
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        signed_in = await http.post("/console/session", content=f"api_key={admin_api_key}", headers=form)
        assert signed_in.status_code == 303, signed_in.text
        token = signed_in.cookies["bg_console"]
        query = {"query": "{ auditEvents(first: 1) { edges { cursor } } }"}
        page = await http.get("/console")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]

        without = await http.post("/graphql", json=query)
        assert without.status_code == 403, without.text
        assert without.headers["content-type"].startswith("application/problem+json")
        assert without.json()["code"] == "forbidden" and "X-CSRF-Token" in without.json()["detail"]
        wrong = await http.post("/graphql", json=query, headers={"X-CSRF-Token": "0" * 64})
        assert wrong.status_code == 403, wrong.text
        right = await http.post("/graphql", json=query, headers={"X-CSRF-Token": csrf})
        assert right.status_code == 200 and "errors" not in right.json(), right.text
        foreign_signout = await http.post("/console/signout", content="csrf=wrong", headers=form)
        assert foreign_signout.status_code == 403, foreign_signout.text

    ws_url = gateway.url.replace("http://", "ws://") + "/graphql"
    headers = {"Cookie": f"bg_console={token}"}
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            ws_url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            additional_headers=headers,
            origin=Origin("http://evil.example"),
        ):
            pass
    assert refused.value.response.status_code == 403
    host = gateway.url.removeprefix("http://")
    async with websockets.connect(
        ws_url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        additional_headers=headers,
        origin=Origin(f"http://{host}"),
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"

    # Sign-out with the page's token ends the session for every holder of the cookie.
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30, cookies={"bg_console": token}) as http:
        out = await http.post("/console/signout", content=f"csrf={csrf}", headers=form)
        assert out.status_code == 303, out.text
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30, cookies={"bg_console": token}) as http:
        after = await http.post("/graphql", json=query, headers={"X-CSRF-Token": csrf})
        assert after.status_code == 401, after.text


CREATE_ENDPOINT = """
mutation($key: String!, $input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(idempotencyKey: $key, input: $input) { webhookEndpoint { id } userErrors { code } }
}"""
DELETE_ENDPOINT = """
mutation($key: String!, $input: WebhookEndpointIdInput!) {
  deleteWebhookEndpoint(idempotencyKey: $key, input: $input) { deletedWebhookEndpointId userErrors { code } }
}"""
DELIVERIES = "query($id: ID) { eventDeliveries(endpointId: $id) { id eventId status } }"


async def test_an_outgoing_delivery_is_redelivered_from_the_page(
    console: Page, graphql: GraphQLClient, admin_api_key: str
) -> None:
    """An endpoint nobody answers (port 9) gets a customer.created delivery; Redeliver adds a second one."""
    created = await graphql.execute(
        CREATE_ENDPOINT,
        {"key": new_key(), "input": {"url": "http://127.0.0.1:9/hook", "eventTypes": ["customer.created"]}},
        token=admin_api_key,
    )
    endpoint_id = payload_of(created, "createWebhookEndpoint")["webhookEndpoint"]["id"]
    try:
        await create_customer(graphql)
        deadline = time.monotonic() + INBOX_DEADLINE_SECONDS
        while not (await graphql.execute(DELIVERIES, {"id": endpoint_id}, token=admin_api_key))["data"][
            "eventDeliveries"
        ]:
            assert time.monotonic() < deadline, "no delivery was made for the new customer"
            await asyncio.sleep(POLL_SECONDS)

        page = console
        await page.goto("/console#webhooks")
        await page.get_by_role("cell", name="http://127.0.0.1:9/hook").wait_for()
        redeliver = page.get_by_role("button", name=re.compile(r"^Redeliver customer\.created")).first
        await redeliver.click()
        await page.locator("#delivery-message").filter(has_text="Redelivery queued").wait_for()
        deliveries = (await graphql.execute(DELIVERIES, {"id": endpoint_id}, token=admin_api_key))["data"][
            "eventDeliveries"
        ]
        assert len(deliveries) == 2 and len({d["eventId"] for d in deliveries}) == 1, deliveries
    finally:
        deleted = await graphql.execute(
            DELETE_ENDPOINT, {"key": new_key(), "input": {"id": endpoint_id}}, token=admin_api_key
        )
        assert payload_of(deleted, "deleteWebhookEndpoint")["userErrors"] == []


async def test_sign_in_refuses_foreign_origins_and_big_forms(gateway: GatewayProcess, admin_api_key: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        foreign = await http.post(
            "/console/session", content=f"api_key={admin_api_key}", headers={**form, "Origin": "http://evil.example"}
        )
        assert foreign.status_code == 403 and "bg_console" not in foreign.cookies, foreign.text
        assert foreign.headers["content-type"].startswith("application/problem+json")
        big = await http.post("/console/session", content="api_key=" + "x" * 10_000, headers=form)
        assert big.status_code == 413, big.text
        signout = await http.post("/console/signout", content="csrf=wrong", headers=form)
        assert signout.status_code == 303  # no session: nothing to end, back to the sign-in page
