"""The gate in front of `/graphql` over HTTP: body rules, then authentication.

Everything here answers before any GraphQL work: a malformed request gets a 4xx
problem details body (`application/problem+json`, `base.problems`) with a reason, an
unauthenticated one a 401. What the GraphQL app itself refuses outside a GraphQL result
(strawberry's plain-text 4xx, and the 429/503 refusals) is rewritten into a problem too:
see `_problem_answers` and docs/decisions/0053-problem-details.md for the boundary.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from base.db import DATABASE_RETRY_AFTER_SECONDS, is_database_unavailable
from base.error_codes import ErrorCode
from base.principals import AuthenticationError, Principal
from base.problems import REQUEST_ID, ProblemResponse, problem, problem_body, request_id_of
from base.settings import Settings, get_settings
from billing.authentication import CONSOLE_COOKIE, authenticate_bearer, authenticate_console_cookie
from billing.console_sessions import csrf_matches

MAX_BODY_BYTES = 1_048_576
MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects accepted in a body (or a GET's `variables`)."""

__all__ = [
    "MAX_BODY_BYTES",
    "REQUEST_ID",
    "DatabaseOutageMiddleware",
    "GraphQLHttpGate",
    "load_json",
    "request_id_of",
    "service_unavailable_response",
]
log = logging.getLogger("gateway.http")

CSRF_HEADER = "X-CSRF-Token"


