"""The ASGI application: routes, the GraphQL view, and the process lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from base.db import close_db, open_db
from base.principals import AuthenticationError, Principal
from base.problems import problem
from base.rate_limit import RateLimiter
from base.redis_names import RedisNames
from base.settings import Settings, get_settings
from billing.authentication import CONSOLE_COOKIE, authenticate_bearer, authenticate_console_cookie
from billing.console_sessions import purge_expired_console_sessions
from billing.ledger import LEDGER_PURGE_INTERVAL_SECONDS, purge_expired
from billing.loaders import Loaders
from billing.request_context import Context
from billing.revocations import purge_expired_sessions
from billing.revocations import shutdown as stop_session_watch
from gateway.access_log import HttpRequestMiddleware
from gateway.console_pages import ConsoleSocketOrigin, console_routes
from gateway.graphiql import page as graphiql_page
from gateway.graphiql import static_route as graphiql_static_route
from gateway.graphql_metrics import with_graphql_metrics
from gateway.health import live, make_ready
from gateway.http_guard import REQUEST_ID, DatabaseOutageMiddleware, GraphQLHttpGate
from gateway.metrics_endpoint import metrics_endpoint, multiprocess_directory, register_collectors, sync_forever
from gateway.startup_failure import StartupFailureLine
from gateway.ws import GatewayTransportWSHandler
from live.hub import LiveHub
from runtime.graphql_response import GraphQLResponseMedia
from schema import build_schema
from stripe_provider.adapter import StripeAdapter
from tasks.broker import LoopEnqueuer
from tasks.usage import UsageDispatcher
from tasks.worker import start_app_broker
from webhooks.receiver import StripeWebhookEndpoint

log = logging.getLogger("gateway.app")

ANONYMOUS = Principal(kind="api_key", id="anonymous")

_socket_principals: weakref.WeakValueDictionary[tuple[object, ...], Principal] = weakref.WeakValueDictionary()
"""One object per distinct principal among the open sockets (many sockets of one key share it; ~0.5 KiB each).

Keyed by the principal's field values, not by the principal (a key is held strongly): an entry goes
when the last socket holding its principal does.
"""


def _shared_principal(principal: Principal) -> Principal:
    """An equal principal, the same object for every socket authenticated as it while any of them holds it.

    `Principal` is a frozen dataclass compared by value: its fields are all that anything reads of it.
    """
    key = tuple(getattr(principal, field.name) for field in dataclasses.fields(principal))
    return _socket_principals.setdefault(key, principal)


@dataclass
class SocketContext(Context):
    """The context of one WebSocket connection: unauthenticated until `connection_init` carries a token."""

    connection_params: dict[str, object] | None = None
    """The `connection_init` payload (strawberry sets it before calling `on_ws_connect`)."""
    console_token: str | None = None
    """The console's session cookie of the upgrade (its Origin checked: `ConsoleSocketOrigin`)."""


