"""Baseline of benchmark 7: the bare Stripe SDK call behind a tiny Starlette endpoint.

`POST /customers` with `{"email", "name", "idempotencyKey"}` calls
`StripeClient.v1.customers.create_async` (the SDK's httpx transport, as the gateway uses it)
against the same localstripe and answers the customer's id and email. The HTTP hop to a
server on the server core is there on both sides, so gateway minus baseline is what the
gateway adds: GraphQL, auth, the idempotency ledger, the mirror upsert, the audit entry.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def create_customer(request: Request) -> Response:
    """Create one customer at Stripe."""
    body = json.loads(await request.body())
    client: stripe.StripeClient = request.app.state.stripe
    customer = await client.v1.customers.create_async(
        params={"email": body["email"], "name": body["name"], "metadata": {}},
        options={"idempotency_key": body["idempotencyKey"]},
    )
    return JSONResponse({"id": customer.id, "email": customer.email})


async def health(request: Request) -> Response:
    """Always ready."""
    return Response("ok")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """One pooled SDK client per process, like the gateway's."""
    http_client = stripe.HTTPXClient()
    app.state.stripe = stripe.StripeClient(
        os.environ["BENCH_STRIPE_API_KEY"],
        base_addresses={"api": os.environ["BENCH_STRIPE_URL"]},
        http_client=http_client,
        max_network_retries=2,
    )
    try:
        yield
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]


app = Starlette(
    routes=[Route("/customers", create_customer, methods=["POST"]), Route("/health", health)],
    lifespan=lifespan,
)
