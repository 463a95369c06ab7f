"""The ASGI application: routes, the GraphQL view, and the process lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.auth import Principal
from gateway.db import close_db, open_db
from gateway.health import live, make_ready
from gateway.http_guard import GraphQLHttpGate
from gateway.idempotency import purge_expired
from gateway.settings import Settings, get_settings
from gateway.stripe_client import StripeAdapter
from gateway.webhooks import StripeWebhookEndpoint
from resolvers.loaders import Loaders
from schema import build_schema
from schema.context import Context
from tasks.broker import enqueue_event
from tasks.worker import start_app_broker

log = logging.getLogger("gateway.app")

ANONYMOUS = Principal(kind="api_key", id="anonymous")
LEDGER_PURGE_INTERVAL_SECONDS = 600.0


class GatewayGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with the gateway's typed context."""

    def __init__(self, settings: Settings, stripe: StripeAdapter) -> None:
        super().__init__(
            build_schema(),
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=True,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.settings = settings
        self.stripe = stripe

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
        return Context(
            principal=principal,
            settings=self.settings,
            stripe=self.stripe,
            loaders=Loaders(),
            request_id=request.headers.get("x-request-id") or uuid.uuid4().hex,
        )


async def _purge_ledger_forever(settings: Settings) -> None:
    while True:
        await asyncio.sleep(LEDGER_PURGE_INTERVAL_SECONDS)
        try:
            purged = await purge_expired(settings)
            if purged:
                log.info("purged %d expired idempotency records", purged)
        except Exception:
            log.exception("idempotency purge failed; retrying next interval")


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the gateway's ASGI app for these settings."""
    settings = settings or get_settings()
    stripe = StripeAdapter(settings)
    graphql = GatewayGraphQL(settings, stripe)
    # The receiver stores each verified event, then hands its row id to the broker.
    webhooks = StripeWebhookEndpoint(settings.webhook_secrets, enqueue=enqueue_event)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_db(settings)
        # Redis: the broker to send to; embedded: an in-process worker that runs the
        # actors' database work on this loop, which owns Tortoise's connections.
        embedded_worker = start_app_broker(settings, asyncio.get_running_loop(), stripe=stripe)
        purger = asyncio.create_task(_purge_ledger_forever(settings))
        try:
            yield
        finally:
            purger.cancel()
            if embedded_worker is not None:
                await embedded_worker.aclose()
            await stripe.aclose()
            await close_db()

    routes = [
        Route("/graphql", GraphQLHttpGate(graphql, ide_enabled=not settings.is_production), methods=None),
        WebSocketRoute("/graphql", graphql),
        Route("/webhooks/stripe", webhooks.handle, methods=["POST"]),
        Route("/health/live", live),
        Route("/health/ready", make_ready(settings, stripe)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
