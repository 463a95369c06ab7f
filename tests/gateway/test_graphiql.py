"""The GraphiQL page (outside production) prefills the `Authorization` header and says how to fill it.

Its scripts and styles are the gateway's own copies (issue 17): pinned in tools/graphiql-assets,
copied into gateway/graphiql_static/ with a manifest, each the exact file strawberry's page names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from strawberry.http.ides import get_graphql_ide_html

from gateway.graphiql import (
    CDN_ASSET,
    PLACEHOLDER_HEADERS,
    STATIC_DIR,
    STATIC_PATH,
    asset_digests,
    manifest,
    page,
    static_route,
)
from tests.support.node import NodeUnavailableError, ensure_node_packages
from tests.support.process import REPO_ROOT

ASSETS_NPM_DIR = REPO_ROOT / "tools" / "graphiql-assets"


def test_the_page_prefills_the_header_and_explains_it() -> None:
    html = page(get_graphql_ide_html("graphiql"))
    assert json.loads(PLACEHOLDER_HEADERS) == {"Authorization": "Bearer <your API key>"}
    assert f"const PLACEHOLDER_HEADERS = {json.dumps(PLACEHOLDER_HEADERS)};" in html
    assert "React.useState(initialHeaders())" in html
    assert "wsConnectionParams: connectionParams" in html
    assert "uv run billing-gateway api-keys create" in html


def test_a_changed_template_is_refused_not_served_half_edited() -> None:
    with pytest.raises(RuntimeError, match="template changed"):
        page("<html>no anchors</html>")


def test_the_edited_script_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: install Node.js >= 20 to check the GraphiQL page's script", pytrace=False)
    scripts = re.findall(r"<script>(.*?)</script>", page(get_graphql_ide_html("graphiql")), re.S)
    assert scripts, "no inline script in the GraphiQL page"
    script = tmp_path / "graphiql.js"
    script.write_text(scripts[-1])
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def _sha384(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def test_the_page_loads_only_the_gateways_copies() -> None:
    html = page(get_graphql_ide_html("graphiql"))
    assert not CDN_ASSET.search(html)
    local = re.findall(r'(?:src|href)="' + re.escape(STATIC_PATH) + r'/([^"]+)"', html)
    assert sorted(local) == sorted(asset_digests()), "the page and the manifest name different files"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "the page loads something from another host"


def test_a_template_naming_another_release_is_refused() -> None:
    template = get_graphql_ide_html("graphiql").replace(
        "graphiql@3.8.3/graphiql.min.js", "graphiql@3.9.0/graphiql.min.js"
    )
    with pytest.raises(RuntimeError, match=r"graphiql@3\.9\.0/graphiql\.min\.js.*does not hold"):
        page(template)


def test_the_committed_files_are_the_pinned_releases_with_their_licences() -> None:
    pins = json.loads((ASSETS_NPM_DIR / "package.json").read_text())["dependencies"]
    locked = json.loads((ASSETS_NPM_DIR / "package-lock.json").read_text())["packages"]
    packages = manifest()["packages"]
    assert set(packages) <= set(pins)
    for name, entry in packages.items():
        assert entry["version"] == pins[name] == locked[f"node_modules/{name}"]["version"], name
        licence = (STATIC_DIR / entry["licenseFile"]).read_text()
        assert "MIT" in licence or "Permission is hereby granted" in licence, name
        for path, file in entry["files"].items():
            assert path.startswith(f"{name}@{pins[name]}/"), path
            assert _sha384(STATIC_DIR / path) == file["sha384"], f"{path} differs from its manifest entry"
    # strawberry's page names each file with its integrity digest: the copies are those very files.
    named = {found["path"]: found["sri"] for found in CDN_ASSET.finditer(get_graphql_ide_html("graphiql"))}
    assert named == asset_digests()


def test_a_fresh_install_copies_exactly_the_committed_files() -> None:
    try:
        node = ensure_node_packages(ASSETS_NPM_DIR)
    except NodeUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)
    result = subprocess.run(
        [node, str(ASSETS_NPM_DIR / "copy.mjs"), "--check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"run `node tools/graphiql-assets/copy.mjs`:\n{result.stdout}{result.stderr}"


async def test_the_static_route_serves_the_copies() -> None:
    path, digest = next(iter(asset_digests().items()))
    transport = httpx.ASGITransport(app=Starlette(routes=[static_route()]))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        served = await client.get(f"{STATIC_PATH}/{path}")
        missing = await client.get(f"{STATIC_PATH}/react@0.0.0/nothing.js")
    assert served.status_code == 200
    assert "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode() == digest
    assert missing.status_code == 404
