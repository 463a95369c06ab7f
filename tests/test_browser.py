"""The browser tests' Chromium (tests/support/browser.py): Debian's, headless, driven by Playwright, offline."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.support.browser import artifact_path

PAGE = """<!doctype html><html lang="en"><title>probe</title>
<button id="go" onclick="document.getElementById('out').textContent = 'clicked ' + (1 + 1)">Go</button>
<p id="out">waiting</p></html>"""


@pytest.mark.asyncio(loop_scope="session")
async def test_chromium_runs_a_script_and_takes_a_screenshot(browser: Browser) -> None:
    page = await browser.new_page()
    try:
        await page.set_content(PAGE)
        await page.get_by_role("button", name="Go").click()
        await page.wait_for_function("document.getElementById('out').textContent !== 'waiting'")
        assert await page.text_content("#out") == "clicked 2"
        shot = artifact_path("browser-probe.png")
        await page.screenshot(path=str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        await page.close()
