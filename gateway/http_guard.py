"""The gate in front of `/graphql` over HTTP: body rules, then authentication.

Everything here answers before any GraphQL work: a malformed request gets a 4xx
JSON body with a reason, an unauthenticated one a 401.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from base.db import DATABASE_RETRY_AFTER_SECONDS, is_database_unavailable
from base.error_codes import ErrorCode
from base.principals import AuthenticationError
from base.settings import Settings
from billing.authentication import authenticate_bearer

MAX_BODY_BYTES = 1_048_576
MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects accepted in a body (or a GET's `variables`)."""
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
"""An `X-Request-Id` a client may choose; anything else is replaced with a new id."""

log = logging.getLogger("gateway.http")


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


class GraphQLHttpGate:
    """Checks the bearer token, then the body, then hands the request to the GraphQL app.

    The principal goes to `scope["state"]["principal"]`. A GET with no query (the
    GraphiQL page, outside production) passes unauthenticated: it carries no data.

    Every log line of the request carries `request_id`, chosen and bound by the outermost
    middleware (`gateway.access_log`), and, once authenticated, `principal` (its ledger scope:
    `api_key:<id>` or `customer_session:<jti>`, never the token).
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
            await error_response(405, ErrorCode.METHOD_NOT_ALLOWED, "use GET or POST")(scope, receive, send)
            return
        try:
            principal = await authenticate_bearer(request.headers.get("authorization"), self.settings)
        except AuthenticationError as exc:
            await error_response(401, ErrorCode.UNAUTHORIZED, str(exc), {"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return
        body = b""
        if request.method == "POST":
            rejection, body = await self._read_body(request)
        else:
            rejection = _check_query_params(request)
        if rejection is not None:
            await rejection(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        with structlog.contextvars.bound_contextvars(principal=principal.ledger_scope):
            await self.app(scope, _replay(body) if request.method == "POST" else receive, _json_client_errors(send))

    async def _read_body(self, request: Request) -> tuple[JSONResponse | None, bytes]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return error_response(
                400, ErrorCode.BAD_REQUEST, "the body must be JSON (Content-Type: application/json)"
            ), b""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return error_response(
                413, ErrorCode.PAYLOAD_TOO_LARGE, f"the body is limited to {self.max_body_bytes} bytes"
            ), b""
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return error_response(
                    413, ErrorCode.PAYLOAD_TOO_LARGE, f"the body is limited to {self.max_body_bytes} bytes"
                ), b""
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            parsed: Any = load_json(body)
        except ValueError as exc:
            return error_response(400, ErrorCode.BAD_REQUEST, f"the body: {exc}"), b""
        if not isinstance(parsed, dict):
            return error_response(400, ErrorCode.BAD_REQUEST, "the body must be one JSON object (batching is off)"), b""
        if not isinstance(parsed.get("query"), str):
            return error_response(400, ErrorCode.BAD_REQUEST, "the body needs a `query` string"), b""
        return None, body


def load_json(data: bytes | str) -> Any:
    """`json.loads`, refusing what would exhaust the stack later (ValueError with a reason).

    Nesting deeper than `MAX_JSON_DEPTH` is refused here: the GraphQL app parses the body
    again further down the stack, and `json` raises RecursionError (a 500) around 1,000 levels.
    Python's 4,300-digit cap on integers is a ValueError too.
    """
    try:
        parsed: Any = json.loads(data)
    except RecursionError:
        raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, an integer with too many digits
        raise ValueError("not valid JSON") from None
    if _depth(parsed) > MAX_JSON_DEPTH:
        raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return parsed


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (without recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _check_query_params(request: Request) -> JSONResponse | None:
    """A GET's `variables` and `extensions` are JSON the GraphQL app parses: refuse what it cannot."""
    for name in ("variables", "extensions"):
        raw = request.query_params.get(name)
        if raw is None:
            continue
        try:
            load_json(raw)
        except ValueError as exc:
            return error_response(400, ErrorCode.BAD_REQUEST, f"`{name}`: {exc}")
    return None


def request_id_of(scope: Scope) -> str:
    """The request's `X-Request-Id` when it is a plausible id, else a new one.

    The scope's headers are rewritten to carry exactly that id, so the GraphQL context
    (which reads the header) and the audit trail (64 characters) see the same, sane value.
    """
    headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
    given = [value for name, value in headers if name == b"x-request-id"]
    if len(given) == 1 and REQUEST_ID.fullmatch(given[0]):
        return given[0].decode("ascii")
    request_id = uuid.uuid4().hex
    scope["headers"] = [(n, v) for n, v in headers if n != b"x-request-id"] + [(b"x-request-id", request_id.encode())]
    return request_id


def _json_client_errors(send: Send) -> Send:
    """A send channel that turns a plain-text 4xx of the GraphQL app into the gate's JSON error body.

    Strawberry answers a few requests that pass the gate in plain text (an empty `query`, an
    unknown `operationName`, a mutation over GET, `variables` that are not an object); every
    4xx of `/graphql` is `{"error", "message"}` JSON, so those are rewritten here.
    """
    held: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            content_type = MutableHeaders(raw=list(message.get("headers", []))).get("content-type", "")
            if 400 <= message["status"] < 500 and not content_type.startswith("application/json"):
                held = message
                return
        elif held is not None and message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            reason = b"".join(chunks).decode("utf-8", "replace").strip() or "bad request"
            rewritten = error_response(held["status"], ErrorCode.BAD_REQUEST, reason)
            headers = MutableHeaders(raw=list(held.get("headers", [])))
            for name in ("content-type", "content-length"):
                headers[name] = rewritten.headers[name]
            await send({"type": "http.response.start", "status": held["status"], "headers": headers.raw})
            await send({"type": "http.response.body", "body": rewritten.body})
            return
        await send(message)

    return wrapped


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


def service_unavailable_response() -> JSONResponse:
    """503 + `Retry-After`: the database is unreachable. Both shapes a client may read: the gate's and GraphQL's."""
    seconds = DATABASE_RETRY_AFTER_SECONDS
    message = f"the service is unavailable (its database cannot be reached); retry in {seconds} s"
    return JSONResponse(
        {
            "error": ErrorCode.HTTP_SERVICE_UNAVAILABLE,
            "message": message,
            "errors": [
                {"message": message, "extensions": {"code": ErrorCode.SERVICE_UNAVAILABLE, "retryAfter": seconds}}
            ],
        },
        status_code=503,
        headers={"Retry-After": str(seconds)},
    )


class DatabaseOutageMiddleware:
    """Answers 503 JSON with `Retry-After` for any HTTP request that failed because PostgreSQL is unreachable.

    One place for every path (the API-key lookup, the webhook receiver, the health and
    metrics handlers): without it Starlette answers such a failure `500 Internal Server
    Error` in plain text. Other exceptions pass through unchanged. A failure inside GraphQL
    execution never reaches here: `schema.extensions.MaskUnexpectedErrors` types it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started or not is_database_unavailable(exc):
                raise
            log.warning(
                "%s %s: database unavailable (%s: %s)", scope.get("method"), scope.get("path"), type(exc).__name__, exc
            )
            await service_unavailable_response()(scope, receive, send)
