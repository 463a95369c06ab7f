"""The gate in front of `/graphql` over HTTP: body rules, then authentication.

Everything here answers before any GraphQL work: a malformed request gets a 4xx
JSON body with a reason, an unauthenticated one a 401.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth import AuthenticationError, authenticate_bearer
from gateway.settings import Settings

MAX_BODY_BYTES = 1_048_576


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


class GraphQLHttpGate:
    """Checks the bearer token, then the body, then hands the request to the GraphQL app.

    The principal goes to `scope["state"]["principal"]`. A GET with no query (the
    GraphiQL page, outside production) passes unauthenticated: it carries no data.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        ide_enabled: bool,
        max_body_bytes: int = MAX_BODY_BYTES,
        settings: Settings | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        """Checks customer session tokens (GATEWAY_SECRET); the process's settings when None."""
        self.ide_enabled = ide_enabled
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if request.method == "GET" and self.ide_enabled and "query" not in request.query_params:
            await self.app(scope, receive, send)
            return
        if request.method not in ("GET", "POST"):
            await error_response(405, "method_not_allowed", "use GET or POST")(scope, receive, send)
            return
        try:
            principal = await authenticate_bearer(request.headers.get("authorization"), self.settings)
        except AuthenticationError as exc:
            await error_response(401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        body = b""
        if request.method == "POST":
            rejection, body = await self._read_body(request)
            if rejection is not None:
                await rejection(scope, receive, send)
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, _replay(body) if request.method == "POST" else receive, send)

    async def _read_body(self, request: Request) -> tuple[JSONResponse | None, bytes]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return error_response(400, "bad_request", "the body must be JSON (Content-Type: application/json)"), b""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return error_response(413, "payload_too_large", f"the body is limited to {self.max_body_bytes} bytes"), b""
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return error_response(
                    413, "payload_too_large", f"the body is limited to {self.max_body_bytes} bytes"
                ), b""
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            parsed: Any = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error_response(400, "bad_request", "the body is not valid JSON"), b""
        if not isinstance(parsed, dict):
            return error_response(400, "bad_request", "the body must be one JSON object (batching is off)"), b""
        if not isinstance(parsed.get("query"), str):
            return error_response(400, "bad_request", "the body needs a `query` string"), b""
        return None, body


def _replay(body: bytes) -> Receive:
    """A receive channel that hands the already-read body to the inner app."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
