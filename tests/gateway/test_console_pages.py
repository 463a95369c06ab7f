"""The console's assets: the vendored graphql-ws is the pinned one; nothing loads from elsewhere; the Origin check."""

from __future__ import annotations

import json
import re

import pytest

from gateway.console_pages import ASSETS, same_origin
from tests.support.node import NodeUnavailableError, ensure_node_packages
from tests.support.process import REPO_ROOT

VENDOR_DIR = REPO_ROOT / "tools" / "console-vendor"


def test_the_vendored_graphql_ws_is_the_pinned_version() -> None:
    lock = json.loads((VENDOR_DIR / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/graphql-ws"]["version"]
    assert pinned == json.loads((VENDOR_DIR / "package.json").read_text())["dependencies"]["graphql-ws"]
    try:
        ensure_node_packages(VENDOR_DIR)
    except NodeUnavailableError as exc:
        pytest.fail(str(exc))
    package = VENDOR_DIR / "node_modules" / "graphql-ws"
    assert json.loads((package / "package.json").read_text())["version"] == pinned
    vendored = ASSETS / "vendor"
    assert (vendored / "graphql-ws.min.js").read_bytes() == (package / "umd" / "graphql-ws.min.js").read_bytes()
    assert (vendored / "graphql-ws.LICENSE.md").read_bytes() == (package / "LICENSE.md").read_bytes()


def test_the_pages_load_nothing_from_another_origin() -> None:
    for page in ("console.html", "signin.html", "console.js", "console.css"):
        text = (ASSETS / page).read_text()
        # Only the SVG namespace URI (a name, never fetched) may look like a URL.
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text)) - {"http://www.w3.org/2000/svg"}
        assert not urls, f"{page}: {urls}"
    assert "localStorage" not in (ASSETS / "console.js").read_text().replace(
        "nothing is stored\n// in localStorage", ""
    )


def _scope(**headers: str) -> dict[str, object]:
    return {"type": "websocket", "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}


def test_same_origin_compares_origin_with_host() -> None:
    assert same_origin(_scope(host="127.0.0.1:8000", origin="http://127.0.0.1:8000"))
    assert same_origin(_scope(host="console.example:443", origin="https://console.example:443"))
    assert not same_origin(_scope(host="127.0.0.1:8000", origin="http://evil.example"))
    assert not same_origin(_scope(host="127.0.0.1:8000", origin="null"))
    assert same_origin(_scope(host="127.0.0.1:8000"))  # no Origin: not a browser's cross-origin request
