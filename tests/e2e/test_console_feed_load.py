"""Issue 17: the live feed stays usable under a burst: updates batched, the list bounded to 200 rows.

The page is the real console of the session gateway; its WebSocket is answered by Playwright
(`route_web_socket`) speaking graphql-transport-ws, so 1,000 `paymentStatusChanged` frames
(a minute's worth at the target rate) arrive in one burst, faster than any real gateway sends them.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, WebSocketRoute

from tests.support.browser import artifact_path
from tests.support.gateway import GatewayProcess

pytestmark = pytest.mark.asyncio(loop_scope="session")

EVENTS = 1000
ROWS = 200
SUBSCRIPTIONS = 4


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, gateway: GatewayProcess) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=gateway.url)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


def frame(n: int) -> str:
    change = {
        "eventId": f"evt_load_{n}",
        "occurredAt": "2026-12-04T12:00:00+00:00",
        "status": "SUCCEEDED",
        "previousStatus": "PROCESSING",
        "payment": {
            "id": f"load-{n}",
            "stripeId": f"pi_load_{n:04d}",
            "amount": 100 + n,
            "currency": "usd",
            "customer": {"id": "c", "email": "load@example.com"},
        },
    }
    return json.dumps({"id": "{id}", "type": "next", "payload": {"data": {"paymentStatusChanged": change}}})


async def test_a_burst_of_1000_events_is_drawn_in_a_few_batches_and_keeps_200_rows(
    page: Page, admin_api_key: str
) -> None:
    subscribed: dict[str, str] = {}
    sockets: list[WebSocketRoute] = []

    def serve(ws: WebSocketRoute) -> None:
        sockets.append(ws)

        def on_message(message: str | bytes) -> None:
            parsed = json.loads(message)
            if parsed["type"] == "connection_init":
                ws.send(json.dumps({"type": "connection_ack"}))
            elif parsed["type"] == "subscribe":
                subscribed[parsed["payload"]["query"].split("{")[1].split()[0]] = parsed["id"]

        ws.on_message(on_message)

    await page.route_web_socket("**/graphql", serve)
    await page.goto("/console")
    await page.get_by_label("Admin API key").fill(admin_api_key)
    await page.get_by_role("button", name="Sign in").click()
    await page.locator("#feed-connection").filter(has_text="Live").wait_for()
    deadline = time.monotonic() + 10
    while len(subscribed) < SUBSCRIPTIONS:
        assert time.monotonic() < deadline, subscribed
        await page.wait_for_timeout(20)  # yields to Playwright while it delivers the subscribe messages
    await page.evaluate(
        """() => {
            window.__flushes = 0;
            new MutationObserver(() => { window.__flushes += 1; })
                .observe(document.getElementById('feed-rows'), { childList: true });
        }"""
    )
    ws_id = json.dumps(subscribed["paymentStatusChanged"])
    started = time.monotonic()
    for n in range(EVENTS):
        sockets[-1].send(frame(n).replace('"{id}"', ws_id))
    newest = page.locator("#feed-rows tr").first
    await page.locator('#feed-rows tr[data-object-id="load-999"]').wait_for()
    drawn = time.monotonic() - started
    assert await newest.get_attribute("data-object-id") == "load-999"
    assert await page.locator("#feed-rows tr").count() == ROWS
    flushes = await page.evaluate("window.__flushes")
    print(f"{EVENTS} events drawn in {drawn:.2f} s with {flushes} DOM batches")
    # One batch per 250 ms at most (plus the one in flight when the burst began).
    assert flushes <= drawn / 0.25 + 2, flushes
    assert "new status change" in (await page.locator("#feed-announce").inner_text())
    await page.screenshot(path=str(artifact_path("console-feed-burst.png")))