class GatewayGraphQL(GraphQLResponseMedia, GraphQL[Context, None]):
    """Strawberry's ASGI view with the gateway's typed context (and `application/graphql-response+json`)."""

    # A shared subscription result's JSON is encoded once for all its sockets (see gateway.ws).
    graphql_transport_ws_handler_class = GatewayTransportWSHandler

    def __init__(
        self, settings: Settings, stripe: StripeAdapter, event_dispatch: Callable[[uuid.UUID, str], Awaitable[None]]
    ) -> None:
        super().__init__(
            with_graphql_metrics(build_schema(settings)),
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=True,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.settings = settings
        self.stripe = stripe
        self.event_dispatch = event_dispatch
        self.rate_limiter: RateLimiter | None = None
        """Set by the lifespan (its Redis client belongs to the server's loop)."""
        self.usage_dispatch: UsageDispatcher | None = None
        """Set by the lifespan: hands recorded usage events to the forwarding actor."""

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming a persisted document by hash has no `query` either (schema.persisted_queries).
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page, with the Authorization header prefilled (gateway/graphiql.py).
        return HTMLResponse(graphiql_page(self.graphql_ide_html))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
        if isinstance(request, WebSocket):
            # One context per connection; `on_ws_connect` puts the principal in it.
            return SocketContext(
                principal=ANONYMOUS,
                settings=self.settings,
                stripe=self.stripe,
                loaders=Loaders(),
                request_id=_request_id(request),
                rate_limiter=self.rate_limiter,
                console_token=request.cookies.get(CONSOLE_COOKIE),
                event_dispatch=self.event_dispatch,
            )
        return Context(
            principal=principal,
            settings=self.settings,
            stripe=self.stripe,
            loaders=Loaders(),
            request_id=_request_id(request),
            rate_limiter=self.rate_limiter,
            response=cast("Response", response),
            usage_dispatch=self.usage_dispatch,
            event_dispatch=self.event_dispatch,
            console=bool(request.scope.get("state", {}).get("console", False)),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate `connection_init`'s `{"authorization": "Bearer …"}`; a bad one closes with 4403."""
        params = getattr(context, "connection_params", None) or {}
        header = params.get("authorization") or params.get("Authorization")
        console_token = getattr(context, "console_token", None)
        if not isinstance(header, str) and not console_token:
            raise ConnectionRejectionError({"reason": "missing authorization in connection_init payload"})
        try:
            if isinstance(header, str):
                principal = await authenticate_bearer(header)
            else:  # the operator console: its cookie, from its own origin (gateway.console_pages)
                principal = await authenticate_console_cookie(console_token)
                context.console = True
            context.principal = _shared_principal(principal)
        except AuthenticationError:
            raise ConnectionRejectionError({"reason": "invalid token"}) from None
        return cast("UnsetType", UNSET)  # UNSET is typed Any


def _request_id(request: Request | WebSocket) -> str:
    """The client's `X-Request-Id` when it is a plausible id (the HTTP gate already checked), else a new one."""
    given = request.headers.get("x-request-id") or ""
    return given if REQUEST_ID.fullmatch(given.encode()) else uuid.uuid4().hex


async def _http_exception_problem(request: Request, exc: Exception) -> Response:
    """Starlette's 404 (no route), 405 (a route without this method) and any other HTTPException, as a problem."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = f"no route at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed at {request.url.path}" + (
            f" (allowed: {headers['Allow']})" if "Allow" in headers else ""
        )
    else:
        detail = exc.detail
    return problem(request.scope, exc.status_code, detail, headers=headers)


async def _internal_error_problem(request: Request, exc: Exception) -> Response:
    """An exception no handler answered: a 500 problem (Starlette's ServerErrorMiddleware logs it, then sends this)."""
    return problem(request.scope, 500, "an unexpected error; `instance` (the request id) finds it in the log")


async def _purge_ledger_forever(settings: Settings) -> None:
    while True:
        await asyncio.sleep(LEDGER_PURGE_INTERVAL_SECONDS)
        try:
            purged = await purge_expired(settings)
            if purged:
                log.info("purged %d expired idempotency records", purged)
            sessions = await purge_expired_sessions() + await purge_expired_console_sessions()
            if sessions:
                log.info("purged %d customer sessions expired a day ago", sessions)
        except Exception:
            log.exception("idempotency purge failed; retrying next interval")


def create_app(settings: Settings | None = None, *, sandbox_token: str | None = None) -> Starlette:
    """Build the gateway's ASGI app for these settings (`sandbox_token`: of the sandbox `serve` started)."""
    settings = settings or get_settings()
    register_collectors()
    stripe = StripeAdapter(settings)
    # The receiver stores each verified event, then hands its row id to the broker.
    enqueuer = LoopEnqueuer(settings)
    graphql = GatewayGraphQL(settings, stripe, enqueuer)
    webhooks = StripeWebhookEndpoint(settings.webhook_secrets, enqueue=enqueuer)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_db(settings)
        # Redis: the broker to send to; embedded: an in-process worker that runs the
        # actors' database work on this loop, which owns Tortoise's connections.
        embedded_worker = start_app_broker(settings, asyncio.get_running_loop(), stripe=stripe)
        purger = asyncio.create_task(_purge_ledger_forever(settings))
        # One upstream subscription (Redis pub/sub, or the in-memory bus) fanned out to this process's sockets.
        hub = LiveHub(settings.redis_url, names=RedisNames.of(settings))
        await hub.start()
        graphql.rate_limiter = RateLimiter(settings)
        graphql.usage_dispatch = UsageDispatcher(settings)
        # What is loaded by now lives as long as the process: keep it out of every full collection,
        # which otherwise walks it too (pauses of hundreds of ms with a thousand live subscribers).
        gc.freeze()
        # `serve --workers N`: this worker's in-memory metrics into the shared files (gateway.metrics_endpoint).
        metrics_sync = asyncio.create_task(sync_forever()) if multiprocess_directory() else None
        try:
            yield
        finally:
            if metrics_sync is not None:
                metrics_sync.cancel()
            await graphql.rate_limiter.aclose()
            await enqueuer.aclose()
            await graphql.usage_dispatch.aclose()
            purger.cancel()
            await hub.stop()
            await stop_session_watch()
            if embedded_worker is not None:
                await embedded_worker.aclose()
            await stripe.aclose()
            await close_db()

    routes = [
        Route(
            "/graphql",
            GraphQLHttpGate(graphql, ide_enabled=not settings.is_production, settings=settings),
            methods=None,
        ),
        WebSocketRoute("/graphql", ConsoleSocketOrigin(graphql)),
        Route("/webhooks/stripe", webhooks.handle, methods=["POST"]),
        Route("/health/live", live),
        Route("/health/ready", make_ready(settings, stripe, sandbox_token=sandbox_token)),
        # Open like /health: counts and timings only (see base.metrics).
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        # GraphiQL's scripts and styles, served by the gateway as the page is (outside production only).
        *([] if settings.is_production else [graphiql_static_route()]),
        *console_routes(settings),
    ]
    known_paths = frozenset(route.path for route in routes if isinstance(route, Route))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        # Inside the request middleware (metrics, access line), so a 503 for a database outage is counted
        # and logged as one.
        middleware=[
            Middleware(StartupFailureLine),
            Middleware(HttpRequestMiddleware, paths=known_paths),
            Middleware(DatabaseOutageMiddleware),
        ],
        # Problem details (base/problems.py) instead of Starlette's plain-text 404/405/500.
        exception_handlers={HTTPException: _http_exception_problem, Exception: _internal_error_problem},
    )
