"""Issue 17, acceptance 2: GraphiQL works in an offline browser, served wholly by a development gateway.

Headless Debian Chromium (the `browser` fixture; this machine has no internet) opens `/graphql`,
puts the API key into GraphiQL's Headers editor, types `{ viewer { id } }` into the query editor,
runs it and reads the answer in the response pane. Every request the page makes goes to the
gateway: React and GraphiQL come from `/graphiql/static/` (gateway/graphiql.py), never a CDN.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Request, WebSocket

from tests.support.browser import artifact_path
from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.operations import create_customer

QUERY = "{ viewer { id } }"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOAD_TIMEOUT_MS = 30_000


async def _open_with_key(page: Page, gateway: GatewayProcess, key: str) -> None:
    """Open GraphiQL and put `key` into its Headers editor (prefilled with the placeholder), as a user pastes it."""
    await page.goto(f"{gateway.url}/graphql", wait_until="load")
    await page.locator(".graphiql-query-editor .CodeMirror").wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)
    await page.get_by_role("button", name="Headers").click()
    await page.locator(".graphiql-editor-tool .CodeMirror").filter(has_text="Authorization").click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {key}"}))
    assert key in await page.evaluate(
        "[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
        ".map(element => element.CodeMirror.getValue()).join('\\n')"
    )


async def _query_taken(page: Page) -> None:
    """Wait until GraphiQL has taken the query editor's text (parsed it; the page then mirrors it into `?q=`).

    Its change handler is debounced: a run clicked before it fires would send the previous document.
    """
    await page.wait_for_function(
        "() => new URLSearchParams(location.search).get('q') ==="
        " document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()",
        timeout=LOAD_TIMEOUT_MS,
    )


async def _editor_value(page: Page, selector: str) -> str:
    """The text of the CodeMirror editor inside `selector` (GraphiQL 3's editors are CodeMirror 5)."""
    value = await page.eval_on_selector(f"{selector} .CodeMirror", "element => element.CodeMirror.getValue()")
    assert isinstance(value, str)
    return value


@pytest.mark.asyncio(loop_scope="session")
async def test_graphiql_runs_a_query_offline(browser: Browser, gateway: GatewayProcess, api_key: str) -> None:
    page = await browser.new_page()
    requests: list[str] = []
    sockets: list[str] = []
    failed: list[str] = []

    def on_request(request: Request) -> None:
        requests.append(request.url)

    def on_failed(request: Request) -> None:
        failed.append(f"{request.url}: {request.failure}")

    def on_socket(socket: WebSocket) -> None:
        sockets.append(socket.url)

    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("websocket", on_socket)
    started = time.monotonic()
    try:
        await _open_with_key(page, gateway, api_key)

        # The query, typed key by key into the query editor.
        await page.locator(".graphiql-query-editor .CodeMirror").click()
        await page.keyboard.press("Control+A")
        await page.keyboard.press("Delete")
        await page.keyboard.type(QUERY)
        await page.keyboard.press("Escape")  # closes the autocomplete list, if open
        assert " ".join((await _editor_value(page, ".graphiql-query-editor")).split()) == QUERY
        await _query_taken(page)

        await page.locator(".graphiql-execute-button").click()
        await page.wait_for_function(
            "() => { const pane = document.querySelector('.graphiql-response .CodeMirror');"
            " return pane !== null && pane.CodeMirror.getValue().includes('\"data\"'); }",
            timeout=LOAD_TIMEOUT_MS,
        )
        answer = json.loads(await _editor_value(page, ".graphiql-response"))
        await page.get_by_role("button", name="Variables").click()  # the screenshot shows no key
        shot = artifact_path("graphiql-offline.png")
        await page.screenshot(path=str(shot), full_page=True)
    finally:
        await page.close()

    print(f"GraphiQL loaded and answered in {time.monotonic() - started:.1f} s; {len(requests)} requests")
    # An API key has no customer of its own: `viewer` is null, and no error means the key was accepted.
    assert answer == {"data": {"viewer": None}}, answer
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    remote = [url for url in [*requests, *sockets] if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert not remote, f"the page reached other hosts: {remote}"
    assert any("/graphiql/static/graphiql@" in url for url in requests), requests
    assert not failed, f"requests that failed (an integrity mismatch fails here too): {failed}"


SUBSCRIPTION = 'subscription { events(types: ["customer.created"]) { type objectId } }'


@pytest.mark.asyncio(loop_scope="session")
async def test_graphiql_subscribes_over_the_gateways_websocket(
    browser: Browser, gateway: GatewayProcess, admin_api_key: str, graphql: GraphQLClient
) -> None:
    """GraphiQL's bundled graphql-ws client: the key goes in `connection_init`, an event reaches the response pane.

    `events` is for admin keys; the customer is created with the read-write key of the `graphql` fixture.
    """
    page = await browser.new_page()
    sockets: list[str] = []

    def on_socket(socket: WebSocket) -> None:
        sockets.append(socket.url)

    page.on("websocket", on_socket)
    try:
        await _open_with_key(page, gateway, admin_api_key)
        await page.locator(".graphiql-query-editor .CodeMirror").click()
        await page.keyboard.press("Control+A")
        await page.keyboard.insert_text(SUBSCRIPTION)
        await _query_taken(page)
        await page.locator(".graphiql-execute-button").click()
        # The feed replays from the oldest event, then goes live: the new customer's event comes either way.
        customer = await create_customer(graphql)
        await page.wait_for_function(
            "id => { const pane = document.querySelector('.graphiql-response .CodeMirror');"
            " return pane !== null && pane.CodeMirror.getValue().includes(id); }",
            arg=customer["id"],
            timeout=LOAD_TIMEOUT_MS,
        )
        pane = await _editor_value(page, ".graphiql-response")
        await page.get_by_role("button", name="Variables").click()  # the screenshot shows no key
    finally:
        await page.screenshot(path=str(artifact_path("graphiql-subscription.png")), full_page=True)
        await page.close()
    assert '"customer.created"' in pane, pane
    assert [urlsplit(url).hostname for url in sockets] == ["127.0.0.1"], sockets
