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

QUERY = "{ viewer { id } }"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOAD_TIMEOUT_MS = 30_000


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
        await page.goto(f"{gateway.url}/graphql", wait_until="load")
        query_editor = page.locator(".graphiql-query-editor .CodeMirror")
        await query_editor.wait_for(state="visible", timeout=LOAD_TIMEOUT_MS)

        # The Headers editor: prefilled with the placeholder; the key replaces it, as a user pastes it.
        await page.get_by_role("button", name="Headers").click()
        headers_editor = page.locator(".graphiql-editor-tool .CodeMirror").filter(has_text="Authorization")
        await headers_editor.click()
        await page.keyboard.press("Control+A")
        await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {api_key}"}))
        assert api_key in await page.evaluate(
            "[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]"
            ".map(element => element.CodeMirror.getValue()).join('\\n')"
        )

        # The query, typed key by key into the query editor.
        await query_editor.click()
        await page.keyboard.press("Control+A")
        await page.keyboard.press("Delete")
        await page.keyboard.type(QUERY)
        await page.keyboard.press("Escape")  # closes the autocomplete list, if open
        assert " ".join((await _editor_value(page, ".graphiql-query-editor")).split()) == QUERY

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
