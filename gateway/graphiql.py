"""The GraphiQL page served outside production: strawberry's, with the `Authorization` header prefilled.

Every request to `/graphql` needs a bearer token, so the page (1) opens with a comment that says
how to get an API key and where to put it, (2) prefills the Headers editor with a placeholder
unless the browser already keeps headers for this page, and (3) sends the header's value in the
WebSocket `connection_init` payload, which is where the gateway reads a subscription's token.
The placeholder is not a credential: the page holds no data.

Strawberry's template is edited at fixed anchors; `page` raises when one is missing, so a
strawberry upgrade that moves them fails the GraphiQL test instead of serving an unprefilled page.

The page loads nothing from another host: every CDN address in strawberry's template becomes
`/graphiql/static/<package>@<version>/<file>`, served from `gateway/graphiql_static/` (copied by
`tools/graphiql-assets/copy.mjs`, listed with their sha384 in its MANIFEST.json). `page` raises
when the template names a file the manifest lacks, or one whose `integrity` differs from the copy's
digest; the browser checks `integrity` again on every load (docs/decisions/0058-graphiql-assets.md).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR: Final = Path(__file__).resolve().parent / "graphiql_static"
STATIC_PATH: Final = "/graphiql/static"
CDN_ASSET: Final = re.compile(
    r'(?P<attribute>src|href)="https://[^/"]+/(?P<path>[^"]+)"(?P<between>\s+)integrity="(?P<sri>[^"]+)"'
)
"""A script or stylesheet strawberry's template loads from a CDN, with its digest (the gateway serves the file)."""
_REMOTE: Final = re.compile(r'(?:src|href)="(?:https?:)?//')

PLACEHOLDER_HEADERS: Final = json.dumps({"Authorization": "Bearer <your API key>"}, indent=2)

_WELCOME_ANCHOR: Final = "const EXAMPLE_QUERY = `# Welcome to GraphiQL 🍓\n"
_WELCOME: Final = """#
# billing-gateway: every request needs a token in the Authorization header.
# The Headers tab (below the editor) is prefilled with a placeholder:
#     {"Authorization": "Bearer <your API key>"}
# Replace <your API key> with a key made by
#     uv run billing-gateway api-keys create --name me --scopes read,write
# (the raw key is the last line it prints; a customer session token works too).
# This browser keeps the headers you type for this page. Subscriptions send the
# same value in the WebSocket connection_init payload.
"""

_FETCHER_ANCHOR: Final = "      const fetcher = GraphiQL.createFetcher({\n        url: fetchURL,\n"
_FETCHER: Final = """      // The header editor's text; a subscription sends its Authorization in connection_init.
      let editedHeaders = null;
      function initialHeaders() {
        if (parameters.headers) return parameters.headers;
        try {
          const kept = window.localStorage.getItem("graphiql:headers");
          if (kept) return kept;
        } catch (e) {}
        return PLACEHOLDER_HEADERS;
      }
      function connectionParams() {
        try {
          const headers = JSON.parse(editedHeaders || initialHeaders());
          const value = headers.Authorization || headers.authorization;
          return value ? { authorization: value } : {};
        } catch (e) {
          return {};
        }
      }
      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        wsConnectionParams: connectionParams,
"""

_STATE_ANCHOR: Final = "const [headers, setHeaders] = React.useState(parameters.headers);"
_STATE: Final = "const [headers, setHeaders] = React.useState(initialHeaders());"

_EDIT_ANCHOR: Final = "          setHeaders(newHeaders);\n"
_EDIT: Final = "          setHeaders(newHeaders);\n          editedHeaders = newHeaders;\n"


@cache
def manifest() -> dict[str, Any]:
    """gateway/graphiql_static/MANIFEST.json: per package its version, licence file and files' sha384."""
    loaded: dict[str, Any] = json.loads((STATIC_DIR / "MANIFEST.json").read_text())
    return loaded


def asset_digests() -> dict[str, str]:
    """Each served file (its path under `STATIC_PATH`) and its `sha384-…` digest, from the manifest."""
    return {
        path: entry["sha384"] for package in manifest()["packages"].values() for path, entry in package["files"].items()
    }


def static_route() -> Mount:
    """The page's scripts and styles at `STATIC_PATH` (mounted outside production only, as the page is)."""
    return Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="graphiql-static")


def _local_assets(template: str) -> str:
    """The template with each CDN address replaced by the gateway's copy, checked against the manifest."""
    digests = asset_digests()
    found = list(CDN_ASSET.finditer(template))
    if not found:
        raise RuntimeError("strawberry's GraphiQL template changed: no CDN script or stylesheet with integrity")
    for match in found:
        path, sri = match["path"], match["sri"]
        if digests.get(path) != sri:
            raise RuntimeError(
                f"strawberry's GraphiQL template names {path} ({sri}), which gateway/graphiql_static/ "
                "does not hold: update tools/graphiql-assets/package.json and run its copy.mjs"
            )
    local = CDN_ASSET.sub(rf'\g<attribute>="{STATIC_PATH}/\g<path>"\g<between>integrity="\g<sri>"', template)
    if _REMOTE.search(local):
        raise RuntimeError("strawberry's GraphiQL template loads something from another host")
    return local


def page(template: str) -> str:
    """Strawberry's GraphiQL `template` with local assets, the gateway's header prefill and note."""
    template = _local_assets(template)
    edits = (
        (_WELCOME_ANCHOR, _WELCOME_ANCHOR + _WELCOME),
        (_FETCHER_ANCHOR, f"      const PLACEHOLDER_HEADERS = {json.dumps(PLACEHOLDER_HEADERS)};\n" + _FETCHER),
        (_STATE_ANCHOR, _STATE),
        (_EDIT_ANCHOR, _EDIT),
    )
    for anchor, replacement in edits:
        if template.count(anchor) != 1:
            raise RuntimeError(f"strawberry's GraphiQL template changed: anchor not found once: {anchor.strip()!r}")
        template = template.replace(anchor, replacement)
    return template