class CsrfError(Exception):
    """A console-cookie request without its session's CSRF token (answered 403)."""


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
        if request.method == "GET" and self.ide_enabled and not {"query", "extensions"} & request.query_params.keys():
            await self.app(scope, receive, send)
            return
        if request.method not in ("GET", "POST"):
            refusal = problem(scope, 405, "use GET or POST", headers={"Allow": "GET, POST"})
            await refusal(scope, receive, send)
            return
        try:
            principal = await self._authenticate(request)
        except AuthenticationError as exc:
            await problem(scope, 401, str(exc), headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
            return
        except CsrfError as exc:
            await problem(scope, 403, str(exc))(scope, receive, send)
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
            await self.app(scope, _replay(body) if request.method == "POST" else receive, _problem_answers(scope, send))

    async def _authenticate(self, request: Request) -> Principal:
        """The bearer token's principal; without one, the console cookie's, whose CSRF token must be echoed."""
        header = request.headers.get("authorization")
        cookie = request.cookies.get(CONSOLE_COOKIE)
        if header or not cookie:
            return await authenticate_bearer(header, self.settings)
        principal = await authenticate_console_cookie(cookie)
        # A cookie rides along on any request the browser makes: only the console's script can echo the token.
        if not csrf_matches(self.settings or get_settings(), cookie, request.headers.get(CSRF_HEADER)):
            raise CsrfError(f"a cookie-authenticated request needs the {CSRF_HEADER} header of its session")
        request.scope.setdefault("state", {})["console"] = True  # read by the GraphQL context (decision 0066)
        return principal

    async def _read_body(self, request: Request) -> tuple[Response | None, bytes]:
        scope = request.scope
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            # GraphQL-over-HTTP: a POST whose media type the server does not support is a 415.
            detail = "the body must be JSON (Content-Type: application/json)"
            return problem(scope, 415, detail, headers={"Accept-Post": "application/json"}), b""
        too_large = f"the body is limited to {self.max_body_bytes} bytes"
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return problem(scope, 413, too_large), b""
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return problem(scope, 413, too_large), b""
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            parsed: Any = load_json(body)
        except ValueError as exc:
            return problem(scope, 400, f"the body: {exc}"), b""
        if not isinstance(parsed, dict):
            return problem(scope, 400, "the body must be one JSON object (batching is off)"), b""
        if not isinstance(parsed.get("query"), str) and not _names_persisted_document(parsed):
            return problem(scope, 400, "the body needs a `query` string (or `extensions.persistedQuery`)"), b""
        if not isinstance(parsed.get("operationName"), str | None):
            return problem(scope, 400, "`operationName` must be a string or null"), b""
        return None, body


def _names_persisted_document(body: dict[str, Any]) -> bool:
    """A body without `query` that names its document by hash (checked by `schema.persisted_queries`)."""
    extensions = body.get("extensions")
    return body.get("query") is None and isinstance(extensions, dict) and "persistedQuery" in extensions


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


def _check_query_params(request: Request) -> Response | None:
    """A GET's `variables` and `extensions` are JSON the GraphQL app parses: refuse what it cannot."""
    for name in ("variables", "extensions"):
        raw = request.query_params.get(name)
        if raw is None:
            continue
        try:
            load_json(raw)
        except ValueError as exc:
            return problem(request.scope, 400, f"`{name}`: {exc}")
    return None


GET_MUTATION_REFUSAL = "mutations are not allowed when using GET"
"""Strawberry's reason (`InvalidOperationTypeError`) for a mutation over GET, which it answers 400."""
REFUSALS_AS_PROBLEMS = frozenset({429, 503})
"""Statuses the GraphQL app sets for a refusal before (or instead of) execution (`schema.extensions`)."""


def _problem_answers(scope: Scope, send: Send) -> Send:
    """A send channel that turns the GraphQL app's non-GraphQL error answers into problem details.

    - Strawberry answers a few requests that pass the gate in plain text (an empty `query`, an
      unknown `operationName`, a mutation over GET, `variables` that are not an object): these are
      transport errors, not GraphQL results, so they become problems with strawberry's reason.
    - A 429 (rate limited) or 503 (database unreachable) is a refusal a client acts on at the HTTP
      level: it becomes a problem too, keeping the GraphQL body's `errors` (and `data`) as extension
      members so a GraphQL client still reads `errors[0].extensions.code`.

    Every other answer (a GraphQL result, whatever its status) passes unchanged.
    """
    held: Message | None = None
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            status = int(message["status"])
            content_type = MutableHeaders(raw=list(message.get("headers", []))).get("content-type", "")
            graphql_json = content_type.startswith(("application/json", "application/graphql-response+json"))
            if (400 <= status < 600 and not graphql_json) or status in REFUSALS_AS_PROBLEMS:
                held = message
                return
        elif held is not None and message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _send_as_problem(scope, send, held, b"".join(chunks))
            return
        await send(message)

    return wrapped


async def _send_as_problem(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    """Send the held answer (`start` + `body`) as problem details with the same status and headers."""
    status = int(start["status"])
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    extensions: dict[str, Any] = {}
    detail = body.decode("utf-8", "replace").strip() or "bad request"
    code = None
    if headers.get("content-type", "").startswith(("application/json", "application/graphql-response+json")):
        try:
            graphql: Any = json.loads(body)
        except ValueError:
            graphql = None
        if isinstance(graphql, dict) and isinstance(graphql.get("errors"), list) and graphql["errors"]:
            first = graphql["errors"][0] if isinstance(graphql["errors"][0], dict) else {}
            detail = str(first.get("message") or detail)
            retry_after = (first.get("extensions") or {}).get("retryAfter")
            if isinstance(retry_after, int):
                extensions["retryAfter"] = retry_after
            extensions["errors"] = graphql["errors"]
            if "data" in graphql:
                extensions["data"] = graphql["data"]
    elif status == 400 and scope.get("method") == "GET" and detail == GET_MUTATION_REFUSAL:
        # GraphQL-over-HTTP: a mutation over GET is refused with 405 (strawberry says 400).
        status = 405
        headers["Allow"] = "POST"
        code = ErrorCode.METHOD_NOT_ALLOWED
    request_id = request_id_of(scope)
    rewritten = ProblemResponse(problem_body(status, detail, request_id, code, **extensions), status_code=status)
    for name in ("content-type", "content-length"):
        headers[name] = rewritten.headers[name]
    headers["x-request-id"] = request_id
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": rewritten.body})


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


def service_unavailable_response(scope: Scope) -> Response:
    """503 + `Retry-After`: the database is unreachable. A problem that also carries GraphQL's `errors`.

    `code` is `service_unavailable` for a client that reads the problem, `errors[0].extensions.code`
    `SERVICE_UNAVAILABLE` for a GraphQL client.
    """
    seconds = DATABASE_RETRY_AFTER_SECONDS
    message = f"the service is unavailable (its database cannot be reached); retry in {seconds} s"
    return problem(
        scope,
        503,
        message,
        ErrorCode.HTTP_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(seconds)},
        retryAfter=seconds,
        errors=[{"message": message, "extensions": {"code": ErrorCode.SERVICE_UNAVAILABLE, "retryAfter": seconds}}],
    )


class DatabaseOutageMiddleware:
    """Answers a 503 problem with `Retry-After` for any HTTP request that failed because PostgreSQL is unreachable.

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
            await service_unavailable_response(scope)(scope, receive, send)
