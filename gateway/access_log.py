"""One access line per HTTP request, written when its response ends (docs/operations.md).

The line goes through `base.logs` like every other (JSON in production, redacted):
`method`, `path` (never the query string: a token passed as `?access_token=` or a secret in
GraphQL variables would be logged with it; only the parameter NAMES are kept, in `query_keys`),
`status`, `duration_ms`, `request_id` (the same id as every other line of the request, the
client's `X-Request-Id` when sane) and `client` (the peer's IP as uvicorn saw it: behind a
proxy, the proxy's unless uvicorn is told to trust `X-Forwarded-For`) and `pid` (the process that
answered: `serve --workers N` runs several on one port). uvicorn's own access
log is off: it has no request id and prints the query string.

WebSocket connections get no access line (their upgrade is not an HTTP response here).
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qsl

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from base.metrics import observe_http_request
from base.problems import request_id_of

access_log = structlog.get_logger("gateway.access")


class HttpRequestMiddleware:
    """Binds the request id for the whole request, echoes it as `X-Request-Id` on the response; when the
    response is complete, counts it and logs its line.

    One middleware for both (the metrics and the access line read the same status and duration):
    a request whose app raised before answering counts, and is logged, as 500.
    """

    def __init__(self, app: ASGIApp, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths
        self.pid = os.getpid()  # built in the worker process that serves (never forked after)
        """The app's routes: other paths are counted as "other" (see `observe_http_request`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        status = 500  # what the client gets when the app raises before answering

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers["X-Request-Id"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, tracked)
            finally:
                elapsed = time.perf_counter() - started
                method, path = scope.get("method", "GET"), scope.get("path", "")
                observe_http_request(self.paths, method, path, status, elapsed)
                client = scope.get("client")
                query = scope.get("query_string", b"")
                access_log.info(
                    "http request",
                    method=method,
                    path=path,
                    query_keys=sorted({key for key, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)})
                    if query
                    else None,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    client=client[0] if client else None,
                    pid=self.pid,
                )
