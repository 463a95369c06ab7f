"""Issue 17, acceptance 4: axe-core finds no serious or critical violation on any console page.

axe-core comes from npm (tests/axe: package.json + package-lock.json, installed by
`ensure_node_packages`), is injected into each page and run with `axe.run()`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from tests.support.browser import artifact_path
from tests.support.gateway import GatewayProcess
from tests.support.node import NodeUnavailableError, ensure_node_packages
from tests.support.process import REPO_ROOT

pytestmark = pytest.mark.asyncio(loop_scope="session")

AXE_DIR = REPO_ROOT / "tests" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "feed": "#feed-connection",
    "customer": "#customer-query",
    "webhooks": "#inbox-rows",
    "revenue": "#revenue-charts figure",
    "audit": "#audit-form",
}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_script() -> str:
    try:
        ensure_node_packages(AXE_DIR)
    except NodeUnavailableError as exc:
        pytest.fail(str(exc))
    assert AXE_JS.is_file(), AXE_JS
    return str(AXE_JS)


@pytest_asyncio.fixture(loop_scope="session")
async def signed_in(browser: Browser, gateway: GatewayProcess, admin_api_key: str) -> AsyncIterator[Page]:
    # The console's CSP refuses inline scripts, which is how Playwright injects axe: bypassed for the scan only.
    context = await browser.new_context(base_url=gateway.url, bypass_csp=True)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def blocking_violations(page: Page, axe_script: str) -> list[dict[str, Any]]:
    await page.add_script_tag(path=axe_script)
    result: dict[str, Any] = await page.evaluate("axe.run(document)")
    assert result["passes"], "axe checked nothing"
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations],
        indent=1,
    )


async def test_sign_in_page_has_no_serious_violations(signed_in: Page, axe_script: str) -> None:
    page = signed_in
    await page.goto("/console")
    await page.get_by_label("Admin API key").wait_for()
    found = await blocking_violations(page, axe_script)
    await page.screenshot(path=str(artifact_path("console-a11y-signin.png")))
    assert found == [], describe(found)


@pytest.mark.parametrize("name", list(PAGES))
async def test_console_page_has_no_serious_violations(
    signed_in: Page, axe_script: str, admin_api_key: str, name: str
) -> None:
    page = signed_in
    await page.goto("/console")
    await page.get_by_label("Admin API key").fill(admin_api_key)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Live feed").wait_for()
    await page.goto(f"/console#{name}")
    await page.locator(f"section[data-page={name}]").wait_for()
    await page.locator(PAGES[name]).first.wait_for(state="attached")
    found = await blocking_violations(page, axe_script)
    await page.screenshot(path=str(artifact_path(f"console-a11y-{name}.png")), full_page=True)
    assert found == [], describe(found)
    # Keyboard: from a fresh load the first Tab reaches the skip link; Enter on it moves focus to the page.
    await page.reload()
    await page.locator(f"section[data-page={name}]").wait_for()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
