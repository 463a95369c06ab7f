"""The GraphiQL page served outside production: strawberry's, with the `Authorization` header prefilled.

Every request to `/graphql` needs a bearer token, so the page (1) opens with a comment that says
how to get an API key and where to put it, (2) prefills the Headers editor with a placeholder
unless the browser already keeps headers for this page, and (3) sends the header's value in the
WebSocket `connection_init` payload, which is where the gateway reads a subscription's token.
The placeholder is not a credential: the page holds no data.

Strawberry's template is edited at fixed anchors; `page` raises when one is missing, so a
strawberry upgrade that moves them fails the GraphiQL test instead of serving an unprefilled page.
"""

from __future__ import annotations

import json
from typing import Final

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


def page(template: str) -> str:
    """Strawberry's GraphiQL `template` with the gateway's header prefill and note."""
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
